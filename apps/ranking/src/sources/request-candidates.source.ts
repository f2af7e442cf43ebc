/** Source: the candidates the caller sent in the PreRank or Rank request, one per row of its batch. */
import type { CandidateSource } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/** `#<row>` ids of rows, made once and reused by every request (a reused string keeps its hash: cheaper look-ups). */
const ROW_IDS: string[] = [];

/** The id of a row of a batch without item ids. */
function rowId(row: number): string {
  for (let r = ROW_IDS.length; r <= row; r++) ROW_IDS.push(`#${r}`);
  return ROW_IDS[row];
}

/** One candidate per row of the request's batch, in request order; id = the row's item id, or `#<row>` without ids. */
export const requestCandidatesSource: CandidateSource<RankingQuery, RankingCandidate> = {
  id: 'source/request-candidates',
  failOpen: false,
  fetch: async (query) => {
    const { rows, itemIds } = query.batch;
    const out: RankingCandidate[] = new Array(rows);
    for (let row = 0; row < rows; row++) out[row] = { id: itemIds ? itemIds[row] : rowId(row), row };
    return out;
  },
};
