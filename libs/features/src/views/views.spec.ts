import { FeatureEngine } from '../engine/feature-engine';
import { HOUR, event, item } from '../testing/fixtures';
import { RecsysError } from '@recsys/domain';
import { ITEM_FEATURE_COLUMNS, itemFeatureColumns, itemFeatureRow, itemView } from './views';

describe('itemFeatureRow', () => {
  it('gives the values and defaulted names of itemView, as a row in column order', () => {
    const engine = new FeatureEngine();
    engine.applyCatalogItem(item('i1', 'c1', ['t1'], { createdAtMs: 0, quality: 0.9 }));
    engine.applyCatalogItem(item('i2', 'c1', ['t2']));
    engine.applyEvent(event('impression', 'u1', 'i1', HOUR));
    engine.applyEvent(event('click', 'u1', 'i1', 2 * HOUR));
    engine.applyEvent(event('dwell', 'u1', 'i1', 2 * HOUR, { dwellMs: 900 }));
    const now = 2.5 * HOUR;
    const inputs = {
      i1: { record: engine.itemRecord('i1'), item: engine.catalog.item('i1'), creator: engine.creatorRecord('c1'), creatorItems: 2 },
      i2: { item: engine.catalog.item('i2'), creator: engine.creatorRecord('c1'), creatorItems: 2 },
      unknown: {},
    };
    for (const [id, input] of Object.entries(inputs)) {
      const view = itemView(id, input, now);
      const row = itemFeatureRow(input, now);
      expect(ITEM_FEATURE_COLUMNS).toEqual(Object.keys(view.features));
      expect(row.values).toEqual(ITEM_FEATURE_COLUMNS.map((name) => view.features[name]));
      expect(row.defaulted.map((i) => ITEM_FEATURE_COLUMNS[i])).toEqual(view.defaulted);
      expect([...row.defaulted].sort((a, b) => a - b)).toEqual(row.defaulted);
    }
    expect(itemFeatureRow(inputs.i1, now).values[ITEM_FEATURE_COLUMNS.indexOf('item_clicks_1h')]).toBe(1);
    expect(itemFeatureRow(inputs.unknown, now).defaulted).toHaveLength(ITEM_FEATURE_COLUMNS.length);
  });

  it('computes only the selected columns, in the order asked, with their defaulted indexes', () => {
    const engine = new FeatureEngine();
    engine.applyCatalogItem(item('i1', 'c1', ['t1'], { createdAtMs: 0, quality: 0.9 }));
    engine.applyEvent(event('click', 'u1', 'i1', HOUR));
    const now = 2 * HOUR;
    const input = { record: engine.itemRecord('i1'), item: engine.catalog.item('i1'), creator: engine.creatorRecord('c1'), creatorItems: 1 };
    const all = itemFeatureRow(input, now);
    const names = ['creator_ctr_smoothed', 'item_quality', 'item_clicks_24h', 'item_hours_since_engaged'];
    const row = itemFeatureRow(input, now, itemFeatureColumns(names));
    expect(row.values).toEqual(names.map((name) => all.values[ITEM_FEATURE_COLUMNS.indexOf(name)]));
    expect(row.defaulted).toEqual([]);
    const unknown = itemFeatureRow({}, now, itemFeatureColumns(names));
    expect(unknown.defaulted).toEqual([0, 1, 2, 3]);
  });

  it('rejects unknown and repeated names, naming the field', () => {
    expect(() => itemFeatureColumns(['item_quality', 'user_clicks'])).toThrow(RecsysError);
    expect(() => itemFeatureColumns(['item_quality', 'user_clicks'])).toThrow('feature_names[1]: "user_clicks" is not an item feature');
    expect(() => itemFeatureColumns(['item_quality', 'item_quality'], 'names')).toThrow('names[1]: "item_quality" is named twice');
    expect(itemFeatureColumns().names).toEqual(ITEM_FEATURE_COLUMNS);
  });
});

describe('content features', () => {
  it('serve an item’s unit content embedding and the mean of the user’s recent positives’ (impressions and hides do not count)', () => {
    const engine = new FeatureEngine();
    engine.applyCatalogItem(item('i1', 'c1', ['t1'], { embedding: [3, 4] }));
    engine.applyCatalogItem(item('i2', 'c1', ['t1'], { embedding: [0, 2] }));
    engine.applyCatalogItem(item('i3', 'c1', ['t1'], { embedding: [1, 0] }));
    engine.applyEvent(event('click', 'u1', 'i1', HOUR));
    engine.applyEvent(event('save', 'u1', 'i2', 2 * HOUR));
    engine.applyEvent(event('impression', 'u1', 'i3', 3 * HOUR));
    engine.applyEvent(event('hide', 'u1', 'i3', 3 * HOUR));
    const now = 4 * HOUR;
    const i1 = engine.itemFeatures('i1', now).features;
    expect([i1.item_content_0, i1.item_content_1, i1.item_content_2]).toEqual([0.6, 0.8, 0]);
    const u1 = engine.userFeatures('u1', now);
    expect(u1.features.user_history_content_0).toBeCloseTo(0.3, 12);
    expect(u1.features.user_history_content_1).toBeCloseTo(0.9, 12);
    expect(u1.defaulted.filter((n) => n.startsWith('user_history_content_'))).toEqual([]);
    const cold = engine.userFeatures('nobody', now);
    expect(cold.features.user_history_content_0).toBe(0);
    expect(cold.defaulted).toContain('user_history_content_0');
    expect(engine.itemFeatures('ghost', now).defaulted).toContain('item_content_0');
  });
});
