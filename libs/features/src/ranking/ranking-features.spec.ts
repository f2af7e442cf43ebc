import { ITEM_FEATURES } from '../definitions/features';
import { FeatureEngine } from '../engine/feature-engine';
import { HOUR, event, item } from '../testing/fixtures';
import { RANKING_FEATURE_NAMES, RANKING_FEATURE_SOURCES, RANKING_ITEM_INPUTS, rankingFeatureMatrix, rankingFeatureVector, rankingFeatures } from './ranking-features';

describe('rankingFeatures', () => {
  it('computes the hand example from engine views', () => {
    const engine = new FeatureEngine();
    engine.applyCatalogItem(item('a', 'c1', ['t1', 't2'], { createdAtMs: 0, quality: 0.8 }));
    engine.applyCatalogItem(item('b', 'c1', ['t3'], { createdAtMs: 0 }));
    for (let k = 0; k < 4; k++) engine.applyEvent(event('impression', 'u1', 'a', HOUR));
    engine.applyEvent(event('click', 'u1', 'a', HOUR)); // t1 += 1, t2 += 0.5
    engine.applyEvent(event('save', 'u1', 'a', HOUR)); // t1 += 3, t2 += 1.5
    engine.applyEvent(event('impression', 'u2', 'b', HOUR));
    engine.applyEvent(event('click', 'u2', 'b', HOUR));
    engine.applyEvent(event('click', 'u2', 'b', HOUR));
    const now = 10 * HOUR;
    const features = rankingFeatures(engine.userFeatures('u1', now), engine.itemFeatures('a', now), 't1');
    expect(Object.keys(features)).toEqual([...RANKING_FEATURE_NAMES]);
    expect(features.bias).toBe(1);
    expect(features.item_ctr_smoothed).toBeCloseTo(2 / 25, 15); // (1 + 1) / (4 + 21)
    expect(features.item_save_rate_smoothed).toBeCloseTo(2 / 25, 15);
    expect(features.item_log1p_impressions).toBeCloseTo(Math.log(5), 15);
    expect(features.user_topic_affinity).toBeCloseTo(4 / 6, 15); // t1 4 of t1 4 + t2 2
    expect(features.creator_ctr_smoothed).toBeCloseTo(4 / 26, 15); // (3 + 1) / (5 + 21)
    expect(features.item_log1p_age_hours).toBeCloseTo(Math.log(11), 15);
    expect(features.item_quality).toBe(0.8);
  });

  it('reads for each feature exactly the source RANKING_FEATURE_SOURCES names: moving a source moves that feature alone', () => {
    const base = { features: Object.fromEntries(RANKING_ITEM_INPUTS.map((name) => [name, 2])) };
    const before = rankingFeatures({ topicAffinity: { t: 0.25 } }, base, 't');
    const moved = (source: string) => {
      const after =
        source === 'topic_affinity'
          ? rankingFeatures({ topicAffinity: { t: 0.5 } }, base, 't')
          : rankingFeatures({ topicAffinity: { t: 0.25 } }, { features: { ...base.features, [source]: 3 } }, 't');
      return RANKING_FEATURE_NAMES.filter((name) => after[name] !== before[name]);
    };
    for (const source of [...RANKING_ITEM_INPUTS, 'topic_affinity']) {
      const named = RANKING_FEATURE_NAMES.filter((name) => RANKING_FEATURE_SOURCES[name] === source);
      expect([source, moved(source)]).toEqual([source, named]);
      expect(named).toHaveLength(1);
    }
    expect(RANKING_FEATURE_SOURCES.bias).toBe('constant');
  });

  it('gives 0 affinity for a topic the user has none for, and defaults for missing item features', () => {
    const features = rankingFeatures({ topicAffinity: { t1: 1 } }, { features: {} }, 't9');
    expect(features.user_topic_affinity).toBe(0);
    expect(features.item_ctr_smoothed).toBe(ITEM_FEATURES.item_ctr_smoothed);
    expect(features.item_quality).toBe(ITEM_FEATURES.item_quality);
    expect(features.item_log1p_age_hours).toBeCloseTo(Math.log1p(ITEM_FEATURES.item_age_hours), 15);
    expect(features.item_log1p_impressions).toBe(0);
  });

  it('lays the features out as a vector in name order', () => {
    const features = rankingFeatures({ topicAffinity: { t: 0.5 } }, { features: { item_quality: 0.3, item_impressions: 0 } }, 't');
    const vector = rankingFeatureVector(features);
    expect(vector).toHaveLength(RANKING_FEATURE_NAMES.length);
    expect(vector[RANKING_FEATURE_NAMES.indexOf('user_topic_affinity')]).toBe(0.5);
    expect(vector[RANKING_FEATURE_NAMES.indexOf('item_quality')]).toBe(0.3);
    expect(vector[0]).toBe(1);
  });

  it('reads exactly the item features listed in RANKING_ITEM_INPUTS, each a declared item feature', () => {
    const read: string[] = [];
    const features = new Proxy({} as Record<string, number>, {
      get: (_target, name) => {
        read.push(String(name));
        return 0.25;
      },
    });
    rankingFeatures({ topicAffinity: {} }, { features }, 't');
    expect([...new Set(read)].sort()).toEqual([...RANKING_ITEM_INPUTS].sort());
    for (const name of RANKING_ITEM_INPUTS) expect(ITEM_FEATURES).toHaveProperty(name);
  });

  it('computes the same values over a batch of columns (rankingFeatureMatrix), defaults for inputs the batch lacks', () => {
    const user = { topicAffinity: { t1: 0.75, t2: 0.25 } };
    // Columns in another order than RANKING_ITEM_INPUTS, one extra column, item_quality missing.
    const names = ['item_age_hours', 'extra', 'item_impressions', 'creator_ctr_smoothed', 'item_save_rate_smoothed', 'item_ctr_smoothed'];
    const rows = [
      [12, 99, 40, 0.2, 0.05, 0.1],
      [0, 99, 0, 0.3, 0.01, 0.02],
      [1000, 99, 7, 0.1, 0.5, 0.4],
    ];
    const topics = ['t2', 't1', 'none'];
    const { values, missing } = rankingFeatureMatrix(user, {
      names,
      rows: rows.length,
      values: rows.flat(),
      topics: ['t1', 't2', 'none'],
      topicIndexes: [1, 0, 2],
    });
    expect(missing).toEqual(['item_quality']);
    rows.forEach((row, r) => {
      const record = Object.fromEntries(names.map((name, j) => [name, row[j]]));
      const expected = rankingFeatureVector(rankingFeatures(user, { features: record }, topics[r]));
      expect(Array.from(values.subarray(r * RANKING_FEATURE_NAMES.length, (r + 1) * RANKING_FEATURE_NAMES.length))).toEqual(Array.from(expected));
    });
    expect(values[1 * RANKING_FEATURE_NAMES.length + RANKING_FEATURE_NAMES.indexOf('user_topic_affinity')]).toBe(0.75);
    expect(values[RANKING_FEATURE_NAMES.indexOf('item_quality')]).toBe(ITEM_FEATURES.item_quality);
  });
});
