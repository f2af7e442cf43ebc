import { decodeCatalogUpsert, decodeEngagement } from './bus-codecs';
import { EngagementEvent, EngagementType } from './gen/recsys/events/v1/engagement_event';
import { CatalogEvent } from './gen/recsys/v1/catalog_event';
import { AgeBucket, Gender } from './gen/recsys/v1/common';

const event = (over: Partial<EngagementEvent> = {}): Uint8Array =>
  EngagementEvent.encode({
    eventId: 'ev_1', userId: 'u1', itemId: 'pin_1', type: EngagementType.ENGAGEMENT_TYPE_CLICK, timestampMs: '1700000000000',
    dwellMs: 0, requestId: '', position: 0, surface: '', boardId: '', ...over,
  }).finish();

describe('bus codecs', () => {
  it('decodes engagement events to domain events', () => {
    expect(decodeEngagement(event())).toMatchObject({ eventId: 'ev_1', type: 'click', timestampMs: 1_700_000_000_000 });
  });

  it('rejects events a consumer cannot apply', () => {
    expect(() => decodeEngagement(event({ type: EngagementType.ENGAGEMENT_TYPE_UNSPECIFIED }))).toThrow(/UNSPECIFIED/);
    expect(() => decodeEngagement(event({ userId: '' }))).toThrow(/user_id/);
    expect(() => decodeEngagement(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow();
  });

  it('decodes item and user upserts with their acceptance time', () => {
    const item = CatalogEvent.encode({
      entity: { $case: 'item', item: { itemId: 'pin_1', creatorId: 'c1', topics: ['t1'], aspectRatio: 0.5, createdAtMs: '5', quality: 1, embedding: [], unsafe: false } },
      timestampMs: '42',
    }).finish();
    expect(decodeCatalogUpsert(item)).toMatchObject({ kind: 'item', atMs: 42, item: { id: 'pin_1', topics: ['t1'] } });
    const user = CatalogEvent.encode({
      entity: { $case: 'user', user: { userId: 'u1', ageBucket: AgeBucket.AGE_BUCKET_18_24, gender: Gender.GENDER_MALE, country: 'fr', signupAtMs: '1' } },
      timestampMs: '',
    }).finish();
    const decoded = decodeCatalogUpsert(user);
    expect(decoded).toMatchObject({ kind: 'user', user: { id: 'u1', ageBucket: '18-24', country: 'FR' } });
    expect(decoded.atMs).toBeNaN();
    expect(() => decodeCatalogUpsert(CatalogEvent.encode({ entity: undefined, timestampMs: '1' }).finish())).toThrow(/without an entity/);
  });
});
