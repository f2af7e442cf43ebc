import { InteractionMatrixBuilder } from '../matrix/interaction-matrix';
import { BipartiteGraph } from './bipartite-graph';

describe('BipartiteGraph', () => {
  it('builds CSR both ways from edges, sorted, duplicates counted once', () => {
    // Edges (pin, board): (2,0) (0,1) (0,0) (1,1) (0,1) again.
    const g = BipartiteGraph.fromEdges([2, 0, 0, 1, 0], [0, 1, 0, 1, 1]);
    expect(g.nPins).toBe(3);
    expect(g.nBoards).toBe(2);
    expect(g.nEdges).toBe(4);
    expect(Array.from(g.boardsOf(0))).toEqual([0, 1]);
    expect(Array.from(g.boardsOf(2))).toEqual([0]);
    expect(Array.from(g.pinsOf(0))).toEqual([0, 2]);
    expect(Array.from(g.pinsOf(1))).toEqual([0, 1]);
    const a = g.adjacency();
    expect(Array.from(a.pinIndptr)).toEqual([0, 2, 3, 4]);
    expect(Array.from(a.boardIndptr)).toEqual([0, 2, 4]);
    expect(a.maxPinDegree).toBe(2);
    expect(Array.from(g.boardsOf(7))).toEqual([]);
  });

  it('keeps declared empty pins and boards', () => {
    const g = BipartiteGraph.fromEdges([0], [0], 4, 3);
    expect(g.nPins).toBe(4);
    expect(g.nBoards).toBe(3);
    expect(Array.from(g.boardsOf(3))).toEqual([]);
  });

  it('keeps new edges pending and merges them at the next CSR read, growing the graph; old snapshots stay unchanged', () => {
    const g = BipartiteGraph.fromEdges([0, 1], [0, 0]);
    const before = g.adjacency();
    g.addEdges([1, 3, 0, 3], [1, 2, 0, 2]);
    // (0,0) is already in the graph and (3,2) comes twice: two new edges.
    expect(g.pendingEdges).toBe(2);
    expect(g.hasEdge(3, 2)).toBe(true);
    expect(g.hasEdge(0, 0)).toBe(true);
    expect(g.hasEdge(3, 0)).toBe(false);
    expect(Array.from(g.boardsOf(1))).toEqual([0, 1]);
    expect(g.pendingEdges).toBe(0);
    expect(g.nPins).toBe(4);
    expect(g.nBoards).toBe(3);
    expect(g.nEdges).toBe(4); // (0,0) was already there
    expect(Array.from(g.pinsOf(2))).toEqual([3]);
    expect(before.nPins).toBe(2);
    expect(Array.from(before.pinBoards)).toEqual([0, 0]);
    // Many small batches merge to the same graph as one batch.
    const one = BipartiteGraph.fromEdges([5, 4, 3, 2, 1, 0], [0, 1, 2, 0, 1, 2]);
    const many = new BipartiteGraph();
    for (let e = 0; e < 6; e++) {
      many.addEdges([5 - e], [e % 3]);
      if (e % 2 === 0) many.compact();
    }
    expect(Array.from(many.adjacency().pinBoards)).toEqual(Array.from(one.adjacency().pinBoards));
    expect(Array.from(many.adjacency().boardPins)).toEqual(Array.from(one.adjacency().boardPins));
  });

  it('shows pending edges to walks without a merge, and merges once they exceed a fraction of the graph', () => {
    const g = new BipartiteGraph(0, 0, { minMerge: 4, mergeFraction: 0.5 });
    g.addEdges([0, 1, 1], [0, 0, 1]);
    let view = g.walkView();
    expect(g.pendingEdges).toBe(3);
    expect(view.csr.nPins).toBe(0);
    expect([view.nPins, view.nBoards, view.maxPinDegree]).toEqual([2, 2, 2]);
    expect(view.pinExtra.get(1)).toEqual([0, 1]);
    expect(view.boardExtra.get(0)).toEqual([0, 1]);
    expect(Array.from(view.pinExtraCount.subarray(0, 2))).toEqual([1, 2]);
    g.addEdges([2, 3], [1, 1]); // 5 pending > max(4, 0 × 0.5): merged
    view = g.walkView();
    expect(g.pendingEdges).toBe(0);
    expect(view.csr.pinIndptr[view.csr.nPins]).toBe(5);
    expect(view.pinExtra.size).toBe(0);
    expect(Array.from(view.pinExtraCount.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    g.addEdges([4], [0]); // 1 pending ≤ max(4, 5 × 0.5)
    expect(g.pendingEdges).toBe(1);
    expect(g.walkView().boardExtra.get(0)).toEqual([4]);
    expect(Array.from(g.pinsOf(0))).toEqual([0, 1, 4]);
  });

  it('uses users as boards for a user × item matrix', () => {
    const b = new InteractionMatrixBuilder();
    b.add('u0', 'a', 1);
    b.add('u0', 'b', 1);
    b.add('u1', 'b', 5);
    const g = BipartiteGraph.fromInteractions(b.build());
    expect(Array.from(g.pinsOf(0))).toEqual([0, 1]);
    expect(Array.from(g.pinsOf(1))).toEqual([1]);
    expect(Array.from(g.boardsOf(1))).toEqual([0, 1]);
  });

  it('rejects bad edges', () => {
    const g = new BipartiteGraph();
    expect(() => g.addEdges([0, 1], [0])).toThrow(RangeError);
    expect(() => g.addEdges([-1], [0])).toThrow(RangeError);
    expect(() => g.addEdges([0.5], [0])).toThrow(RangeError);
    expect(() => new BipartiteGraph(-1)).toThrow(RangeError);
  });
});
