/** Filter: removes items the user has already seen or interacted with (the request's seen_item_ids). */
import type { Filter } from '@recsys/pipeline';
import type { RerankItem, RerankQuery } from '../types';

/** Removes every candidate whose id is in `query.seenItemIds`. O(n). */
export const seenFilter: Filter<RerankQuery, RerankItem> = {
  id: 'filter/seen',
  failOpen: false,
  filter: (query, candidates) => {
    const kept: RerankItem[] = [];
    const removed: RerankItem[] = [];
    for (const c of candidates) (query.seenItemIds.has(c.id) ? removed : kept).push(c);
    return { kept, removed };
  },
};
