// Candidate hydrator `hydrator/item-view`: computes each item's feature view from its records at the query time.
import { itemFeatureRow, type Catalog } from '@recsys/features';
import type { CandidateHydrator } from '@recsys/pipeline';
import type { ItemCandidate, ItemFeaturesQuery } from '../types';

/**
 * Adds `item` (catalog attributes) and `row`: the item and creator features of `query.columns` computed from the
 * stored records and the catalog at `query.nowMs` (time-dependent features — windows, recency, item age — are exact at
 * read time), as a row aligned with those columns; an item outside the catalog gets catalog and creator defaults.
 * O(columns) per item.
 */
export function itemViewHydrator(deps: { catalog: Catalog }): CandidateHydrator<ItemFeaturesQuery, ItemCandidate> {
  return {
    id: 'hydrator/item-view',
    failOpen: false,
    hydrate: async (query, candidates) =>
      candidates.map((c) => {
        const item = deps.catalog.item(c.id);
        const creatorItems = item ? deps.catalog.itemsOfCreator(item.creatorId) : undefined;
        return { item, row: itemFeatureRow({ record: c.record, item, creator: c.creator, creatorItems }, query.nowMs, query.columns) };
      }),
  };
}
