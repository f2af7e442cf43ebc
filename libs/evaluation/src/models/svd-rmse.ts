// Rating-prediction accuracy of a fitted rating model on a split's test ratings: RMSE and MAE.
import { type RecommenderParams } from '../recommenders/recommender';
import { sameIdSpace, type Split } from '../splits/split';
import { type RatingPredictor } from './svd';

/** The result of {@link evaluateRmse}; plain data, JSON-serialisable. */
export interface RmseReport {
  dataset: string;
  split: { name: string; description: string };
  model: { name: string; params: RecommenderParams };
  /** sqrt(mean (r − r̂)²) over every test rating. */
  rmse: number;
  /** mean |r − r̂|. */
  mae: number;
  /** Test ratings predicted. */
  ratings: number;
  /** Of those, ratings of users or items with no training rating (predicted from μ and the other bias). */
  coldRatings: number;
  /** Predictions are clamped to the training rating range. */
  clamped: true;
  /** Wall-clock seconds of prediction. */
  seconds: number;
}

/**
 * Evaluates a FITTED rating model on every rating of `split.test`: RMSE and MAE of `model.predict` (clamped to
 * the training rating range) against the stored values. For explicit datasets (MovieLens ratings); on implicit
 * weights the figure measures weight regression, not preference. O(test nnz · predict). Throws when the split
 * has no test rating or its halves do not share an id space.
 */
export function evaluateRmse(model: RatingPredictor, split: Split, opts: { dataset?: string } = {}): RmseReport {
  const started = performance.now();
  const { train, test } = split;
  if (!sameIdSpace(train, test)) throw new Error(`split ${split.name}: train and test do not share one id space`);
  const total = test.indptr[test.nUsers];
  if (total === 0) throw new Error(`split ${split.name}: no test rating to evaluate`);
  const itemRated = new Uint8Array(train.nItems);
  for (let e = 0; e < train.indptr[train.nUsers]; e++) itemRated[train.indices[e]] = 1;
  let sq = 0;
  let abs = 0;
  let cold = 0;
  for (let u = 0; u < test.nUsers; u++) {
    const userRated = train.indptr[u + 1] > train.indptr[u];
    for (let e = test.indptr[u]; e < test.indptr[u + 1]; e++) {
      const i = test.indices[e];
      const d = test.values[e] - model.predict(u, i);
      sq += d * d;
      abs += Math.abs(d);
      if (!userRated || !itemRated[i]) cold++;
    }
  }
  return {
    dataset: opts.dataset ?? 'unnamed',
    split: { name: split.name, description: split.description },
    model: { name: model.name, params: model.params },
    rmse: Math.sqrt(sq / total),
    mae: abs / total,
    ratings: total,
    coldRatings: cold,
    clamped: true,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The report as a few printable lines. */
export function formatRmseReport(r: RmseReport): string {
  const params = Object.entries(r.model.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return [
    `dataset: ${r.dataset}`,
    `split: ${r.split.name} — ${r.split.description}`,
    `model: ${r.model.name}${params ? `:${params}` : ''}`,
    `RMSE ${r.rmse.toFixed(4)}  MAE ${r.mae.toFixed(4)}  over ${r.ratings} test ratings (${r.coldRatings} of cold users/items; predictions clamped to the training range)`,
  ].join('\n');
}
