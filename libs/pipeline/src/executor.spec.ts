import { RecsysError } from '@recsys/domain';
import { definePipeline } from './define';
import { executePipeline } from './executor';
import { topK } from './selectors';
import type { CandidateSource, Filter, PipelineDefinition, Scorer, Selector, StepContext } from './types';

interface Query {
  userId: string;
  segment?: string;
  arm?: string;
  pageSize?: number;
}

interface Cand {
  id: string;
  recall?: number;
  topic?: string;
  quality?: number;
  score?: number;
}

const inOneSecond = () => Date.now() + 1000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** A promise that never settles: a component that ignores its signal and never answers. */
const forever = <T>() => new Promise<T>(() => undefined);

function source(id: string, ids: string[], extra: Partial<Cand> = {}): CandidateSource<Query, Cand> {
  return { id, fetch: async () => ids.map((x) => ({ id: x, ...extra })) };
}

function keepIf(id: string, pred: (c: Cand) => boolean): Filter<Query, Cand> {
  return {
    id,
    filter: (_q, cs) => ({ kept: cs.filter(pred), removed: cs.filter((c) => !pred(c)) }),
  };
}

const ids = (cs: readonly { id: string }[]) => cs.map((c) => c.id);

describe('executePipeline step order', () => {
  it('runs every step in the documented order and side effects after the result', async () => {
    const calls: string[] = [];
    const def = definePipeline<Query, Cand>({
      id: 'order',
      gates: [{ id: 'gate', shouldRun: () => (calls.push('gate'), true) }],
      queryHydrators: [{ id: 'qh', hydrate: async () => (calls.push('queryHydrator'), {}) }],
      sources: [{ id: 'src', fetch: async () => (calls.push('source'), [{ id: 'a' }, { id: 'b' }]) }],
      candidateHydrators: [{ id: 'ch', hydrate: async (_q, cs) => (calls.push('candidateHydrator'), cs.map(() => ({}))) }],
      filters: [{ id: 'f', filter: (_q, cs) => (calls.push('filter'), { kept: [...cs], removed: [] }) }],
      phases: [
        {
          id: 'pre',
          scorers: [{ id: 'pre-scorer', score: (_q, cs) => (calls.push('phaseScorer'), cs.map(() => ({}))) }],
          selectors: [{ id: 'pre-selector', select: (_q, cs) => (calls.push('phaseSelector'), [...cs]) }],
        },
      ],
      scorers: [{ id: 'scorer', score: (_q, cs) => (calls.push('scorer'), cs.map(() => ({}))) }],
      selectors: [{ id: 'selector', select: (_q, cs) => (calls.push('selector'), [...cs]) }],
      finalizer: { id: 'final', finalize: (_q, cs) => (calls.push('finalizer'), [...cs]) },
      sideEffects: [{ id: 'effect', run: async () => void calls.push('sideEffect') }],
    });

    const result = await executePipeline(def, { userId: 'u1' }, { deadlineMs: inOneSecond() });
    calls.push('returned');
    await result.sideEffects;

    expect(calls).toEqual([
      'gate',
      'queryHydrator',
      'source',
      'candidateHydrator',
      'filter',
      'phaseScorer',
      'phaseSelector',
      'scorer',
      'selector',
      'finalizer',
      'returned',
      'sideEffect',
    ]);
    expect(ids(result.candidates)).toEqual(['a', 'b']);
    expect(result.degraded).toEqual([]);
  });

  it('merges query hydrator patches in declaration order (later wins) and hands the hydrated query on', async () => {
    let seenBySource: Query | undefined;
    const def = definePipeline<Query, Cand>({
      id: 'qh',
      queryHydrators: [
        // The first hydrator finishes last: the merge order must not depend on completion order.
        { id: 'slow', hydrate: async () => (await sleep(20), { segment: 'slow', arm: 'A' }) },
        { id: 'fast', hydrate: async (q) => ({ segment: `fast-${q.userId}`, pageSize: 3 }) },
      ],
      sources: [{ id: 'src', fetch: async (q) => ((seenBySource = q), []) }],
    });
    const result = await executePipeline(def, { userId: 'u1' }, { deadlineMs: inOneSecond() });
    expect(result.query).toEqual({ userId: 'u1', segment: 'fast-u1', arm: 'A', pageSize: 3 });
    expect(seenBySource).toEqual(result.query);
  });
});

