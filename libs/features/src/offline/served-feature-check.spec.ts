import { FeatureEngine } from '../engine/feature-engine';
import { HOUR, event, item, user } from '../testing/fixtures';
import { busEventRejection } from './bus-event-rules';
import { checkServedFeatures, type LoggedEngagement, type ServedFeatureLog } from './served-feature-check';

const items = [item('i1', 'c1', ['t1', 't2']), item('i2', 'c1', ['t2']), item('i3', 'c2', ['t3'])];
const users = [user('u1'), user('u2')];

/** Two partitions: u1's events on partition 0, u2's on partition 1, with a rejected and an undecodable message. */
function log(): LoggedEngagement[] {
  const out: LoggedEngagement[] = [];
  const push = (partition: number, e?: ReturnType<typeof event>) => {
    const offset = out.filter((m) => m.partition === partition).length;
    out.push({ partition, offset, acceptedAtMs: e?.timestampMs ?? 0, event: e });
  };
  push(0, event('impression', 'u1', 'i1', 1 * HOUR));
  push(1, event('impression', 'u2', 'i1', 1 * HOUR));
  push(0, event('click', 'u1', 'i1', 2 * HOUR));
  push(1, event('save', 'u2', 'i3', 2 * HOUR));
  push(0, undefined);
  push(1, event('dwell', 'u2', 'i1', 3 * HOUR, { dwellMs: -5 }));
  push(0, event('dwell', 'u1', 'i2', 3 * HOUR, { dwellMs: 4000 }));
  const retry = event('share', 'u1', 'i2', 4 * HOUR);
  push(0, retry);
  push(0, { ...retry });
  return out;
}

/** What an online read at `positions` would have served: an engine fed the same prefix. */
function servedAt(requestId: string, userId: string, itemIds: string[], positions: Map<number, number>, asOfMs: number): ServedFeatureLog {
  const engine = new FeatureEngine();
  items.forEach((i) => engine.applyCatalogItem(i));
  users.forEach((u) => engine.applyUser(u));
  for (const m of log()) {
    if (m.offset > (positions.get(m.partition) ?? -1)) continue;
    if (m.event && busEventRejection(m.event, m.acceptedAtMs) === undefined) engine.applyEvent(m.event);
  }
  const userView = engine.userFeatures(userId, asOfMs);
  const names = Object.keys(engine.itemFeatures('i1', asOfMs).features);
  return {
    requestId,
    userId,
    user: { snapshot: { asOfMs, positions }, values: userView.features, defaulted: userView.defaulted },
    items: {
      snapshot: { asOfMs, positions },
      names,
      rows: itemIds.map((id) => {
        const view = engine.itemFeatures(id, asOfMs);
        return { itemId: id, values: names.map((n) => view.features[n]), defaulted: view.defaulted.map((n) => names.indexOf(n)) };
      }),
    },
  };
}

describe('checkServedFeatures', () => {
  it('reports 100% when the served values are what the log up to each snapshot gives', () => {
    const served = [
      servedAt('r1', 'u1', ['i1', 'i2', 'i3', 'unknown'], new Map([[0, 0]]), 1.5 * HOUR),
      servedAt('r2', 'u2', ['i1', 'i3'], new Map([[0, 2], [1, 1]]), 2.5 * HOUR),
      servedAt('r3', 'u1', ['i1', 'i2'], new Map([[0, 8], [1, 2]]), 30 * HOUR),
    ];
    const report = checkServedFeatures({ items, users }, log(), served);
    expect(report).toMatchObject({ requests: 3, reads: 6, skippedReads: 0, share: 1, worst: [], mismatchesByFeature: {} });
    expect(report.values).toBeGreaterThan(100);
    expect(report.matching).toBe(report.values);
  });

  it('compares float32-served item values with the replayed value rounded to float32', () => {
    const exact = servedAt('r1', 'u2', ['i1', 'i3'], new Map([[0, 2], [1, 1]]), 2.5 * HOUR);
    const asFloat32 = { ...exact, items: { ...exact.items!, float32: true, rows: exact.items!.rows.map((r) => ({ ...r, values: Float32Array.from(r.values as number[]) })) } };
    expect(checkServedFeatures({ items, users }, log(), [asFloat32]).share).toBe(1);
    // Without the flag the rounded values do not match the exact replay (a rate such as 2/22 is not a float32).
    const unflagged = { ...asFloat32, items: { ...asFloat32.items, float32: false } };
    expect(checkServedFeatures({ items, users }, log(), [unflagged]).share).toBeLessThan(1);
  });

  it('sees the state at the snapshot, not the end of the log (no future leakage)', () => {
    // Served from the whole log but claiming an earlier snapshot: the clicks after it make values differ.
    const early = servedAt('late-state', 'u1', ['i1'], new Map([[0, 8], [1, 2]]), 3 * HOUR);
    const claimed: ServedFeatureLog = {
      ...early,
      user: { ...early.user!, snapshot: { asOfMs: 3 * HOUR, positions: new Map([[0, 0]]) } },
      items: { ...early.items!, snapshot: { asOfMs: 3 * HOUR, positions: new Map([[0, 0]]) } },
    };
    const report = checkServedFeatures({ items, users }, log(), [claimed]);
    expect(report.share).toBeLessThan(1);
    expect(report.mismatchesByFeature.user_clicks).toBe(1);
    expect(report.mismatchesByFeature.item_clicks).toBe(1);
  });

  it('names the worst mismatches, the defaulted-flag ones first', () => {
    const served = servedAt('r1', 'u1', ['i1'], new Map([[0, 2]]), 2 * HOUR);
    const values = { ...served.user!.values, user_impressions: served.user!.values.user_impressions + 7 };
    const tampered: ServedFeatureLog = { ...served, user: { ...served.user!, values, defaulted: ['user_clicks'] } };
    const report = checkServedFeatures({ items, users }, log(), [tampered], { worst: 5 });
    expect(report.values - report.matching).toBe(2);
    expect(report.worst.map((m) => [m.feature, m.defaultedDiffers])).toEqual([
      ['user_clicks', true],
      ['user_impressions', false],
    ]);
    expect(report.worst[1]).toMatchObject({ requestId: 'r1', entity: 'user', id: 'u1', served: 8, replayed: 1 });
  });

  it('skips a read whose snapshot is behind one already replayed on some partition', () => {
    const a = servedAt('a', 'u1', ['i1'], new Map([[0, 2], [1, 0]]), 3 * HOUR);
    const b = servedAt('b', 'u2', ['i1'], new Map([[0, 0], [1, 2]]), 3 * HOUR);
    const report = checkServedFeatures({ items, users }, log(), [a, b]);
    expect(report.skippedReads).toBe(2);
    expect(report.reads).toBe(2);
    expect(report.share).toBe(1);
  });
});
