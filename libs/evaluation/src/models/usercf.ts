// User-based collaborative filtering for the harness: top-k user neighbours, scored from their items.
import { buildUserNeighbors, scoreUserCF, type InteractionMatrix, type NeighborTable } from '@recsys/algorithms';
import { assertFitted, type Recommender } from '../recommenders/recommender';
import { applyFallback, binarized, neighborhoodParams, popularityFallback, type NeighborhoodOptions, type NeighborhoodParams } from './itemcf';

/** Defaults of {@link UserCFRecommender}: chosen on a validation split carved from the training part of ml-latest-small. */
export const USERCF_DEFAULTS: NeighborhoodParams = Object.freeze({ similarity: 'cosine', k: 100, shrinkage: 0, iuf: false, minCommon: 1, normalize: false, values: 'raw' });

/**
 * User-CF (Resnick et al., 1994; Herlocker et al., 1999): at fit, the k most similar users of every user
 * (`buildUserNeighbors`); a user's score for item j is Σ over neighbours v having j of sim(user, v) × (1, or v's
 * value with `values: raw`). Unscored items follow by training popularity. Fit O(Σ_i |users of i|²); scoring
 * O(nItems + Σ_{v ∈ N(u)} |row v|) per user.
 */
export class UserCFRecommender implements Recommender {
  readonly name = 'usercf';
  readonly params: NeighborhoodParams;
  private table: NeighborTable | undefined;
  private train: InteractionMatrix | undefined;
  private fallback: Float32Array | undefined;

  constructor(opts: NeighborhoodOptions = {}) {
    this.params = neighborhoodParams(opts, USERCF_DEFAULTS);
  }

  fit(train: InteractionMatrix): void {
    const { similarity, k, shrinkage, iuf, minCommon, values } = this.params;
    this.table = buildUserNeighbors(values === 'binary' ? binarized(train) : train, { similarity, k, shrinkage, iuf, minCommon });
    this.train = train;
    this.fallback = popularityFallback(train);
  }

  scoreAll(user: number, out: Float32Array): void {
    const table = assertFitted(this.table, this.name);
    const { normalize, values } = this.params;
    scoreUserCF(table, this.train as InteractionMatrix, user, out, { normalize, weighting: values === 'raw' ? 'value' : 'binary' });
    applyFallback(out, this.fallback as Float32Array);
  }
}