describe('executePipeline candidate hydrators that learn about the query', () => {
  it('merges the query patch of a hydrator into the query later steps and the result see', async () => {
    const seen: (string | undefined)[] = [];
    const def = definePipeline<Query, Cand>({
      id: 'learn',
      sources: [source('s', ['a', 'b'])],
      candidateHydrators: [
        { id: 'features', hydrate: async (_q, cs) => ({ candidates: cs.map(() => ({ topic: 't' })), query: { segment: 'fr' } }) },
        { id: 'broken', hydrate: async () => Promise.reject(new Error('down')) },
      ],
      scorers: [{ id: 'sc', score: (q, cs) => (seen.push(q.segment), cs.map(() => ({}))) }],
      selectors: [{ id: 'sel', select: (q, cs) => (seen.push(q.segment), [...cs]) }],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(seen).toEqual(['fr', 'fr']);
    expect(result.query).toEqual({ userId: 'u', segment: 'fr' });
    expect(result.candidates).toEqual([{ id: 'a', topic: 't' }, { id: 'b', topic: 't' }]);
    expect(result.degraded.map((d) => d.component)).toEqual(['broken']);
  });

  it('treats a hydration whose candidates are not one patch per candidate as a failure, query patch included', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'bad-learn',
      sources: [source('s', ['a', 'b'])],
      candidateHydrators: [{ id: 'features', hydrate: async () => ({ candidates: [{}], query: { segment: 'fr' } }) }],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(result.query).toEqual({ userId: 'u' });
    expect(result.degraded).toEqual([{ step: 'candidateHydrators', component: 'features', reason: expect.stringContaining('returned 1 patches for 2 candidates') }]);
  });
});

describe('executePipeline parallelism and merging', () => {
  it('runs sources in parallel: both start before either ends', async () => {
    const events: string[] = [];
    const slow = (id: string): CandidateSource<Query, Cand> => ({
      id,
      fetch: async () => {
        events.push(`start ${id}`);
        await sleep(50);
        events.push(`end ${id}`);
        return [{ id: `${id}-1` }];
      },
    });
    const def = definePipeline<Query, Cand>({ id: 'par', sources: [slow('a'), slow('b')] });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(events.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    expect(events.slice(2).sort()).toEqual(['end a', 'end b']);
    expect(ids(result.candidates)).toEqual(['a-1', 'b-1']);
  });

  it('runs the scorers of a step in parallel and merges their patches onto new objects', async () => {
    const events: string[] = [];
    const slow = (id: string, field: keyof Cand, value: number): Scorer<Query, Cand> => ({
      id,
      score: async (_q, cs) => {
        events.push(`start ${id}`);
        await sleep(50);
        events.push(`end ${id}`);
        return cs.map(() => ({ [field]: value }));
      },
    });
    const original = { id: 'x' };
    const def = definePipeline<Query, Cand>({
      id: 'par-score',
      sources: [{ id: 'src', fetch: async () => [original] }],
      scorers: [slow('s1', 'quality', 0.5), slow('s2', 'score', 2)],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(events.slice(0, 2).sort()).toEqual(['start s1', 'start s2']);
    expect(result.candidates).toEqual([{ id: 'x', quality: 0.5, score: 2 }]);
    expect(result.candidates[0]).not.toBe(original);
    expect(original).toEqual({ id: 'x' });
  });

  it('never changes an object a component made: its first patch copies it, later patches go to the copy', async () => {
    const fromSource = { id: 'x' };
    let seenByScorer: Cand | undefined;
    let selectedAnew: Cand | undefined;
    const def = definePipeline<Query, Cand>({
      id: 'copies',
      sources: [{ id: 'src', fetch: async () => [fromSource] }],
      candidateHydrators: [{ id: 'h', hydrate: async (_q, cs) => cs.map(() => ({ topic: 't' })) }],
      phases: [{ id: 'p', scorers: [{ id: 's1', score: (_q, cs) => ((seenByScorer = cs[0]), cs.map(() => ({ quality: 1 }))) }] }],
      scorers: [{ id: 's2', score: (_q, cs) => cs.map(() => ({ score: 2 })) }],
      selectors: [{ id: 'anew', select: (_q, cs) => [(selectedAnew = { ...cs[0], recall: 3 })] }],
      finalizer: { id: 'f', finalize: (_q, cs) => [...cs] },
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(fromSource).toEqual({ id: 'x' });
    expect(result.candidates).toEqual([{ id: 'x', topic: 't', quality: 1, score: 2, recall: 3 }]);
    expect(result.candidates[0]).toBe(selectedAnew);
    // The run's own copy took the later patches in place.
    expect(seenByScorer).toEqual({ id: 'x', topic: 't', quality: 1, score: 2 });
  });

  it('merges sources by id with the default keep-first, keeping every id in source order', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'merge',
      sources: [source('s1', ['a', 'b'], { recall: 1 }), source('s2', ['b', 'c'], { recall: 2 })],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond(), debug: true });
    expect(result.candidates).toEqual([
      { id: 'a', recall: 1 },
      { id: 'b', recall: 1 },
      { id: 'c', recall: 2 },
    ]);
    expect(result.traces?.map((t) => [t.id, t.sources])).toEqual([
      ['a', ['s1']],
      ['b', ['s1', 's2']],
      ['c', ['s2']],
    ]);
  });

  it('uses def.merge for candidates found by several sources', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'merge-fn',
      sources: [source('s1', ['a', 'b'], { recall: 1 }), source('s2', ['b'], { recall: 2 })],
      merge: (existing, incoming) => ({ ...existing, recall: (existing.recall ?? 0) + (incoming.recall ?? 0) }),
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(result.candidates).toEqual([
      { id: 'a', recall: 1 },
      { id: 'b', recall: 3 },
    ]);
  });
});

describe('executePipeline filters and selectors', () => {
  it('chains filters and records each removal with its component', async () => {
    const seenBySecond: string[][] = [];
    const def = definePipeline<Query, Cand>({
      id: 'filters',
      sources: [source('src', ['a', 'b', 'c', 'd'])],
      filters: [
        keepIf('no-a', (c) => c.id !== 'a'),
        { id: 'no-c', filter: (_q, cs) => (seenBySecond.push(ids(cs)), { kept: cs.filter((c) => c.id !== 'c'), removed: cs.filter((c) => c.id === 'c') }) },
      ],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(seenBySecond).toEqual([['b', 'c', 'd']]);
    expect(ids(result.candidates)).toEqual(['b', 'd']);
    expect(result.removed.map((r) => [r.candidate.id, r.step, r.component])).toEqual([
      ['a', 'filters', 'no-a'],
      ['c', 'filters', 'no-c'],
    ]);
  });

  it('treats a filter result that is not a partition of its input as a failure and keeps everything', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'bad-filter',
      sources: [source('src', ['a', 'b', 'c'])],
      filters: [{ id: 'loses-c', filter: (_q, cs) => ({ kept: [cs[0]], removed: [cs[1]] }) }],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(ids(result.candidates)).toEqual(['a', 'b', 'c']);
    expect(result.removed).toEqual([]);
    expect(result.degraded).toEqual([{ step: 'filters', component: 'loses-c', reason: expect.stringContaining('2 of 3') }]);
  });

  it('records the candidates a selector does not return as removed by it, per step', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'select',
      sources: [{ id: 'src', fetch: async () => [1, 5, 3, 4, 2].map((n) => ({ id: `c${n}`, score: n })) }],
      phases: [{ id: 'pre', selectors: [topK<Query, Cand>('pre/top4', 4, (c) => c.score ?? 0)] }],
      selectors: [topK<Query, Cand>('final/top', (q) => q.pageSize ?? 10, (c) => c.score ?? 0)],
    });
    const result = await executePipeline(def, { userId: 'u', pageSize: 2 }, { deadlineMs: inOneSecond() });
    expect(ids(result.candidates)).toEqual(['c5', 'c4']);
    expect(result.removed.map((r) => [r.candidate.id, r.step, r.component])).toEqual([
      ['c1', 'phase:pre/selectors', 'pre/top4'],
      ['c3', 'selectors', 'final/top'],
      ['c2', 'selectors', 'final/top'],
    ]);
  });

  it('passes the input through when a selector returns an unknown candidate', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'bad-selector',
      sources: [source('src', ['a', 'b'])],
      selectors: [{ id: 'inventor', select: () => [{ id: 'zzz' }] }],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(ids(result.candidates)).toEqual(['a', 'b']);
    expect(result.degraded).toEqual([{ step: 'selectors', component: 'inventor', reason: expect.stringContaining('zzz') }]);
  });
});

