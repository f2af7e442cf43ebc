import { InteractionMatrixBuilder, topK } from '@recsys/algorithms';
import { createRecommender } from '../recommenders/registry';
import { ItemCFRecommender, popularityFallback } from './itemcf';

// Items i0..i4; u0 {0,1}, u1 {0,1,2}, u2 {1,2}, u3 {3}; i4 has no interaction. u1's i2 is rated 3, the rest 1.
function matrix() {
  const b = new InteractionMatrixBuilder();
  for (let i = 0; i < 5; i++) b.addItem(`i${i}`);
  for (const [u, i, v] of [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [1, 2, 3], [2, 1, 1], [2, 2, 1], [3, 3, 1]]) b.add(`u${u}`, `i${i}`, v);
  return b.build();
}
const m = matrix();
const c2 = 2 / Math.sqrt(6);

function scores(model: { scoreAll(u: number, out: Float32Array): void }, u: number): number[] {
  const out = new Float32Array(m.nItems);
  model.scoreAll(u, out);
  return Array.from(out);
}

describe('popularityFallback', () => {
  it('maps training counts into (−1, 0), more popular higher', () => {
    // Counts 2, 3, 2, 1, 0; max 3 → −1 + (c + 1)/5.
    expect(Array.from(popularityFallback(m))).toEqual([-0.4, -0.2, -0.4, -0.6, -0.8].map(Math.fround));
  });
});

describe('ItemCFRecommender', () => {
  it('scores the neighbours of the history items by summed similarity, then the rest by popularity', () => {
    const model = new ItemCFRecommender({ similarity: 'cosine', k: 2, shrinkage: 0, iuf: false, values: 'binary' });
    model.fit(m);
    // u2 has items 1 and 2: item 0 gets 2/√6 (from 1) + 1/2 (from 2); 1 and 2 get 2/√6 each; 3 and 4 fall back.
    const s = scores(model, 2);
    expect(s[0]).toBeCloseTo(c2 + 0.5, 6);
    expect(s[1]).toBeCloseTo(c2, 6);
    expect(s[2]).toBeCloseTo(c2, 6);
    expect(s[3]).toBe(Math.fround(-0.6));
    expect(s[4]).toBe(Math.fround(-0.8));
    expect(Array.from(topK(s, 5, [1, 2]))).toEqual([0, 3, 4]);
  });

  it('weights the history by the stored values with values=raw', () => {
    const model = new ItemCFRecommender({ similarity: 'jaccard', k: 3, shrinkage: 0, iuf: false, values: 'raw' });
    model.fit(m);
    // Jaccard item neighbours: 0 → [1: 2/3, 2: 1/3]; 2 → [1: 2/3, 0: 1/3]. u1 = {0: 1, 1: 1, 2: 3}:
    // item 0 gets from 1 (J = 2/3) · 1 and from 2 (1/3) · 3.
    expect(scores(model, 1)[0]).toBeCloseTo(2 / 3 + 1, 6);
    expect(model.neighbors().k).toBe(3);
  });

  it('is created by the registry from string parameters, with defaults filled in', () => {
    const model = createRecommender('itemcf', { similarity: 'jaccard', k: '50', iuf: 'false', shrinkage: '5' });
    expect(model.name).toBe('itemcf');
    expect(model.params).toEqual({ similarity: 'jaccard', k: 50, shrinkage: 5, iuf: false, minCommon: 1, normalize: false, values: 'raw' });
    expect(createRecommender('itemcf').params).toEqual({ similarity: 'cosine', k: 400, shrinkage: 20, iuf: true, minCommon: 1, normalize: false, values: 'raw' });
  });

  it('rejects bad parameters and scoring before fit', () => {
    expect(() => createRecommender('itemcf', { similarity: 'dice' })).toThrow(/unknown similarity "dice"/);
    expect(() => createRecommender('itemcf', { k: '0' })).toThrow(RangeError);
    expect(() => createRecommender('itemcf', { iuf: 'yes' })).toThrow(/true or false/);
    expect(() => createRecommender('itemcf', { similarity: 'pearson', values: 'binary' })).toThrow(/pearson needs values=raw/);
    expect(() => createRecommender('itemcf', { neighbours: '5' })).toThrow(/no parameter "neighbours"/);
    expect(() => new ItemCFRecommender().scoreAll(0, new Float32Array(5))).toThrow(/before fit/);
  });
});
