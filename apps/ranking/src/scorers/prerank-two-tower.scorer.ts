/** Scorer: the two-tower pre-rank score, the user's embedding against the candidates' precomputed item embeddings. */
import { RecsysError } from '@recsys/domain';
import { fillInputs } from '@recsys/models';
import type { Scorer } from '@recsys/pipeline';
import type { RankingCandidate, RankingQuery } from '../types';

/** The user tower reads user features only: one row, no item or ranking columns. */
const NO_ITEM_COLUMNS = { names: [] as string[], values: [] as number[] };
const FIRST_ROW = [0];

/**
 * Sets `preRank` = the dot product of the user tower's embedding of the request's user features (one run per call)
 * and each candidate's item embedding from the model version's table, looked up by item id (both unit length, so a
 * cosine in [-1, 1]). A candidate the table does not hold (an item newer than the model version) gets the best score
 * of the call: the pre-ranker cannot judge it, so it passes the cut to the ranker, which reads its features.
 * Fails with bad-request when the batch carries no item ids (RankColumns: `candidates.item_ids`) and the call cuts
 * (a Rank whose budget holds every candidate is left unscored). O(n · dim).
 */
export const prerankTwoTowerScorer: Scorer<RankingQuery, RankingCandidate> = {
  id: 'scorer/prerank-two-tower',
  failOpen: false,
  score: async (query, candidates) => {
    const loaded = query.preRank;
    if (loaded.kind !== 'two-tower') throw new RecsysError('internal', `the two-tower pre-rank scorer got a ${loaded.kind} model`);
    const ids = query.batch.itemIds;
    // Rank without a cut (the budget holds every candidate) needs no pre-rank score.
    if ((ids === undefined || ids.length !== query.batch.rows) && query.limit >= candidates.length) return candidates.map(() => ({}));
    if (ids === undefined || ids.length !== query.batch.rows) {
      throw RecsysError.badRequest('candidates.item_ids', `the pre-rank model ${loaded.name} ${loaded.version} (two-tower) looks up item embeddings by item id: send one per row`);
    }
    const { model } = loaded;
    const { values: input } = fillInputs(model.userPlan, { batch: NO_ITEM_COLUMNS, userFeatures: query.user.features, ranking: NO_ITEM_COLUMNS }, FIRST_ROW);
    const user = await model.embedUsers(input, 1);
    const { rowOf, embeddings } = model.items;
    const dim = model.dim;
    const scores = new Float64Array(candidates.length);
    const unknown: number[] = [];
    let best = Number.NEGATIVE_INFINITY;
    candidates.forEach((c, i) => {
      const row = rowOf.get(ids[c.row]);
      if (row === undefined) {
        unknown.push(i);
        return;
      }
      let dot = 0;
      for (let d = 0, at = row * dim; d < dim; d++, at++) dot += user[d] * embeddings[at];
      scores[i] = dot;
      if (dot > best) best = dot;
    });
    const fresh = Number.isFinite(best) ? best : 0;
    for (const i of unknown) scores[i] = fresh;
    return candidates.map((_, i) => ({ preRank: scores[i] }));
  },
};
