// ALS (and biased-MF) hyper-parameter search on a validation split carved from the TRAINING part of a test split (never the test).
import {
  AlsRecommender,
  evaluate,
  evaluateRmse,
  randomHoldoutSplit,
  SvdRecommender,
  type AlsRecommenderOptions,
  type Split,
  type SvdRecommenderOptions,
} from '@recsys/evaluation';

/** One evaluated configuration. */
export interface TuneRow {
  params: Required<Pick<AlsRecommenderOptions, 'factors' | 'regularization' | 'alpha' | 'iterations' | 'values'>>;
  ndcg10: number;
  recall10: number;
  hitrate10: number;
  fitSeconds: number;
}

/** Options of {@link tuneAls}. */
export interface TuneOptions {
  /** Seed of the outer (test) split: the validation split is carved from its train part. */
  splitSeed: number;
  /** Seed of the validation holdout (must differ from splitSeed). */
  validationSeed: number;
  testFraction: number;
  factors: number[];
  regularization: number[];
  alpha: number[];
  iterations: number[];
  print: (line: string) => void;
}

/**
 * Grid search for ALS on `data`: the outer split (per-user random holdout, `splitSeed`) is made exactly as `recsys
 * eval` makes it; its TEST part is set aside unseen, and a second per-user random holdout of its TRAIN part
 * (`validationSeed`) gives validation-train / validation-test. Stage 1 crosses factors × regularization × alpha at
 * the first iteration count with binary values; stage 2 varies the iterations and raw values around the best.
 * Ranks by NDCG@10 (full ranking). Returns every row and the best.
 */
export function tuneAls(data: Split['train'], o: TuneOptions): { rows: TuneRow[]; best: TuneRow } {
  const outer = randomHoldoutSplit(data, { testFraction: o.testFraction, seed: o.splitSeed });
  const validation = randomHoldoutSplit(outer.train, { testFraction: o.testFraction, seed: o.validationSeed });
  o.print(`validation split: ${validation.description}, carved from the train part of: ${outer.description}`);
  const rows: TuneRow[] = [];
  const run = (params: TuneRow['params']): TuneRow => {
    const model = new AlsRecommender({ ...params, seed: o.validationSeed });
    const started = performance.now();
    model.fit(validation.train);
    const fitSeconds = (performance.now() - started) / 1000;
    const m = evaluate(model, validation, { protocol: 'full', ks: [10], seed: o.validationSeed }).metrics;
    const row = { params, ndcg10: m['ndcg@10'], recall10: m['recall@10'], hitrate10: m['hitrate@10'], fitSeconds };
    rows.push(row);
    o.print(
      `  factors=${String(params.factors).padEnd(4)} regularization=${String(params.regularization).padEnd(5)} alpha=${String(params.alpha).padEnd(4)} ` +
        `iterations=${String(params.iterations).padEnd(3)} values=${params.values.padEnd(6)}  ndcg@10 ${row.ndcg10.toFixed(4)}  recall@10 ${row.recall10.toFixed(4)}  ` +
        `hitrate@10 ${row.hitrate10.toFixed(4)}  fit ${fitSeconds.toFixed(1)} s`,
    );
    return row;
  };
  const bestOf = () => rows.reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
  o.print('stage 1: factors × regularization × alpha (binary values)');
  for (const factors of o.factors) {
    for (const regularization of o.regularization) {
      for (const alpha of o.alpha) run({ factors, regularization, alpha, iterations: o.iterations[0], values: 'binary' });
    }
  }
  const stage1 = bestOf();
  o.print('stage 2: iterations and raw values at the best of stage 1');
  for (const iterations of o.iterations.slice(1)) run({ ...stage1.params, iterations });
  run({ ...bestOf().params, values: 'raw' });
  return { rows, best: bestOf() };
}

/** One evaluated biased-MF configuration. */
export interface SvdTuneRow {
  params: Required<Pick<SvdRecommenderOptions, 'factors' | 'regularization' | 'epochs' | 'learningRate'>>;
  rmse: number;
}

/**
 * Grid search for biased MF (`svd`) on validation RMSE, with the same outer/validation splits as {@link tuneAls}.
 * Then fits the best setting on the outer TRAIN part and reports its test RMSE (the test part used once), beside
 * the global-mean and biases-only baselines and the registry defaults on the same split.
 */
export function tuneSvd(
  data: Split['train'],
  o: Pick<TuneOptions, 'splitSeed' | 'validationSeed' | 'testFraction' | 'print'> & { factors: number[]; regularization: number[]; epochs: number[]; learningRate: number[] },
): { rows: SvdTuneRow[]; best: SvdTuneRow } {
  const outer = randomHoldoutSplit(data, { testFraction: o.testFraction, seed: o.splitSeed });
  const validation = randomHoldoutSplit(outer.train, { testFraction: o.testFraction, seed: o.validationSeed });
  o.print(`validation split: seed ${o.validationSeed}, carved from the train part of the seed-${o.splitSeed} split`);
  const rows: SvdTuneRow[] = [];
  for (const factors of o.factors) {
    for (const regularization of o.regularization) {
      for (const epochs of o.epochs) {
        for (const learningRate of o.learningRate) {
          const model = new SvdRecommender({ factors, regularization, epochs, learningRate, seed: o.validationSeed });
          model.fit(validation.train);
          const row = { params: { factors, regularization, epochs, learningRate }, rmse: evaluateRmse(model, validation).rmse };
          rows.push(row);
          o.print(`  factors=${String(factors).padEnd(4)} regularization=${String(regularization).padEnd(5)} epochs=${String(epochs).padEnd(3)} learningRate=${String(learningRate).padEnd(6)} validation RMSE ${row.rmse.toFixed(4)}`);
        }
      }
    }
  }
  const best = rows.reduce((a, b) => (b.rmse < a.rmse ? b : a));
  const p = best.params;
  o.print(`best on validation: factors=${p.factors},regularization=${p.regularization},epochs=${p.epochs},learningRate=${p.learningRate} (RMSE ${best.rmse.toFixed(4)})`);
  o.print(`test (${outer.description}), ratings as given, predictions clamped to the training range:`);
  const train = outer.train;
  let mean = 0;
  for (let e = 0; e < train.values.length; e++) mean += train.values[e];
  mean /= train.values.length;
  let sq = 0;
  for (let e = 0; e < outer.test.values.length; e++) sq += (outer.test.values[e] - mean) ** 2;
  o.print(`  global mean ${mean.toFixed(4)}                 RMSE ${Math.sqrt(sq / outer.test.values.length).toFixed(4)}`);
  const fitted = (opts: SvdRecommenderOptions): number => {
    const model = new SvdRecommender({ ...opts, seed: o.splitSeed });
    model.fit(outer.train);
    return evaluateRmse(model, outer).rmse;
  };
  o.print(`  biases only (factors=0)           RMSE ${fitted({ factors: 0 }).toFixed(4)}`);
  o.print(`  svd registry defaults             RMSE ${fitted({}).toFixed(4)}`);
  o.print(`  svd tuned on validation           RMSE ${fitted(p).toFixed(4)}`);
  return { rows, best };
}
