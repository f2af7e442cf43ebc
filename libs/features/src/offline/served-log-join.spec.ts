import type { EngagementEvent, EventType } from '@recsys/domain';
import { ITEM_FEATURES, USER_FEATURES } from '../definitions/features';
import { joinServedImpressions, servedModelInputs, type ServedPage } from './served-log-join';

const MIN = 60_000;
let n = 0;
const reaction = (type: EventType, requestId: string, itemId: string, timestampMs: number, dwellMs = 0, eventId = `e${n++}`): EngagementEvent => ({
  eventId, userId: 'u1', itemId, type, timestampMs, dwellMs, requestId, position: 0, surface: 'home_feed', boardId: '',
});
const page = (requestId: string, timestampMs: number, itemIds: string[], extra: Partial<ServedPage> = {}): ServedPage => ({
  requestId, userId: 'u1', surface: 'home_feed', timestampMs, items: itemIds.map((itemId, position) => ({ itemId, position, topic: 't1' })), ...extra,
});

describe('joinServedImpressions', () => {
  it('makes every item a client showed an impression in time order and joins the reactions to it by (request id, item id)', () => {
    const pages = [page('r2', 20 * MIN, ['a', 'c', 'd']), page('r1', 10 * MIN, ['a', 'b'])];
    const events = [
      reaction('impression', 'r1', 'a', 10 * MIN + 10),
      reaction('impression', 'r1', 'b', 10 * MIN + 40),
      reaction('click', 'r1', 'b', 10 * MIN + 500),
      reaction('dwell', 'r1', 'b', 10 * MIN + 900, 4000),
      reaction('dwell', 'r1', 'b', 10 * MIN + 950, 1000),
      // r2's session, stamped as having just ended: before its page (a client clock behind the server's), still its.
      reaction('impression', 'r2', 'a', 20 * MIN - 900),
      reaction('impression', 'r2', 'c', 20 * MIN - 800),
      reaction('save', 'r2', 'a', 20 * MIN - 200),
      reaction('click', 'r2', 'd', 20 * MIN), // d was sent but no client reported showing it: no row
      reaction('hide', 'r9', 'c', 20 * MIN), // a page the log does not hold
      reaction('share', 'r1', 'a', 12 * MIN), // beyond the 1 min horizon
      reaction('click', 'r2', 'c', 60 * MIN), // the log's end
    ];
    const joined = joinServedImpressions(pages, events, { horizonMs: MIN });
    expect([joined.pages, joined.served, joined.impressions]).toEqual([2, 5, 4]);
    expect(joined.examples.map((e) => [e.event.requestId, e.event.itemId, e.event.position, e.event.timestampMs, e.event.type])).toEqual([
      ['r1', 'a', 0, 10 * MIN, 'impression'],
      ['r1', 'b', 1, 10 * MIN, 'impression'],
      ['r2', 'a', 0, 20 * MIN, 'impression'],
      ['r2', 'c', 1, 20 * MIN, 'impression'],
    ]);
    expect(joined.examples.map((e) => e.outcomes)).toEqual([
      { click: 0, save: 0, share: 0, hide: 0, dwellMs: 0 },
      { click: 1, save: 0, share: 0, hide: 0, dwellMs: 5000 },
      { click: 0, save: 1, share: 0, hide: 0, dwellMs: 0 },
      { click: 0, save: 0, share: 0, hide: 0, dwellMs: 0 },
    ]);
    expect(joined.examples[1].record.item).toEqual({ itemId: 'b', position: 1, topic: 't1' });
    // A page no client showed (a benchmark's) has no impressions, whatever the server sent.
    expect(joinServedImpressions([page('r3', 0, ['a', 'b'])], [], { horizonMs: 0 })).toMatchObject({ examples: [], pages: 1, served: 2, impressions: 0 });
  });

  it('reads a redelivered page and a redelivered event once, and leaves out pages within the horizon of the log end', () => {
    const pages = [page('r1', 0, ['a']), page('r1', 0, ['a']), page('r2', 50 * MIN, ['a'])];
    const shown = [reaction('impression', 'r1', 'a', 0), reaction('impression', 'r2', 'a', 50 * MIN)];
    const dwell = reaction('dwell', 'r1', 'a', 1000, 3000, 'same');
    const joined = joinServedImpressions(pages, [...shown, dwell, { ...dwell }], { horizonMs: 15 * MIN, endMs: 60 * MIN });
    expect([joined.pages, joined.served, joined.impressions]).toEqual([2, 2, 2]);
    expect(joined.examples.map((e) => [e.event.requestId, e.outcomes.dwellMs])).toEqual([['r1', 3000]]);
    // The log's end is the latest of endMs and what was given: without endMs, r2 is the end and it is left out.
    expect(joinServedImpressions(pages, shown, { horizonMs: 15 * MIN }).examples.map((e) => e.event.requestId)).toEqual(['r1']);
    expect(joinServedImpressions(pages, shown, { horizonMs: 0 }).examples.map((e) => e.event.requestId)).toEqual(['r1', 'r2']);
  });
});

describe('servedModelInputs', () => {
  const inputs = ['item_log1p_impressions', 'item_ctr_smoothed', 'user_topic_affinity', 'user_ctr_smoothed', 'item_quality'];

  it('computes the inputs from the logged values and lists none as defaulted when the log holds them all', () => {
    const p = page('r1', 0, [], { userFeatures: { user_ctr_smoothed: 0.3 }, topicAffinity: { t1: 0.6, t2: 0.4 } });
    const item = { itemId: 'a', position: 0, topic: 't2', features: { item_impressions: 9, item_ctr_smoothed: 0.125, item_quality: 0.7 } };
    const row = servedModelInputs(inputs, { page: p, item });
    expect(Array.from(row.values)).toEqual([Math.log1p(9), 0.125, 0.4, 0.3, 0.7]);
    expect(row.defaulted).toEqual([]);
    // A topic the user has no affinity for is a logged 0, not a missing value.
    expect(servedModelInputs(inputs, { page: p, item: { ...item, topic: 't9' } })).toMatchObject({ defaulted: [] });
  });

  it('takes the declared default for each value the log lacks and lists it', () => {
    const p = page('r1', 0, [], { userFeatures: {} }); // no topic affinity logged (an older orchestrator)
    const item = { itemId: 'a', position: 0, topic: 't1', features: { item_ctr_smoothed: 0.125 } };
    const row = servedModelInputs(inputs, { page: p, item });
    expect(Array.from(row.values)).toEqual([Math.log1p(ITEM_FEATURES.item_impressions), 0.125, 0, USER_FEATURES.user_ctr_smoothed, ITEM_FEATURES.item_quality]);
    expect(row.defaulted).toEqual([0, 2, 3, 4]);
    // Nothing logged for the user or the item (the feature read degraded): everything defaulted.
    expect(servedModelInputs(inputs, { page: page('r1', 0, []), item: { itemId: 'a', position: 0, topic: '' } }).defaulted).toEqual([0, 1, 2, 3, 4]);
  });
});
