import { COUNTER, COUNTER_COUNT, countEvent } from './event-updates';
import { CONTENT_FEATURE_DIM, FEATURE_DEFINITIONS, HISTORY_ITEMS, ITEM_FEATURES, USER_FEATURES, USER_TOPIC_FEATURES, contentVector, historyContentVector, userHistoryFeatures } from './features';
import { RATE_PRIOR, RECENCY_CAP_HOURS, smoothedRate } from './knobs';
import { WINDOWS } from './windows';

describe('feature declarations', () => {
  it('have unique names prefixed by their entity', () => {
    const names = FEATURE_DEFINITIONS.map((d) => d.name);
    expect(new Set(names).size).toBe(names.length);
    for (const d of FEATURE_DEFINITIONS) {
      expect(d.name.startsWith(`${d.entity}_`)).toBe(true);
      expect(d.description.length).toBeGreaterThan(10);
      expect(Number.isFinite(d.default)).toBe(true);
    }
  });

  it('split into the user, item (with creator) and user×topic tables', () => {
    expect(Object.keys(USER_FEATURES).every((n) => n.startsWith('user_') && !n.startsWith('user_topic_'))).toBe(true);
    expect(Object.keys(ITEM_FEATURES).every((n) => n.startsWith('item_') || n.startsWith('creator_'))).toBe(true);
    expect(Object.keys(USER_TOPIC_FEATURES).every((n) => n.startsWith('user_topic_'))).toBe(true);
    expect(Object.keys(USER_FEATURES).length + Object.keys(ITEM_FEATURES).length + Object.keys(USER_TOPIC_FEATURES).length).toBe(FEATURE_DEFINITIONS.length);
    expect(ITEM_FEATURES).toMatchObject({ item_impressions: 0, item_quality: 0.5, item_age_hours: 168, creator_items: 0 });
  });
});

describe('counter features', () => {
  const tables = [
    ['user', USER_FEATURES],
    ['item', ITEM_FEATURES],
    ['creator', ITEM_FEATURES],
    ['user_topic', USER_TOPIC_FEATURES],
  ] as const;

  it('are declared for every entity: all-time, per window, 24h CTR, 7d mean dwell, recency', () => {
    for (const [entity, table] of tables) {
      for (const name of ['impressions', 'clicks', 'saves', 'shares', 'hides', 'dwell_ms']) expect(table[`${entity}_${name}`]).toBe(0);
      for (const window of WINDOWS) {
        for (const name of ['impressions', 'clicks', 'saves']) expect(table[`${entity}_${name}_${window.name}`]).toBe(0);
      }
      expect(table[`${entity}_ctr_smoothed`]).toBe(smoothedRate(0, 0));
      expect(table[`${entity}_save_rate_smoothed`]).toBe(smoothedRate(0, 0));
      expect(table[`${entity}_ctr_24h_smoothed`]).toBe(smoothedRate(0, 0));
      expect(table[`${entity}_dwell_ms_mean_7d`]).toBe(0);
      expect(table[`${entity}_hours_since_engaged`]).toBe(RECENCY_CAP_HOURS);
    }
    expect(RECENCY_CAP_HOURS).toBe(720);
  });

  it('number 20 per entity plus the entity’s own', () => {
    // 6 all-time counts, 2 rates, 3 counters × 3 windows, 24h CTR, 7d mean dwell, recency.
    expect(Object.keys(USER_FEATURES)).toHaveLength(20 + 2 + CONTENT_FEATURE_DIM); // + dwell mean, account age, history vector
    expect(Object.keys(ITEM_FEATURES)).toHaveLength(20 + 5 + CONTENT_FEATURE_DIM + 20 + 1); // item: hide rate, dwell mean, age, quality, aspect, content; creator: items
    expect(Object.keys(USER_TOPIC_FEATURES)).toHaveLength(20 + 1); // + affinity
  });
});

describe('smoothedRate', () => {
  it('is (s + 1) / (n + 21): prior mean 1/21, pulled towards the data', () => {
    expect(RATE_PRIOR).toEqual({ alpha: 1, beta: 20 });
    expect(smoothedRate(0, 0)).toBeCloseTo(1 / 21, 15);
    expect(smoothedRate(1, 2)).toBeCloseTo(2 / 23, 15);
    expect(smoothedRate(500, 1000)).toBeCloseTo(501 / 1021, 15);
  });
});

describe('countEvent', () => {
  it('increments one counter per event type and adds dwell time', () => {
    const block = new Float64Array(COUNTER_COUNT + 2);
    for (const type of ['impression', 'click', 'save', 'share', 'hide'] as const) countEvent(block, 2, type, 99);
    countEvent(block, 2, 'dwell', 1500);
    countEvent(block, 2, 'dwell', -5);
    expect(Array.from(block)).toEqual([0, 0, 1, 1, 1, 1, 1, 2, 1500]);
    expect(COUNTER.dwell_ms).toBe(6);
  });
});

describe('content and history vectors', () => {
  it('scale an embedding to unit length and keep its first CONTENT_FEATURE_DIM components', () => {
    const v = contentVector([3, 4]);
    expect(v).toHaveLength(CONTENT_FEATURE_DIM);
    expect(v![0]).toBeCloseTo(0.6, 12);
    expect(v![1]).toBeCloseTo(0.8, 12);
    expect(v![2]).toBe(0);
    const long = contentVector(Array.from({ length: CONTENT_FEATURE_DIM + 4 }, () => 1))!;
    expect(long[CONTENT_FEATURE_DIM - 1]).toBeCloseTo(1 / Math.sqrt(CONTENT_FEATURE_DIM + 4), 12);
  });

  it('have none for an empty, all-zero or non-finite embedding', () => {
    expect(contentVector([])).toBeUndefined();
    expect(contentVector([0, 0])).toBeUndefined();
    expect(contentVector([1, Number.NaN])).toBeUndefined();
  });

  it('average the most recent HISTORY_ITEMS items with an embedding, skipping the others', () => {
    const embeddings: Record<string, number[]> = { a: [2, 0], b: [0, 5], z: [0, 0] };
    const h = historyContentVector(['a', 'ghost', 'z', 'b'], (id) => embeddings[id])!;
    expect(h[0]).toBeCloseTo(0.5, 12);
    expect(h[1]).toBeCloseTo(0.5, 12);
    expect(historyContentVector(['ghost'], (id) => embeddings[id])).toBeUndefined();
    const many = [...Array.from({ length: HISTORY_ITEMS }, () => 'a'), 'b'];
    expect(historyContentVector(many, (id) => embeddings[id])![1]).toBe(0);
  });

  it('name the history vector as the user_history_content_<i> features, defaults without one', () => {
    const h = historyContentVector(['a'], () => [3, 4])!;
    const features = userHistoryFeatures(h);
    expect(Object.keys(features)).toEqual(Array.from({ length: CONTENT_FEATURE_DIM }, (_, i) => `user_history_content_${i}`));
    expect(features.user_history_content_0).toBeCloseTo(0.6, 12);
    expect(features.user_history_content_1).toBeCloseTo(0.8, 12);
    expect(features.user_history_content_2).toBe(0);
    const none = userHistoryFeatures(undefined);
    for (const [name, value] of Object.entries(none)) expect(value).toBe(USER_FEATURES[name]);
  });
});
