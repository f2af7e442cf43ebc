import { InteractionMatrixBuilder } from '@recsys/algorithms';
import { createRecommender } from '../recommenders/registry';
import { UserCFRecommender } from './usercf';

// Items i0..i4; u0 {0,1}, u1 {0,1,2}, u2 {1,2}, u3 {3}; i4 has no interaction. u1's i2 is rated 3, the rest 1.
function matrix() {
  const b = new InteractionMatrixBuilder();
  for (let i = 0; i < 5; i++) b.addItem(`i${i}`);
  for (const [u, i, v] of [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [1, 2, 3], [2, 1, 1], [2, 2, 1], [3, 3, 1]]) b.add(`u${u}`, `i${i}`, v);
  return b.build();
}
const m = matrix();

function scores(model: { scoreAll(u: number, out: Float32Array): void }, u: number): number[] {
  const out = new Float32Array(m.nItems);
  model.scoreAll(u, out);
  return Array.from(out);
}

describe('UserCFRecommender', () => {
  it("scores the neighbours' items by similarity, then the rest by popularity", () => {
    const model = new UserCFRecommender({ similarity: 'jaccard', k: 2, values: 'binary' });
    model.fit(m);
    // u0 {0,1}: neighbours u1 (2/3) and u2 (1/3): items 0: 2/3, 1: 1, 2: 1; 3 and 4 fall back.
    const s = scores(model, 0);
    expect(s[0]).toBeCloseTo(2 / 3, 6);
    expect(s[1]).toBeCloseTo(1, 6);
    expect(s[2]).toBeCloseTo(1, 6);
    expect(s.slice(3)).toEqual([-0.6, -0.8].map(Math.fround));
    // With raw values u1's rating 3 of item 2 counts three times.
    const raw = new UserCFRecommender({ similarity: 'jaccard', k: 2, values: 'raw' });
    raw.fit(m);
    expect(scores(raw, 0)[2]).toBeCloseTo((2 / 3) * 3 + 1 / 3, 6);
  });

  it('is registered with its defaults', () => {
    expect(createRecommender('usercf', { k: '7' }).params).toEqual({ similarity: 'cosine', k: 7, shrinkage: 0, iuf: false, minCommon: 1, normalize: false, values: 'raw' });
  });
});
