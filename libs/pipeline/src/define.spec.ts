import { definePipeline } from './define';
import type { PipelineDefinition } from './types';

interface Cand {
  id: string;
}

const noop = { fetch: async () => [] as Cand[] };

describe('definePipeline', () => {
  it('returns the definition itself when ids are unique and non-empty', () => {
    const def: PipelineDefinition<unknown, Cand> = {
      id: 'home',
      sources: [{ id: 'a', ...noop }],
      phases: [{ id: 'pre', selectors: [{ id: 'b', select: (_q, cs) => [...cs] }] }],
    };
    expect(definePipeline(def)).toBe(def);
  });

  it('lists every id used more than once across steps and phases', () => {
    expect(() =>
      definePipeline<unknown, Cand>({
        id: 'home',
        sources: [{ id: 'dup', ...noop }, { id: 'ok', ...noop }],
        filters: [{ id: 'dup', filter: (_q, cs) => ({ kept: [...cs], removed: [] }) }],
        phases: [{ id: 'p', scorers: [{ id: 'twice', score: (_q, cs) => cs.map(() => ({})) }] }],
        scorers: [{ id: 'twice', score: (_q, cs) => cs.map(() => ({})) }],
      }),
    ).toThrow('pipeline home: duplicate component ids: dup, twice');
  });

  it('reports empty ids, duplicate phases and bad time budgets together', () => {
    let message = '';
    try {
      definePipeline<unknown, Cand>({
        id: 'home',
        sources: [{ id: '', ...noop }, { id: 'slow', timeoutMs: 0, ...noop }],
        phases: [{ id: 'p' }, { id: 'p' }],
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('a component in sources has an empty id');
    expect(message).toContain('slow: timeoutMs must be > 0, got 0');
    expect(message).toContain('duplicate phase id: p');
  });

  it('rejects an empty pipeline id', () => {
    expect(() => definePipeline<unknown, Cand>({ id: '' })).toThrow(/pipeline id is empty/);
  });
});
