// The global popularity baseline: every user gets the items with the most training interactions.
import { type InteractionMatrix } from '@recsys/algorithms';
import { assertFitted, itemCounts, type Recommender } from './recommender';

/** How interactions are counted: one per (user, item) entry, or the sum of the entries' weights. */
export type PopularityWeighting = 'binary' | 'weighted';

/**
 * Scores item i by its training popularity: the number of users who interacted with it (`binary`, the default:
 * a 5-star rating and a 1-star rating both say the user watched it) or the sum of the interaction weights
 * (`weighted`: for implicit data where weights are confidences, e.g. a save counting 3 clicks). Equal counts are
 * ordered by the harness's tie-break, lower item index first. The same list for every user.
 */
export class PopularityRecommender implements Recommender {
  readonly name = 'pop';
  readonly params: { readonly weighting: PopularityWeighting };
  private scores: Float32Array | undefined;

  constructor(weighting: PopularityWeighting = 'binary') {
    if (weighting !== 'binary' && weighting !== 'weighted') throw new RangeError(`weighting must be binary or weighted, got ${String(weighting)}`);
    this.params = { weighting };
  }

  fit(train: InteractionMatrix): void {
    this.scores = Float32Array.from(itemCounts(train, this.params.weighting));
  }

  scoreAll(_user: number, out: Float32Array): void {
    out.set(assertFitted(this.scores, this.name));
  }
}
