import fc from 'fast-check';
import { executePipeline } from './executor';
import type { Filter } from './types';

interface Cand {
  id: string;
  n: number;
}

/**
 * A random filter: keeps by a random predicate, or misbehaves (throws, loses a candidate, or reports one twice);
 * a misbehaving filter fails open and keeps everything.
 */
const filterSpec = fc.record({
  modulus: fc.integer({ min: 1, max: 5 }),
  residue: fc.integer({ min: 0, max: 4 }),
  kind: fc.constantFrom('ok', 'ok', 'throws', 'loses', 'duplicates'),
});

describe('filters (property)', () => {
  it('final candidates and filter removals partition the input, in order, each removal once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 40 }), fc.array(filterSpec, { maxLength: 6 }), async (idList, specs) => {
        const input: Cand[] = idList.map((id, n) => ({ id, n }));
        const filters: Filter<unknown, Cand>[] = specs.map((spec, i) => ({
          id: `f${i}`,
          filter: (_q, cs) => {
            if (spec.kind === 'throws') throw new Error('broken filter');
            const keep = (c: Cand) => c.n % spec.modulus !== spec.residue % spec.modulus;
            const kept = cs.filter(keep);
            const removed = cs.filter((c) => !keep(c));
            if (spec.kind === 'loses') return { kept: kept.filter((c) => c !== cs[0]), removed: removed.filter((c) => c !== cs[0]) };
            if (spec.kind === 'duplicates') return { kept: [...kept, ...cs.slice(0, 1)], removed };
            return { kept, removed };
          },
        }));
        const result = await executePipeline<unknown, Cand>(
          { id: 'prop', sources: [{ id: 'src', fetch: async () => input }], filters },
          undefined,
          { deadlineMs: Date.now() + 10_000 },
        );
        const kept = result.candidates.map((c) => c.id);
        const removed = result.removed.map((r) => r.candidate.id);
        expect([...kept, ...removed].sort()).toEqual([...idList].sort());
        expect(new Set([...kept, ...removed]).size).toBe(idList.length);
        // Filters never reorder: the survivors keep their input order.
        expect(kept).toEqual(idList.filter((id) => kept.includes(id)));
        const kindOf = (component: string) => specs[Number(component.slice(1))].kind;
        for (const r of result.removed) expect(kindOf(r.component)).toBe('ok');
        for (const d of result.degraded) expect(kindOf(d.component)).not.toBe('ok');
        for (const [i, spec] of specs.entries()) if (spec.kind === 'throws') expect(result.degraded.map((d) => d.component)).toContain(`f${i}`);
      }),
      { numRuns: 200 },
    );
  });
});
