import { FeatureEngine } from '../engine/feature-engine';
import { MINUTE, T0, event, item, user } from '../testing/fixtures';
import { joinImpressions } from './impression-join';

function engine(): FeatureEngine {
  const e = new FeatureEngine();
  e.applyUser(user('u1'));
  e.applyUser(user('u2'));
  e.applyCatalogItem(item('a', 'c1', ['t1']));
  e.applyCatalogItem(item('b', 'c1', ['t2']));
  return e;
}

const itemImpressions = (e: { itemId: string; timestampMs: number }, state: FeatureEngine) => state.itemFeatures(e.itemId, e.timestampMs).features.item_impressions;

describe('joinImpressions', () => {
  it('reads the state before each impression and joins outcomes by request and item, not adjacency', () => {
    const events = [
      event('impression', 'u1', 'a', T0, { requestId: 'r1' }),
      event('impression', 'u2', 'a', T0 + 1, { requestId: 'r2' }),
      event('impression', 'u1', 'b', T0 + 2, { requestId: 'r1' }),
      // u2's click on a comes after u1's impression of b: it answers r2's impression, not the adjacent one.
      event('click', 'u2', 'a', T0 + 3, { requestId: 'r2' }),
      event('save', 'u1', 'b', T0 + 4, { requestId: 'r1' }),
      event('dwell', 'u1', 'b', T0 + 5, { requestId: 'r1', dwellMs: 4000 }),
      event('dwell', 'u1', 'b', T0 + 6, { requestId: 'r1', dwellMs: 1500 }),
      event('share', 'u1', 'b', T0 + 7, { requestId: 'r1' }),
      event('hide', 'u2', 'b', T0 + 8, { requestId: 'r9' }), // answers no impression
      event('impression', 'u1', 'a', T0 + 60 * MINUTE, { requestId: 'r3' }),
    ];
    const { examples, impressions } = joinImpressions(events, engine(), { horizonMs: 30 * MINUTE, onImpression: itemImpressions });
    expect(impressions).toBe(4);
    // The last impression is within the horizon of the log's end: dropped.
    expect(examples.map((e) => [e.event.requestId, e.event.itemId, e.record])).toEqual([
      ['r1', 'a', 0],
      ['r2', 'a', 1], // one impression of a before it, none of itself
      ['r1', 'b', 0],
    ]);
    expect(examples[0].outcomes).toEqual({ click: 0, save: 0, share: 0, hide: 0, dwellMs: 0 });
    expect(examples[1].outcomes).toEqual({ click: 1, save: 0, share: 0, hide: 0, dwellMs: 0 });
    expect(examples[2].outcomes).toEqual({ click: 0, save: 1, share: 1, hide: 0, dwellMs: 5500 });
  });

  it('forgets impressions older than the horizon: a late reaction joins nothing', () => {
    const events = [
      event('impression', 'u1', 'a', T0, { requestId: 'r1' }),
      event('impression', 'u2', 'b', T0 + 20 * MINUTE, { requestId: 'r2' }),
      event('click', 'u1', 'a', T0 + 21 * MINUTE, { requestId: 'r1' }),
      event('impression', 'u2', 'b', T0 + 90 * MINUTE, { requestId: 'r3' }),
    ];
    const { examples } = joinImpressions(events, engine(), { horizonMs: 10 * MINUTE, onImpression: () => null });
    expect(examples.map((e) => [e.event.requestId, e.outcomes.click])).toEqual([
      ['r1', 0],
      ['r2', 0],
    ]);
  });
});
