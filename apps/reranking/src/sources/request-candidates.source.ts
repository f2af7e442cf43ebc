/** Source: the ranked candidates the caller sent in the Rerank request. */
import type { CandidateSource } from '@recsys/pipeline';
import type { RerankItem, RerankQuery } from '../types';

/** Hands the request's candidates to the pipeline unchanged, in request order. */
export const requestCandidatesSource: CandidateSource<RerankQuery, RerankItem> = {
  id: 'source/request-candidates',
  failOpen: false,
  fetch: async (query) => [...query.candidates],
};
