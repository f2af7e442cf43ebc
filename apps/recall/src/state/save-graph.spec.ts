// SaveGraph: board keys, item indexes, seeds left out, and saves added after a walk taking part in the next one.
import { ItemIds } from './item-ids';
import { SaveGraph, boardKeyOf } from './save-graph';

const WALK = { totalSteps: 2000, seed: 1, topN: 10 };

describe('SaveGraph', () => {
  it('files a save without a board under the user', () => {
    expect(boardKeyOf('', 'u1')).toBe('user:u1');
    expect(boardKeyOf('b9', 'u1')).toBe('board:b9');
  });

  it('walks from the seeds in the graph to the pins sharing their boards, seeds excluded', () => {
    const ids = new ItemIds();
    const unknown = ids.intern('unknown');
    const g = new SaveGraph(ids);
    g.addSave('p1', 'board:x');
    g.addSave('p2', 'board:x');
    g.addSave('p3', 'board:y');
    const hits = g.walk([ids.index('p1') ?? -1, unknown, -1], [1, 1, 1], WALK);
    // p1's only board holds p1 and p2: every step lands on one of them, and p1 is a seed.
    expect(Array.from(hits.items, (i) => ids.id(i))).toEqual(['p2']);
    expect(hits.scores[0]).toBeGreaterThan(0);
    expect(g.walk([unknown], [1], WALK).items.length).toBe(0);
    expect(g.stats()).toEqual({ pins: 3, boards: 2, saves: 3, edges: 3 });
  });

  it('includes saves added after a walk in the next walk', () => {
    const g = new SaveGraph();
    g.addSave('p1', 'board:x');
    const p1 = g.ids.index('p1') ?? -1;
    expect(g.walk([p1], [1], WALK).items.length).toBe(0);
    g.addSave('p3', 'board:x');
    g.addSave('p1', 'board:x'); // a repeated edge counts once
    expect(Array.from(g.walk([p1], [1], WALK).items, (i) => g.ids.id(i))).toEqual(['p3']);
    expect(g.stats()).toEqual({ pins: 2, boards: 1, saves: 3, edges: 2 });
  });
});
