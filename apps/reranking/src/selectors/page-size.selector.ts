/** Selector: truncates the ordered candidates to the requested page size. */
import type { Selector } from '@recsys/pipeline';
import type { RerankItem, RerankQuery } from '../types';

/** Keeps the first `query.pageSize` candidates in their current order; the rest count as removed by it. */
export const pageSizeSelector: Selector<RerankQuery, RerankItem> = {
  id: 'selector/page-size',
  failOpen: false,
  select: (query, candidates) => candidates.slice(0, query.pageSize),
};
