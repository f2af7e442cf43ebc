/** The ranking service's environment schema, parsed once at start. */
import { dataDir, durationMs, logLevel, modelName, parseConfig, port } from '@recsys/config';
import { z } from 'zod';

/** PreRank keeps this many candidates when a request sets `limit` 0. */
export const DEFAULT_PRERANK_LIMIT = 500;

/** The ranking model served by default: the committed demo MMoE (models/README.md). */
export const DEFAULT_RANKING_MODEL = 'ranking/mmoe';

/** The pre-rank model served by default: the committed demo two-tower model (models/README.md). */
export const DEFAULT_PRERANK_MODEL = 'recall/two-tower';

/** The committed demo multi-task logistic model: a ranking model, and a pre-rank model by its pre-rank head. */
export const LOGISTIC_RANKING_MODEL = 'ranking/multitask-logistic';

/** Default fusion weights of an ONNX ranking model: those of the committed demo model (dwell and other tasks: 0). */
export const DEFAULT_ONNX_FUSION = 'click=1,save=2,hide=-10';

/** `task=weight` pairs separated by commas (e.g. `click=1,save=2,hide=-10`), each weight finite, each task once. */
function fusionWeights(defaultWeights: string) {
  return z
    .string()
    .transform((value, ctx) => {
      const weights: Record<string, number> = {};
      for (const pair of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
        const match = /^([A-Za-z0-9_]+)\s*=\s*(\S+)$/.exec(pair);
        const weight = match ? Number(match[2]) : NaN;
        if (!match || !Number.isFinite(weight) || Object.hasOwn(weights, match[1])) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected task=weight pairs separated by commas, each task once (e.g. ${DEFAULT_ONNX_FUSION}); bad pair ${JSON.stringify(pair)}` });
          return z.NEVER;
        }
        weights[match[1]] = weight;
      }
      return weights;
    })
    .default(defaultWeights);
}

const shape = {
  GRPC_PORT: port(50054),
  /** Model store root; the service loads RANKING_MODEL and RANKING_PRERANK_MODEL from it. */
  MODEL_STORE_DIR: dataDir('models'),
  LOG_LEVEL: logLevel(),
  /** Budget of one PreRank/Rank when the caller sets no deadline. */
  RANKING_DEFAULT_DEADLINE_MS: durationMs(1000),
  /**
   * The ranking model: the newest version of this model-store name is served, an ONNX multi-task model
   * (`card.json` + `model.onnx`) or a multi-task logistic model (`model.json`).
   */
  RANKING_MODEL: modelName(DEFAULT_RANKING_MODEL),
  /**
   * The pre-rank model, scoring PreRank and Rank's cascade: a two-tower model (`card.json` with architecture
   * `two-tower`: user tower per call, item embeddings by item id) or a multi-task logistic model (`model.json`: its
   * pre-rank head over the ranking features).
   */
  RANKING_PRERANK_MODEL: modelName(DEFAULT_PRERANK_MODEL),
  /** Default fusion weights of an ONNX ranking model (its card carries none); a logistic model carries its own. */
  RANKING_FUSION_WEIGHTS: fusionWeights(DEFAULT_ONNX_FUSION),
  /** How often the model store is polled for a new model version. */
  RANKING_MODEL_POLL_MS: durationMs(2000),
  /** Candidates PreRank keeps when the request sets `limit` 0. */
  RANKING_PRERANK_LIMIT: z.coerce.number().int().min(1).max(5000).default(DEFAULT_PRERANK_LIMIT),
};

/** The ranking service's configuration. */
export type RankingConfig = ReturnType<typeof loadConfig>;

/** Parses the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig(shape, env, 'ranking');
}
