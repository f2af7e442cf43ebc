import { InteractionMatrixBuilder } from '../matrix/interaction-matrix';
import { buildItemNeighbors, buildUserNeighbors } from './neighbors';
import { scoreItemCF, scoreUserCF } from './scoring';

// u0 {0,1}, u1 {0,1,2}, u2 {1,2}, u3 {3}; u1's item 2 has value 3, every other entry 1.
const b = new InteractionMatrixBuilder();
for (let i = 0; i < 4; i++) b.addItem(`i${i}`);
for (const [u, i, v] of [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1], [1, 2, 3], [2, 1, 1], [2, 2, 1], [3, 3, 1]]) b.add(`u${u}`, `i${i}`, v);
const m = b.build();
const c2 = 2 / Math.sqrt(6);

describe('scoreItemCF', () => {
  // Binary cosine neighbours (k = 2): 0 → [1: 2/√6, 2: 1/2]; 1 → [0: 2/√6, 2: 2/√6]; 2 → [1: 2/√6, 0: 1/2].
  const binary = buildItemNeighbors({ ...m, values: new Float32Array(m.values.length).fill(1) }, { similarity: 'cosine', k: 2 });
  const out = new Float32Array(4);

  it('sums the similarities of the history items to their neighbours', () => {
    scoreItemCF(binary, Int32Array.from([1, 2]), undefined, out);
    // From 1: items 0 and 2 get 2/√6; from 2: item 1 gets 2/√6 and item 0 gets 1/2.
    expect(out[0]).toBeCloseTo(c2 + 0.5, 6);
    expect(out[1]).toBeCloseTo(c2, 6);
    expect(out[2]).toBeCloseTo(c2, 6);
    expect(out[3]).toBe(0);
  });

  it('multiplies by the history weights, and normalises by the contributing similarities', () => {
    scoreItemCF(binary, Int32Array.from([1, 2]), Float32Array.from([2, 1]), out);
    expect(out[0]).toBeCloseTo(2 * c2 + 0.5, 6);
    scoreItemCF(binary, Int32Array.from([1, 2]), Float32Array.from([2, 1]), out, { normalize: true });
    expect(out[0]).toBeCloseTo((2 * c2 + 0.5) / (c2 + 0.5), 6);
    expect(out[1]).toBeCloseTo(1, 6);
    expect(out[2]).toBeCloseTo(2, 6);
  });

  it('overwrites out and checks its arguments', () => {
    out.fill(9);
    scoreItemCF(binary, new Int32Array(0), undefined, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    expect(() => scoreItemCF(binary, Int32Array.from([4]), undefined, out)).toThrow(RangeError);
    expect(() => scoreItemCF(binary, Int32Array.from([1]), undefined, new Float32Array(3))).toThrow(RangeError);
    expect(() => scoreItemCF(binary, Int32Array.from([1]), new Float32Array(2), out)).toThrow(RangeError);
  });
});

describe('scoreUserCF', () => {
  // Jaccard user neighbours (k = 2): u0 → [u1: 2/3, u2: 1/3].
  const table = buildUserNeighbors(m, { similarity: 'jaccard', k: 2 });
  const out = new Float32Array(4);

  it("sums the neighbours' similarities over their items", () => {
    scoreUserCF(table, m, 0, out);
    // u1 {0,1,2} adds 2/3 each; u2 {1,2} adds 1/3 each.
    expect(out[0]).toBeCloseTo(2 / 3, 6);
    expect(out[1]).toBeCloseTo(1, 6);
    expect(out[2]).toBeCloseTo(1, 6);
    expect(out[3]).toBe(0);
  });

  it('weights by the neighbours\' values and normalises on request', () => {
    scoreUserCF(table, m, 0, out, { weighting: 'value' });
    expect(out[2]).toBeCloseTo((2 / 3) * 3 + 1 / 3, 6);
    scoreUserCF(table, m, 0, out, { weighting: 'value', normalize: true });
    expect(out[2]).toBeCloseTo(((2 / 3) * 3 + 1 / 3) / 1, 6);
    expect(out[0]).toBeCloseTo(1, 6);
  });

  it('gives nothing to a user without neighbours and checks its arguments', () => {
    scoreUserCF(table, m, 3, out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0]);
    expect(() => scoreUserCF(table, m, 4, out)).toThrow(RangeError);
    expect(() => scoreUserCF(table, m, 0, new Float32Array(5))).toThrow(RangeError);
  });
});
