import { InteractionMatrixBuilder } from '@recsys/algorithms';
import { createRecommender } from '../recommenders/registry';
import { GraphRecommender } from './graph';

// Items i0..i5. u0 {0, 1}, u1 {1, 2}, u2 {3, 4}; i5 untouched. u3 saved 0 long ago and 3 recently.
function matrix() {
  const b = new InteractionMatrixBuilder();
  for (let i = 0; i < 6; i++) b.addItem(`i${i}`);
  b.add('u0', 'i0', 1, 1);
  b.add('u0', 'i1', 1, 2);
  b.add('u1', 'i1', 1, 3);
  b.add('u1', 'i2', 1, 4);
  b.add('u2', 'i3', 1, 5);
  b.add('u2', 'i4', 1, 6);
  b.add('u3', 'i0', 1, 10);
  b.add('u3', 'i3', 1, 1000);
  return b.build();
}
const m = matrix();

function scores(model: GraphRecommender, u: number): Float32Array {
  const out = new Float32Array(m.nItems);
  model.scoreAll(u, out);
  return out;
}

describe('GraphRecommender', () => {
  it('reaches the items co-saved with the history; the rest follow by popularity', () => {
    const model = new GraphRecommender({ steps: 5000, alpha: 1, seed: 3 });
    model.fit(m);
    const s = scores(model, 1);
    // u1 = {1, 2}: one-hop walks from 1 (users u0, u1) reach 0, 1, 2; from 2 (user u1) reach 1, 2.
    for (const i of [0, 1, 2]) expect(s[i]).toBeGreaterThan(0);
    // Unreached items get popularity fallbacks: counts 3 → 2, 4 → 1, 5 → 0 (max 2): −1 + (c + 1)/4.
    expect(Array.from(s.subarray(3))).toEqual([-0.25, -0.5, -0.75].map(Math.fround));
  });

  it('is deterministic per user whatever the order users are scored in', () => {
    const a = new GraphRecommender({ steps: 2000, alpha: 0.5, seed: 9 });
    a.fit(m);
    const b = new GraphRecommender({ steps: 2000, alpha: 0.5, seed: 9 });
    b.fit(m);
    const first = Array.from(scores(a, 3));
    scores(b, 0);
    scores(b, 1);
    expect(Array.from(scores(b, 3))).toEqual(first);
    const c = new GraphRecommender({ steps: 2000, alpha: 0.5, seed: 10 });
    c.fit(m);
    expect(Array.from(scores(c, 3))).not.toEqual(first);
  });

  it('queries with the most recent items only when asked', () => {
    // u3's latest item is 3 (t = 1000): with recent = 1 the walks never leave {3, 4}'s users.
    const recent = new GraphRecommender({ steps: 3000, alpha: 1, recent: 1, seed: 1 });
    recent.fit(m);
    const s = scores(recent, 3);
    expect(s[4]).toBeGreaterThan(0);
    expect(s[1]).toBeLessThan(0);
    const all = new GraphRecommender({ steps: 3000, alpha: 1, seed: 1 });
    all.fit(m);
    expect(scores(all, 3)[1]).toBeGreaterThan(0);
  });

  it('is registered, parses its parameters and rejects bad ones', () => {
    const model = createRecommender('graph', { steps: '1000', alpha: '0.5', np: '10', nv: '2', degreeBias: 'true', recent: '20', halfLife: '5', seed: '4' });
    expect(model.params).toEqual({ steps: 1000, alpha: 0.5, np: 10, nv: 2, degreeBias: true, recent: 20, halfLife: 5, seed: 4 });
    expect(createRecommender('graph').params).toEqual({ steps: 100000, alpha: 1, np: 0, nv: 4, degreeBias: false, recent: 0, halfLife: 0, seed: 0 });
    expect(() => createRecommender('graph', { alpha: '0' })).toThrow(RangeError);
    expect(() => createRecommender('graph', { steps: '-5' })).toThrow(RangeError);
    expect(() => createRecommender('graph', { np: '1.5' })).toThrow(RangeError);
    expect(() => new GraphRecommender().scoreAll(0, new Float32Array(6))).toThrow(/before fit/);
  });
});