describe('executePipeline failure policy', () => {
  it('fails open on a throwing source: the others still contribute and a degradation is recorded', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'open',
      sources: [source('ok', ['a']), { id: 'broken', fetch: async () => Promise.reject(new Error('backend down')) }],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(ids(result.candidates)).toEqual(['a']);
    expect(result.degraded).toEqual([{ step: 'sources', component: 'broken', reason: 'backend down' }]);
  });

  it('fails open on a synchronously throwing scorer: no patch from it, the other scorer applies', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'sync-throw',
      sources: [source('src', ['a'])],
      scorers: [
        {
          id: 'bad',
          score: () => {
            throw new Error('boom');
          },
        },
        { id: 'good', score: (_q, cs) => cs.map(() => ({ score: 1 })) },
      ],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(result.candidates).toEqual([{ id: 'a', score: 1 }]);
    expect(result.degraded).toEqual([{ step: 'scorers', component: 'bad', reason: 'boom' }]);
  });

  it('times out a component that ignores its signal and records a timeout degradation', async () => {
    let ctxSeen: StepContext | undefined;
    const deadlineMs = inOneSecond();
    const def = definePipeline<Query, Cand>({
      id: 'timeout',
      sources: [
        source('ok', ['a']),
        { id: 'hangs', timeoutMs: 30, fetch: (_q, ctx) => ((ctxSeen = ctx), forever<Cand[]>()) },
      ],
    });
    const started = Date.now();
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs });
    expect(ids(result.candidates)).toEqual(['a']);
    expect(result.degraded).toEqual([{ step: 'sources', component: 'hangs', reason: 'timeout' }]);
    expect(ctxSeen?.signal.aborted).toBe(true);
    expect(ctxSeen?.deadlineMs).toBeGreaterThanOrEqual(started + 30);
    expect(ctxSeen?.deadlineMs).toBeLessThan(deadlineMs);
  });

  it('hands components a context whose deadline is the pipeline deadline when it is the sooner one', async () => {
    let ctxSeen: StepContext | undefined;
    const deadlineMs = inOneSecond();
    const def = definePipeline<Query, Cand>({
      id: 'ctx',
      sources: [{ id: 'src', timeoutMs: 60_000, fetch: async (_q, ctx) => ((ctxSeen = ctx), []) }],
    });
    await executePipeline(def, { userId: 'u' }, { deadlineMs, debug: true });
    expect(ctxSeen?.deadlineMs).toBe(deadlineMs);
    expect(ctxSeen?.debug).toBe(true);
    expect(ctxSeen?.signal.aborted).toBe(false);
  });

  it('once the pipeline deadline has passed, skips the remaining components as timed out', async () => {
    const filterCalls: string[] = [];
    const def = definePipeline<Query, Cand>({
      id: 'deadline',
      sources: [source('fast', ['a']), { id: 'hangs', fetch: () => forever<Cand[]>() }],
      filters: [{ id: 'late-filter', filter: (_q, cs) => (filterCalls.push('called'), { kept: [], removed: [...cs] }) }],
      selectors: [{ id: 'late-selector', select: () => [] }],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: Date.now() + 40 });
    expect(filterCalls).toEqual([]);
    expect(ids(result.candidates)).toEqual(['a']);
    expect(result.degraded).toEqual([
      { step: 'sources', component: 'hangs', reason: 'timeout' },
      { step: 'filters', component: 'late-filter', reason: 'timeout' },
      { step: 'selectors', component: 'late-selector', reason: 'timeout' },
    ]);
  });

  it('runs the finalizer after the deadline passed and selectors were skipped; its answer is the result', async () => {
    const seen: string[][] = [];
    const def = definePipeline<Query, Cand>({
      id: 'finalize',
      sources: [source('fast', ['a', 'b', 'c'], { score: 1 }), { id: 'hangs', fetch: () => forever<Cand[]>() }],
      selectors: [{ id: 'late-selector', select: () => [] }],
      finalizer: { id: 'page', finalize: (q, cs) => (seen.push(ids(cs)), cs.slice(0, q.pageSize)) },
      sideEffects: [{ id: 'log', run: async (_q, r) => void seen.push(ids(r.candidates)) }],
    });
    const result = await executePipeline(def, { userId: 'u', pageSize: 2 }, { deadlineMs: Date.now() + 40 });
    await result.sideEffects;
    expect(ids(result.candidates)).toEqual(['a', 'b']);
    // The finalizer saw what the skipped selector left, and side effects see its answer.
    expect(seen).toEqual([['a', 'b', 'c'], ['a', 'b']]);
    expect(result.removed).toEqual([{ candidate: { id: 'c', score: 1 }, step: 'finalizer', component: 'page' }]);
    expect(result.degraded.map((d) => d.component)).toEqual(['hangs', 'late-selector']);
    expect(result.query.pageSize).toBe(2);
  });

  it('fails the run when the finalizer throws or answers a candidate it was not given', async () => {
    const run = (finalize: (q: Query, cs: readonly Cand[]) => Cand[]) =>
      executePipeline(definePipeline<Query, Cand>({ id: 'bad-final', sources: [source('s', ['a'])], finalizer: { id: 'page', finalize } }), { userId: 'u' }, { deadlineMs: inOneSecond() });
    await expect(run(() => { throw new Error('broken page'); })).rejects.toThrow('broken page');
    await expect(run(() => [{ id: 'zzz' }])).rejects.toMatchObject({ category: 'internal', message: expect.stringContaining('finalizer page returned candidate zzz') });
  });

  it('records what a component reports with ctx.degrade while it still answers', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'partial',
      sources: [
        {
          id: 'remote',
          fetch: async (_q, ctx) => {
            ctx.degrade('channel x timed out', { stage: 'remote.x', fallback: 'other channels' });
            ctx.degrade('slow');
            return [{ id: 'a' }];
          },
        },
      ],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(ids(result.candidates)).toEqual(['a']);
    expect(result.degraded).toEqual([
      { step: 'sources', component: 'remote', reason: 'channel x timed out', stage: 'remote.x', fallback: 'other channels' },
      { step: 'sources', component: 'remote', reason: 'slow' },
    ]);
  });

  it('fails closed: rejects with the component error as-is', async () => {
    const error = new RecsysError('unavailable', 'feature store down');
    const def = definePipeline<Query, Cand>({
      id: 'closed',
      sources: [source('src', ['a'])],
      candidateHydrators: [{ id: 'features', failOpen: false, hydrate: async () => Promise.reject(error) }],
    });
    await expect(executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() })).rejects.toBe(error);
  });

  it('fails closed on timeout with a RecsysError of category deadline, and aborts in-flight siblings', async () => {
    let siblingSignal: AbortSignal | undefined;
    const def = definePipeline<Query, Cand>({
      id: 'closed-timeout',
      sources: [
        { id: 'must', failOpen: false, timeoutMs: 20, fetch: () => forever<Cand[]>() },
        { id: 'sibling', fetch: (_q, ctx) => ((siblingSignal = ctx.signal), forever<Cand[]>()) },
      ],
    });
    const rejection = executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    await expect(rejection).rejects.toBeInstanceOf(RecsysError);
    await expect(rejection).rejects.toMatchObject({ category: 'deadline', message: expect.stringContaining('must') });
    expect(siblingSignal?.aborted).toBe(true);
  });

  it('treats a candidate hydrator returning the wrong number of patches as a degradation', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'length',
      sources: [source('src', ['a', 'b'])],
      candidateHydrators: [
        { id: 'short', hydrate: async () => [{ topic: 'x' }] },
        { id: 'good', hydrate: async (_q, cs) => cs.map((c) => ({ quality: c.id === 'a' ? 1 : 2 })) },
      ],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(result.candidates).toEqual([
      { id: 'a', quality: 1 },
      { id: 'b', quality: 2 },
    ]);
    expect(result.degraded).toEqual([
      { step: 'candidateHydrators', component: 'short', reason: expect.stringContaining('returned 1 patches for 2 candidates') },
    ]);
  });

  it('rejects a wrong patch count with an internal RecsysError when the hydrator fails closed', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'length-closed',
      sources: [source('src', ['a', 'b'])],
      candidateHydrators: [{ id: 'short', failOpen: false, hydrate: async () => [] }],
    });
    await expect(executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() })).rejects.toMatchObject({ category: 'internal' });
  });

  it('aborts component signals when the caller cancels', async () => {
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    const def = definePipeline<Query, Cand>({
      id: 'cancel',
      sources: [
        {
          id: 'waits',
          fetch: (_q, ctx) => {
            seen = ctx.signal;
            setImmediate(() => caller.abort());
            return forever<Cand[]>();
          },
        },
      ],
      selectors: [{ id: 'after', select: (_q, cs) => [...cs] }],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond(), signal: caller.signal });
    expect(seen?.aborted).toBe(true);
    expect(result.candidates).toEqual([]);
    expect(result.degraded).toEqual([
      { step: 'sources', component: 'waits', reason: 'cancelled' },
      { step: 'selectors', component: 'after', reason: 'cancelled' },
    ]);
  });
});

