/** Filter: removes items flagged unsafe by trust and safety; they are never served. */
import type { Filter } from '@recsys/pipeline';
import type { RerankItem, RerankQuery } from '../types';

/** Removes every candidate with `unsafe` set. O(n). Fails closed: serving unsafe items is worse than failing. */
export const unsafeFilter: Filter<RerankQuery, RerankItem> = {
  id: 'filter/unsafe',
  failOpen: false,
  filter: (_query, candidates) => {
    const kept: RerankItem[] = [];
    const removed: RerankItem[] = [];
    for (const c of candidates) (c.unsafe ? removed : kept).push(c);
    return { kept, removed };
  },
};
