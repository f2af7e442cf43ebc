import { BipartiteGraph } from './bipartite-graph';
import { allocateSteps, pixieWalk, PixieWalker } from './pixie-walk';

/**
 * Two communities of 10 pins and 5 boards joined by one edge. In community c (pins 10c.., boards 5c..), board
 * 5c + j holds pins 10c + 2j, 10c + 2j + 1 and 10c + (2j + 2) mod 10: odd pins are on one board, even pins on two.
 * Pin 9 is also on board 5 (the bridge). So pin 2 is on boards 0 {0, 1, 2} and 1 {2, 3, 4}.
 */
function communities(): BipartiteGraph {
  const pins: number[] = [];
  const boards: number[] = [];
  for (let c = 0; c < 2; c++) {
    for (let j = 0; j < 5; j++) {
      for (const p of [2 * j, 2 * j + 1, (2 * j + 2) % 10]) {
        pins.push(10 * c + p);
        boards.push(5 * c + j);
      }
    }
  }
  pins.push(9);
  boards.push(5);
  return BipartiteGraph.fromEdges(pins, boards);
}

describe('allocateSteps', () => {
  // Pin 0 has one board, pin 1 two, pin 2 none: the largest degree C is 2.
  const g = BipartiteGraph.fromEdges([0, 1, 1], [0, 0, 1], 3, 2).adjacency();

  it('splits the steps by weight × d·(C − ln d), by largest remainder', () => {
    // s0 = 1·(2 − 0) = 2, s1 = 2·(2 − ln 2) ≈ 2.6137: 1000 steps → 433.49 and 566.51 → 433 and 567.
    expect(Array.from(allocateSteps(g, { pins: [0, 1] }, 1000, true))).toEqual([433, 567]);
    expect(Array.from(allocateSteps(g, { pins: [0, 1] }, 1000, false))).toEqual([500, 500]);
    expect(Array.from(allocateSteps(g, { pins: [0, 1], weights: [3, 1] }, 1000, false))).toEqual([750, 250]);
    // 10 steps over three equal shares: 3.33 each, the remainder to the first.
    expect(Array.from(allocateSteps(g, { pins: [0, 0, 0] }, 10, true))).toEqual([4, 3, 3]);
  });

  it('gives nothing to pins without boards, unknown pins or zero weights', () => {
    expect(Array.from(allocateSteps(g, { pins: [2, 0, 7] }, 100, true))).toEqual([0, 100, 0]);
    expect(Array.from(allocateSteps(g, { pins: [1, 0], weights: [0, 2] }, 100, true))).toEqual([0, 100]);
    expect(Array.from(allocateSteps(g, { pins: [2] }, 100, true))).toEqual([0]);
    expect(() => allocateSteps(g, { pins: [0], weights: [-1] }, 100, true)).toThrow(RangeError);
    expect(() => allocateSteps(g, { pins: [0, 1], weights: [1] }, 100, true)).toThrow(RangeError);
  });
});

