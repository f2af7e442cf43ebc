/** Selector: assigns each page item a grid column, shortest column first, heights from aspect ratios. */
import { masonryLayout } from '@recsys/algorithms';
import type { Selector } from '@recsys/pipeline';
import type { RerankItem, RerankQuery } from '../types';

/** Default number of grid columns when the request sets 0 (overridable by RERANKING_DEFAULT_COLUMNS). */
export const DEFAULT_COLUMNS = 2;

/**
 * Places the page items in order into `query.columns` columns (each item into the currently shortest
 * column, height 1 / aspect ratio) and sets `column` on each. Keeps order and removes nothing. O(n · columns).
 */
export const masonryLayoutSelector: Selector<RerankQuery, RerankItem> = {
  id: 'selector/masonry-layout',
  failOpen: false,
  select: (query, candidates) => {
    const { placements } = masonryLayout(candidates, query.columns);
    return candidates.map((c, i) => ({ ...c, column: placements[i].column }));
  },
};
