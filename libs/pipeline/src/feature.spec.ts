import { FeatureMap, defineFeature } from './feature';

const ctr = defineFeature('item_ctr', 0.05);
const topics = defineFeature<string[]>('user_topics', []);
const age = defineFeature('item_age_hours', 24);

describe('FeatureMap', () => {
  it('answers the declared default for missing features and reports them once, in lookup order', () => {
    const features = new FeatureMap({ item_age_hours: 3 });
    expect(features.get(ctr)).toBe(0.05);
    expect(features.get(topics)).toEqual([]);
    expect(features.get(ctr)).toBe(0.05);
    expect(features.get(age)).toBe(3);
    expect(features.missing()).toEqual(['item_ctr', 'user_topics']);
  });

  it('answers set values, and has() does not count as a lookup', () => {
    const features = new FeatureMap();
    expect(features.has(ctr)).toBe(false);
    features.set(ctr, 0.2).set(topics, ['art']);
    expect(features.has(ctr)).toBe(true);
    expect(features.get(ctr)).toBe(0.2);
    expect(features.get(topics)).toEqual(['art']);
    expect(features.missing()).toEqual([]);
    expect(features.toRecord()).toEqual({ item_ctr: 0.2, user_topics: ['art'] });
  });

  it('stops reporting a feature as missing once it is set, and keeps falsy values', () => {
    const features = new FeatureMap([['item_ctr', 0]]);
    expect(features.get(ctr)).toBe(0);
    expect(features.get(age)).toBe(24);
    expect(features.missing()).toEqual(['item_age_hours']);
    features.set(age, 1);
    expect(features.missing()).toEqual([]);
  });

  it('treats undefined initial values as missing', () => {
    const features = new FeatureMap({ item_ctr: undefined });
    expect(features.get(ctr)).toBe(0.05);
    expect(features.missing()).toEqual(['item_ctr']);
  });

  it('rejects an empty feature name', () => {
    expect(() => defineFeature('', 0)).toThrow(/must not be empty/);
  });
});
