// The random baseline: a uniform random score per item, seeded per user.
import { createRng, type InteractionMatrix } from '@recsys/algorithms';
import { STREAM, userSeed } from '../random-streams';
import { assertFitted, type Recommender } from './recommender';

/**
 * Scores every item uniformly at random in [0, 1). The scores of a user depend only on (seed, user row), so
 * they are the same whatever order users are asked in. The floor every other model must clear.
 */
export class RandomRecommender implements Recommender {
  readonly name = 'random';
  readonly params: { readonly seed: number };
  private nItems: number | undefined;

  constructor(seed = 0) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
    this.params = { seed };
  }

  fit(train: InteractionMatrix): void {
    this.nItems = train.nItems;
  }

  scoreAll(user: number, out: Float32Array): void {
    const n = assertFitted(this.nItems, this.name);
    const rng = createRng(userSeed(this.params.seed, user, STREAM.randomModel));
    for (let i = 0; i < n; i++) out[i] = rng.next();
  }
}
