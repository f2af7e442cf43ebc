/** Source: the candidates the caller sent in the PreRank or Rank request. */
import type { CandidateSource } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/** Hands the request's candidates to the pipeline unchanged, in request order. */
export const requestCandidatesSource: CandidateSource<RankingQuery, RankingCandidate> = {
  id: 'source/request-candidates',
  failOpen: false,
  fetch: async (query) => [...query.candidates],
};
