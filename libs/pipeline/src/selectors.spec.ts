import fc from 'fast-check';
import { dropDuplicates, sortBy, topK } from './selectors';
import type { StepContext } from './types';

interface Cand {
  id: string;
  score: number;
  creator?: string;
}

const ctx: StepContext = { signal: new AbortController().signal, deadlineMs: Infinity, debug: false, degrade: () => undefined };
const cands = (...scores: number[]): Cand[] => scores.map((score, i) => ({ id: `c${i}`, score }));
const ids = (cs: readonly { id: string }[]) => cs.map((c) => c.id);

describe('sortBy', () => {
  it('sorts descending and keeps the input order of ties; NaN goes last', async () => {
    const sel = sortBy<unknown, Cand>('sort', (c) => c.score);
    const out = await sel.select(undefined, cands(1, 3, NaN, 3, 2, 1), ctx);
    expect(ids(out)).toEqual(['c1', 'c3', 'c4', 'c0', 'c5', 'c2']);
    expect(sel.id).toBe('sort');
  });
});

describe('topK', () => {
  it('keeps the k best in descending order', async () => {
    const out = await topK<unknown, Cand>('top', 2, (c) => c.score).select(undefined, cands(1, 5, 3, 5), ctx);
    expect(ids(out)).toEqual(['c1', 'c3']);
  });

  it('takes k from the query, floors it, keeps nothing for negative k and everything for Infinity', async () => {
    const sel = topK<{ size: number }, Cand>('top', (q) => q.size, (c) => c.score);
    const input = cands(1, 2, 3);
    expect(ids(await sel.select({ size: 2.9 }, input, ctx))).toEqual(['c2', 'c1']);
    expect(await sel.select({ size: -1 }, input, ctx)).toEqual([]);
    expect(ids(await sel.select({ size: Infinity }, input, ctx))).toEqual(['c2', 'c1', 'c0']);
  });

  it('is the stable descending sort cut at k, for any scores (ties, NaN, ±Infinity) and any k', async () => {
    const score = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(Number.NaN, Infinity, -Infinity), fc.double({ noNaN: true }));
    await fc.assert(
      fc.asyncProperty(fc.array(score, { maxLength: 60 }), fc.integer({ min: 0, max: 70 }), async (scores, k) => {
        const input = cands(...scores);
        const full = await sortBy<unknown, Cand>('sort', (c) => c.score).select(undefined, input, ctx);
        const top = await topK<unknown, Cand>('top', k, (c) => c.score).select(undefined, input, ctx);
        expect(ids(top)).toEqual(ids(full).slice(0, k));
        // A stable sort by hand: numbers descending, NaN last, ties by input order.
        const expected = input
          .map((c, i) => ({ c, i }))
          .sort((a, b) => {
            const x = a.c.score;
            const y = b.c.score;
            if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) === Number.isNaN(y) ? a.i - b.i : Number.isNaN(x) ? 1 : -1;
            return x === y ? a.i - b.i : y > x ? 1 : -1;
          })
          .map(({ c }) => c.id);
        expect(ids(full)).toEqual(expected);
      }),
    );
  });

  it('carries component options', () => {
    const sel = topK<unknown, Cand>('top', 1, (c) => c.score, { failOpen: false, timeoutMs: 5 });
    expect(sel).toMatchObject({ id: 'top', failOpen: false, timeoutMs: 5 });
  });
});

describe('dropDuplicates', () => {
  it('keeps the first candidate per key, in order', async () => {
    const input: Cand[] = [
      { id: 'a', score: 1, creator: 'x' },
      { id: 'b', score: 2, creator: 'y' },
      { id: 'c', score: 3, creator: 'x' },
      { id: 'd', score: 4, creator: 'z' },
    ];
    const out = await dropDuplicates<unknown, Cand>('one-per-creator', (c) => c.creator ?? c.id).select(undefined, input, ctx);
    expect(ids(out)).toEqual(['a', 'b', 'd']);
  });
});
