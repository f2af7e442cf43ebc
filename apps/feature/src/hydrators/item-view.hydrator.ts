// Candidate hydrator `hydrator/item-view`: computes each item's feature view from its record at the query time.
import { itemViewFromRecord } from '@recsys/features';
import type { CandidateHydrator } from '@recsys/pipeline';
import type { ItemCandidate, ItemFeaturesQuery } from '../types';

/**
 * Adds `view`: the declared item and creator features computed from the stored raw record at `query.nowMs`,
 * so time-dependent features (item age) are exact at read time; an item without a record gets every default
 * and `known: false`. O(features) per item.
 */
export const itemViewHydrator: CandidateHydrator<ItemFeaturesQuery, ItemCandidate> = {
  id: 'hydrator/item-view',
  failOpen: false,
  hydrate: async (query, candidates) => candidates.map((c) => ({ view: itemViewFromRecord(c.id, c.record, query.nowMs) })),
};
