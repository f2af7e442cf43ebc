/** The orchestrator's environment schema, parsed once at start. */
import { parseFusionRule, type FusionRule } from '@recsys/algorithms';
import { address, backend, dataDir, durationMs, kafkaBrokers, logLevel, parseConfig, port } from '@recsys/config';
import { SURFACES, type Surface } from '@recsys/domain';
import { z } from 'zod';

/**
 * The fusion rule of each surface: a JSON object of surface → `{ kind, weights, negative? }` (docs/experiments.md), e.g.
 * `{"related_pins":{"kind":"product","weights":{"click":1,"save":1,"hide":10}}}`. A surface without one (and every
 * surface when empty) is ranked with the ranking model's default weighted sum; an experiment arm's `fusion` replaces it.
 */
function fusionRules() {
  return z
    .string()
    .default('')
    .transform((text, ctx): Partial<Record<Surface, FusionRule>> => {
      if (text.trim() === '') return {};
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not JSON (${(error as Error).message})` });
        return z.NEVER;
      }
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'expected a JSON object of surface → fusion rule' });
        return z.NEVER;
      }
      const rules: Partial<Record<Surface, FusionRule>> = {};
      for (const [surface, value] of Object.entries(json)) {
        if (!(SURFACES as readonly string[]).includes(surface)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, path: [surface], message: `not a surface (${SURFACES.join(', ')})` });
          continue;
        }
        const parsed = parseFusionRule(value);
        if ('rule' in parsed) rules[surface as Surface] = parsed.rule;
        else for (const problem of parsed.problems) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [surface, ...problem.path], message: problem.message });
      }
      return rules;
    });
}

const shape = {
  GRPC_PORT: port(50051),
  RECALL_ADDR: address('127.0.0.1:50052'),
  FEATURE_ADDR: address('127.0.0.1:50053'),
  RANKING_ADDR: address('127.0.0.1:50054'),
  RERANKING_ADDR: address('127.0.0.1:50055'),
  /** Budget of a whole Recommend when the client sets no tighter deadline. */
  RECOMMEND_TIMEOUT_MS: durationMs(400),
  RECALL_TIMEOUT_MS: durationMs(150),
  FEATURE_TIMEOUT_MS: durationMs(100),
  RANKING_TIMEOUT_MS: durationMs(150),
  RERANKING_TIMEOUT_MS: durationMs(100),
  /** Candidates kept after pre-ranking and sent to the ranking model. */
  PRERANK_LIMIT: z.coerce.number().int().min(1).max(2000).default(500),
  /**
   * The experiment configuration (JSON: layers, arms, holdout; docs/experiments.md), polled for changes. Empty: no
   * experiments.
   */
  EXPERIMENTS_FILE: z.string().default(''),
  /** The fusion rule of each surface (JSON, see {@link fusionRules}); empty: the ranking model's weighted sum everywhere. */
  FUSION_RULES: fusionRules(),
  /** Candidates asked of recall. */
  RECALL_LIMIT: z.coerce.number().int().min(1).max(5000).default(1500),
  /**
   * `embedded` (default): the event bus is the file log in `<RECSYS_DATA_DIR>/bus`; `redis-kafka`: Kafka at
   * KAFKA_BROKERS (the orchestrator publishes engagement, catalog and served events; it reads no feature store).
   */
  RECSYS_BACKEND: backend(),
  KAFKA_BROKERS: kafkaBrokers(),
  /** Local state directory (embedded backend). */
  RECSYS_DATA_DIR: dataDir('.data'),
  LOG_LEVEL: logLevel(),
};

/** The orchestrator's configuration. */
export type OrchestratorConfig = ReturnType<typeof loadConfig>;

/** Parses the environment; throws a ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig(shape, env, 'orchestrator');
}
