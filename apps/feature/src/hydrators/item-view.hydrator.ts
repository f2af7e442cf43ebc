// Candidate hydrator `hydrator/item-view`: computes each item's feature view from its records at the query time.
import { itemFeatureRow, type Catalog } from '@recsys/features';
import type { CandidateHydrator } from '@recsys/pipeline';
import type { ItemCandidate, ItemFeaturesQuery } from '../types';

/**
 * Adds `row`: the item and creator features of `query.columns` computed from the stored records and the catalog entry
 * the source found, at `query.nowMs` (time-dependent features — windows, recency, item age — are exact at read time),
 * as a row aligned with those columns; an item outside the catalog gets catalog and creator defaults. O(columns) per item.
 */
export function itemViewHydrator(deps: { catalog: Catalog }): CandidateHydrator<ItemFeaturesQuery, ItemCandidate> {
  return {
    id: 'hydrator/item-view',
    failOpen: false,
    hydrate: async (query, candidates) =>
      candidates.map((c) => {
        const { item } = c;
        const creatorItems = item ? deps.catalog.itemsOfCreator(item.creatorId) : undefined;
        return { row: itemFeatureRow({ record: c.record, item, creator: c.creator, creatorItems }, query.nowMs, query.columns) };
      }),
  };
}