describe('pixieWalk', () => {
  const opts = { totalSteps: 20000, restartProbability: 0.5, np: Infinity, seed: 7 };

  it('is deterministic given the seed, and the seed matters', () => {
    const g = communities();
    const a = pixieWalk(g, { pins: [0] }, opts);
    const b = new PixieWalker(g).walk({ pins: [0] }, opts);
    expect(Array.from(a.pins)).toEqual(Array.from(b.pins));
    expect(Array.from(a.scores)).toEqual(Array.from(b.scores));
    const c = pixieWalk(g, { pins: [0] }, { ...opts, seed: 8 });
    expect(Array.from(c.scores)).not.toEqual(Array.from(a.scores));
  });

  it('spends exactly the budget without early stopping; visit scores of one query pin sum to the steps', () => {
    const g = communities();
    const walker = new PixieWalker(g);
    const out = new Float32Array(20);
    const stats = walker.scoreAll({ pins: [3] }, opts, out);
    expect(stats.steps).toBe(20000);
    expect(stats.stoppedEarly).toBe(false);
    expect(Array.from(stats.allocated)).toEqual([20000]);
    expect(out.reduce((s, v) => s + v, 0)).toBe(20000);
    // Two query pins with α = 1 (one hop per walk): from pin 1 (board 0 only) visits land on 0, 1, 2; from pin 3
    // (board 1 only) on 2, 3, 4. Pin 2 is reached from both, so its score is (√V_1[2] + √V_3[2])², where
    // V_1[2] = N_1 − V[0] − V[1] and V_3[2] = N_3 − V[3] − V[4].
    const two = walker.scoreAll({ pins: [1, 3] }, { ...opts, restartProbability: 1 }, out);
    expect(two.steps).toBe(20000);
    const [n1, n3] = two.allocated;
    expect(n1 + n3).toBe(20000);
    const v1 = n1 - out[0] - out[1];
    const v3 = n3 - out[3] - out[4];
    expect(v1).toBeGreaterThan(0);
    expect(out[2]).toBe(Math.fround((Math.sqrt(v1) + Math.sqrt(v3)) ** 2));
    expect(out.reduce((s, v) => s + v, 0)).toBeGreaterThan(20000);
  });

  it('stops early once np pins have nv visits', () => {
    const g = communities();
    const early = pixieWalk(g, { pins: [0] }, { ...opts, np: 3, nv: 5 });
    expect(early.stoppedEarly).toBe(true);
    expect(early.steps).toBeLessThan(200);
    const counts = new Float32Array(20);
    new PixieWalker(g).scoreAll({ pins: [0] }, { ...opts, np: 3, nv: 5 }, counts);
    // With one query pin the scores are the visit counts: exactly 3 pins reached 5 visits when it stopped.
    expect(Array.from(counts).filter((v) => v >= 5).length).toBe(3);
    expect(pixieWalk(g, { pins: [0] }, { ...opts, np: 1000, nv: 5 }).stoppedEarly).toBe(false);
  });

  it('concentrates visits on the pins co-saved with the query', () => {
    const g = communities();
    const r = pixieWalk(g, { pins: [2] }, { ...opts, topN: 6 });
    // The pins sharing a board with pin 2 come first, then the rest of its community.
    expect(new Set(Array.from(r.pins.subarray(0, 4)))).toEqual(new Set([0, 1, 3, 4]));
    for (const p of r.pins) expect(p).toBeLessThan(10);
    expect(Array.from(r.pins)).not.toContain(2);
    const withQuery = pixieWalk(g, { pins: [2] }, { ...opts, topN: 1, excludeQuery: false });
    expect(withQuery.pins[0]).toBe(2);
  });

  it('reflects edges added after the first walk', () => {
    const g = communities();
    const walker = new PixieWalker(g);
    const before = walker.walk({ pins: [15] }, { ...opts, topN: 3 });
    expect(Array.from(before.pins)).not.toContain(20);
    // Pin 15 is on board 7 {14, 15, 16} only. New saves: pin 15 and a new pin 20 on a new board 10, pin 20 alone on
    // board 11. A first step now reaches 20 with probability 1/2 · 1/2, and 14 or 16 with 1/2 · 1/3 each.
    g.addEdges([15, 20, 20], [10, 10, 11]);
    const after = walker.walk({ pins: [15] }, { ...opts, topN: 3 });
    expect(after.pins[0]).toBe(20);
  });

  it('walks nothing from a pin without boards and rejects bad options', () => {
    const g = BipartiteGraph.fromEdges([0, 1], [0, 0], 3, 1);
    const r = pixieWalk(g, { pins: [2] }, opts);
    expect(r.steps).toBe(0);
    expect(r.pins.length).toBe(0);
    expect(() => pixieWalk(g, { pins: [0] }, { ...opts, restartProbability: 0 })).toThrow(RangeError);
    expect(() => pixieWalk(g, { pins: [0] }, { ...opts, totalSteps: 1.5 })).toThrow(RangeError);
    expect(() => pixieWalk(g, { pins: [0] }, { ...opts, nv: 0 })).toThrow(RangeError);
    expect(() => pixieWalk(g, { pins: [0] }, { ...opts, topN: 0 })).toThrow(RangeError);
  });

  it('restarts after every step with α = 1: every visit is one hop from the query', () => {
    const g = communities();
    const out = new Float32Array(20);
    new PixieWalker(g).scoreAll({ pins: [2] }, { ...opts, restartProbability: 1 }, out);
    const reached = Array.from(out.keys()).filter((p) => out[p] > 0);
    expect(reached).toEqual([0, 1, 2, 3, 4]);
  });
});