describe('executePipeline gates', () => {
  it('returns an empty result without running sources or side effects when a gate says no', async () => {
    const calls: string[] = [];
    const def = definePipeline<Query, Cand>({
      id: 'gated',
      gates: [
        { id: 'allow', shouldRun: () => true },
        { id: 'deny', shouldRun: async (q) => q.userId !== 'blocked' },
        { id: 'never-asked', shouldRun: () => (calls.push('third gate'), true) },
      ],
      sources: [{ id: 'src', fetch: async () => (calls.push('source'), [{ id: 'a' }]) }],
      sideEffects: [{ id: 'effect', run: async () => void calls.push('effect') }],
    });
    const result = await executePipeline(def, { userId: 'blocked' }, { deadlineMs: inOneSecond() });
    await result.sideEffects;
    expect(result.candidates).toEqual([]);
    expect(calls).toEqual([]);

    const open = await executePipeline(def, { userId: 'someone' }, { deadlineMs: inOneSecond() });
    await open.sideEffects;
    expect(ids(open.candidates)).toEqual(['a']);
    expect(calls).toEqual(['third gate', 'source', 'effect']);
  });

  it('does not stop the pipeline when a fail-open gate throws', async () => {
    const def = definePipeline<Query, Cand>({
      id: 'gate-throws',
      gates: [{ id: 'flaky', shouldRun: () => Promise.reject(new Error('flag service down')) }],
      sources: [source('src', ['a'])],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(ids(result.candidates)).toEqual(['a']);
    expect(result.degraded).toEqual([{ step: 'gates', component: 'flaky', reason: 'flag service down' }]);
  });
});

describe('executePipeline side effects', () => {
  it('runs side effects after the result with the hydrated query; a failure reaches the hook, not the caller', async () => {
    const events: string[] = [];
    const reported: [string, unknown][] = [];
    const failure = new Error('bus down');
    let seenQuery: Query | undefined;
    const def: PipelineDefinition<Query, Cand> = definePipeline<Query, Cand>({
      id: 'effects',
      queryHydrators: [{ id: 'qh', hydrate: async () => ({ arm: 'B' }) }],
      sources: [source('src', ['a'])],
      sideEffects: [
        { id: 'publish', run: async () => Promise.reject(failure) },
        {
          id: 'log',
          run: async (q, result) => {
            seenQuery = q;
            events.push(`log ${ids(result.candidates).join(',')}`);
          },
        },
      ],
    });
    const result = await executePipeline(def, { userId: 'u' }, {
      deadlineMs: inOneSecond(),
      onSideEffectError: (id, error) => reported.push([id, error]),
    });
    events.push('returned');
    await expect(result.sideEffects).resolves.toBeUndefined();
    expect(events).toEqual(['returned', 'log a']);
    expect(reported).toEqual([['publish', failure]]);
    expect(seenQuery).toEqual({ userId: 'u', arm: 'B' });
  });

  it('bounds a hanging side effect by its timeoutMs so result.sideEffects still settles', async () => {
    const reported: string[] = [];
    const def = definePipeline<Query, Cand>({
      id: 'effect-timeout',
      sources: [source('src', ['a'])],
      sideEffects: [{ id: 'hangs', timeoutMs: 20, run: () => forever<void>() }],
    });
    const result = await executePipeline(def, { userId: 'u' }, {
      deadlineMs: inOneSecond(),
      onSideEffectError: (id, error) => reported.push(`${id}: ${(error as RecsysError).category}`),
    });
    await result.sideEffects;
    expect(reported).toEqual(['hangs: deadline']);
  });
});

describe('executePipeline debug traces', () => {
  it('records sources, scores per scorer and the outcome of every candidate seen', async () => {
    const byScore: Selector<Query, Cand> = topK('top2', 2, (c) => c.score ?? 0);
    const def = definePipeline<Query, Cand>({
      id: 'debug',
      sources: [source('popular', ['a', 'b', 'c', 'd']), source('fresh', ['d', 'e'])],
      filters: [keepIf('no-e', (c) => c.id !== 'e')],
      scorers: [
        { id: 'ranker', score: (_q, cs) => cs.map((c) => ({ score: c.id.charCodeAt(0) - 96, topic: 't' })) },
        { id: 'quality', score: (_q, cs) => cs.map(() => ({ quality: 0.5 })) },
      ],
      selectors: [byScore],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond(), debug: true });
    expect(ids(result.candidates)).toEqual(['d', 'c']);
    expect(result.traces).toEqual([
      { id: 'a', sources: ['popular'], scores: { ranker: { score: 1 }, quality: { quality: 0.5 } }, outcome: 'selectors/top2' },
      { id: 'b', sources: ['popular'], scores: { ranker: { score: 2 }, quality: { quality: 0.5 } }, outcome: 'selectors/top2' },
      { id: 'c', sources: ['popular'], scores: { ranker: { score: 3 }, quality: { quality: 0.5 } }, outcome: 'selected' },
      { id: 'd', sources: ['popular', 'fresh'], scores: { ranker: { score: 4 }, quality: { quality: 0.5 } }, outcome: 'selected' },
      { id: 'e', sources: ['fresh'], scores: {}, outcome: 'filters/no-e' },
    ]);
  });

  it('builds no traces without debug', async () => {
    const def = definePipeline<Query, Cand>({ id: 'nodebug', sources: [source('src', ['a'])] });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: inOneSecond() });
    expect(result.traces).toBeUndefined();
  });
});
