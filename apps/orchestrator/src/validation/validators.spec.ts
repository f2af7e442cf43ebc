import { AgeBucket, EngagementType, Gender, Surface, type EngagementEvent, type ItemAttributes, type RecommendRequest } from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import { validateEvents, validateItems, validateUsers } from './ingest.validator';
import { validateRecommend } from './recommend.validator';

const NOW = Date.UTC(2026, 10, 25, 12);

const request = (over: Partial<RecommendRequest> = {}): RecommendRequest => ({
  userId: 'user_1',
  surface: Surface.SURFACE_HOME_FEED,
  context: { country: 'us', device: 'ios', locale: 'en-US', recentItemIds: ['pin_1'], contextItemId: '' },
  pageSize: 25,
  experimentOverrides: {},
  debug: false,
  ...over,
});

const event = (over: Partial<EngagementEvent> = {}): EngagementEvent => ({
  eventId: 'ev_1', userId: 'user_1', itemId: 'pin_1', type: EngagementType.ENGAGEMENT_TYPE_CLICK,
  timestampMs: String(NOW - 1000), dwellMs: 0, requestId: '', position: 0, surface: 'home_feed', boardId: '', ...over,
});

const item = (over: Partial<ItemAttributes> = {}): ItemAttributes => ({
  itemId: 'pin_1', creatorId: 'creator_1', topics: ['topic_01'], aspectRatio: 0.66, createdAtMs: String(NOW - 86_400_000),
  quality: 0.5, embedding: [], unsafe: false, ...over,
});

/** The field a bad-request error names, or a failure marker. */
function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(RecsysError);
    expect((error as RecsysError).category).toBe('bad-request');
    return (error as RecsysError).field;
  }
}

describe('validateRecommend', () => {
  it('accepts a good request and normalises the country', () => {
    const q = validateRecommend(request(), 'req-1', NOW);
    expect(q).toMatchObject({ requestId: 'req-1', userId: 'user_1', surface: 'home_feed', pageSize: 25, nowMs: NOW });
    expect(q.context.country).toBe('US');
  });

  it.each([
    [{ userId: '' }, 'user_id'],
    [{ userId: 'x'.repeat(129) }, 'user_id'],
    [{ userId: 'bad\u0000id' }, 'user_id'],
    [{ pageSize: 0 }, 'page_size'],
    [{ pageSize: 10_000 }, 'page_size'],
    [{ surface: Surface.SURFACE_UNSPECIFIED }, 'surface'],
    [{ surface: 77 as Surface }, 'surface'],
    [{ surface: Surface.SURFACE_RELATED_PINS }, 'context.context_item_id'],
    [{ context: { country: 'USA', device: '', locale: '', recentItemIds: [], contextItemId: '' } }, 'context.country'],
    [{ context: { country: '', device: 'd'.repeat(33), locale: '', recentItemIds: [], contextItemId: '' } }, 'context.device'],
    [{ context: { country: '', device: '', locale: '', recentItemIds: Array(201).fill('p'), contextItemId: '' } }, 'context.recent_item_ids'],
    [{ context: { country: '', device: '', locale: '', recentItemIds: ['ok', ''], contextItemId: '' } }, 'context.recent_item_ids[1]'],
  ] as [Partial<RecommendRequest>, string][])('rejects %j naming %s', (over, field) => {
    expect(fieldOf(() => validateRecommend(request(over), 'r', NOW))).toBe(field);
  });
});

describe('validateEvents', () => {
  it('accepts good events', () => {
    expect(fieldOf(() => validateEvents([event(), event({ type: EngagementType.ENGAGEMENT_TYPE_DWELL, dwellMs: 4000 })], NOW))).toBeUndefined();
  });

  it.each([
    [[], 'events'],
    [Array(1001).fill(event()), 'events'],
    [[event({ eventId: '' })], 'events[0].event_id'],
    [[event(), event({ userId: '' })], 'events[1].user_id'],
    [[event({ itemId: 'i'.repeat(200) })], 'events[0].item_id'],
    [[event({ type: EngagementType.ENGAGEMENT_TYPE_UNSPECIFIED })], 'events[0].type'],
    [[event({ type: 42 as EngagementType })], 'events[0].type'],
    [[event({ timestampMs: String(NOW + 3_600_000) })], 'events[0].timestamp_ms'],
    [[event({ timestampMs: 'yesterday' })], 'events[0].timestamp_ms'],
    [[event({ timestampMs: '0' })], 'events[0].timestamp_ms'],
    [[event({ type: EngagementType.ENGAGEMENT_TYPE_DWELL, dwellMs: 0 })], 'events[0].dwell_ms'],
    [[event({ dwellMs: 10 })], 'events[0].dwell_ms'],
  ] as [EngagementEvent[], string][])('rejects a bad batch naming %#', (events, field) => {
    expect(fieldOf(() => validateEvents(events, NOW))).toBe(field);
  });
});

describe('validateItems / validateUsers', () => {
  it.each([
    [item({ itemId: '' }), 'items[0].item_id'],
    [item({ creatorId: '' }), 'items[0].creator_id'],
    [item({ topics: [] }), 'items[0].topics'],
    [item({ topics: ['a', ''] }), 'items[0].topics[1]'],
    [item({ aspectRatio: 0 }), 'items[0].aspect_ratio'],
    [item({ aspectRatio: Number.NaN }), 'items[0].aspect_ratio'],
    [item({ quality: 1.5 }), 'items[0].quality'],
    [item({ embedding: [1, Number.POSITIVE_INFINITY] }), 'items[0].embedding[1]'],
  ] as [ItemAttributes, string][])('rejects a bad item naming %#', (bad, field) => {
    expect(fieldOf(() => validateItems([bad], NOW))).toBe(field);
  });

  it('accepts good users and rejects unknown enums and countries', () => {
    const user = { userId: 'u', ageBucket: AgeBucket.AGE_BUCKET_25_34, gender: Gender.GENDER_FEMALE, country: 'US', signupAtMs: String(NOW - 1000) };
    expect(fieldOf(() => validateUsers([user], NOW))).toBeUndefined();
    expect(fieldOf(() => validateUsers([{ ...user, ageBucket: 9 as AgeBucket }], NOW))).toBe('users[0].age_bucket');
    expect(fieldOf(() => validateUsers([{ ...user, gender: -1 as Gender }], NOW))).toBe('users[0].gender');
    expect(fieldOf(() => validateUsers([{ ...user, country: 'Narnia' }], NOW))).toBe('users[0].country');
  });
});
