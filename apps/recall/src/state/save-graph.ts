// The live pin–board graph of saves (one edge per pin saved to a board), for the graph channel's Pixie walks.
import { BipartiteGraph, PixieWalker, type PixieTopOptions } from '@recsys/algorithms';

/** The board a save without a board id is filed under: the saving user's own implicit board. */
export function boardKeyOf(boardId: string, userId: string): string {
  return boardId === '' ? `user:${userId}` : `board:${boardId}`;
}

/** A pin found by a walk and its combined visit score (higher: reached more often, from more query pins). */
export interface WalkHit {
  id: string;
  score: number;
}

/**
 * The pin–board bipartite graph of every save seen on the engagement stream, with ids mapped to the dense
 * indexes of a {@link BipartiteGraph}. A save with a `board_id` links the pin to that board; one without links it
 * to the user's implicit board (`user:<id>`), so a dataset without boards still forms a graph (users as boards).
 *
 * New saves are appended in O(1) and merged into the graph's CSR arrays at the next walk (one O(edges) merge per
 * burst of saves, see `BipartiteGraph.compact`), so the graph follows the stream without a rebuild. Memory:
 * about 16 bytes per edge plus the id maps.
 */
export class SaveGraph {
  private readonly graph = new BipartiteGraph();
  private readonly walker = new PixieWalker(this.graph);
  private readonly pinIndex = new Map<string, number>();
  private readonly pinIds: string[] = [];
  private readonly boardIndex = new Map<string, number>();
  private saves = 0;

  /** Adds the edge (pin `itemId`, board `boardKey`); a repeated edge counts once. */
  addSave(itemId: string, boardKey: string): void {
    let pin = this.pinIndex.get(itemId);
    if (pin === undefined) {
      pin = this.pinIds.length;
      this.pinIds.push(itemId);
      this.pinIndex.set(itemId, pin);
    }
    let board = this.boardIndex.get(boardKey);
    if (board === undefined) {
      board = this.boardIndex.size;
      this.boardIndex.set(boardKey, board);
    }
    this.graph.addEdges([pin], [board]);
    this.saves++;
  }

  /**
   * Pixie walks from the `seeds` (item ids, with a weight each) that are in the graph: the `topN` best pins by
   * combined visit score, best first, the seeds themselves excluded. Seeds not in the graph are ignored; no seed
   * in the graph gives nothing. Time O(totalSteps + visited) after the merge of pending saves.
   */
  walk(seeds: readonly string[], weights: readonly number[], opts: Omit<PixieTopOptions, 'excludeQuery'>): WalkHit[] {
    const pins: number[] = [];
    const w: number[] = [];
    seeds.forEach((id, i) => {
      const pin = this.pinIndex.get(id);
      if (pin !== undefined) {
        pins.push(pin);
        w.push(weights[i]);
      }
    });
    if (pins.length === 0) return [];
    const result = this.walker.walk({ pins, weights: w }, { ...opts, excludeQuery: true });
    const hits: WalkHit[] = [];
    for (let i = 0; i < result.pins.length; i++) hits.push({ id: this.pinIds[result.pins[i]], score: result.scores[i] });
    return hits;
  }

  /** Sizes, for logs: pins, boards and save events applied (repeats included). */
  stats(): { pins: number; boards: number; saves: number } {
    return { pins: this.pinIds.length, boards: this.boardIndex.size, saves: this.saves };
  }
}
