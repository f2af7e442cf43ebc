// SaveGraph: board keys, id mapping, seeds left out, and saves added after a walk taking part in the next one.
import { SaveGraph, boardKeyOf } from './save-graph';

const WALK = { totalSteps: 2000, seed: 1, topN: 10 };

describe('SaveGraph', () => {
  it('files a save without a board under the user', () => {
    expect(boardKeyOf('', 'u1')).toBe('user:u1');
    expect(boardKeyOf('b9', 'u1')).toBe('board:b9');
  });

  it('walks from the seeds in the graph to the pins sharing their boards, seeds excluded', () => {
    const g = new SaveGraph();
    g.addSave('p1', 'board:x');
    g.addSave('p2', 'board:x');
    g.addSave('p3', 'board:y');
    const hits = g.walk(['p1', 'unknown'], [1, 1], WALK);
    // p1's only board holds p1 and p2: every step lands on one of them, and p1 is a seed.
    expect(hits.map((h) => h.id)).toEqual(['p2']);
    expect(hits[0].score).toBeGreaterThan(0);
    expect(g.walk(['unknown'], [1], WALK)).toEqual([]);
    expect(g.stats()).toEqual({ pins: 3, boards: 2, saves: 3 });
  });

  it('includes saves added after a walk in the next walk', () => {
    const g = new SaveGraph();
    g.addSave('p1', 'board:x');
    expect(g.walk(['p1'], [1], WALK)).toEqual([]);
    g.addSave('p3', 'board:x');
    g.addSave('p1', 'board:x'); // a repeated edge counts once
    expect(g.walk(['p1'], [1], WALK).map((h) => h.id)).toEqual(['p3']);
    expect(g.stats()).toEqual({ pins: 2, boards: 1, saves: 3 });
  });
});
