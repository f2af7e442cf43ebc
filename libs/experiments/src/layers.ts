/**
 * Experiment layers (overlapping experiments, Tang et al. 2010): each layer splits users into buckets by a hash of
 * (the layer's salt, user id); each arm owns a bucket range and sets request parameters. Layers hash with different
 * salts, so they are independent and a user is in one arm of every layer; a parameter may be set by the arms of one
 * layer only, so arms of different layers never fight over it. A global holdout, hashed with its own salt, keeps a
 * share of users out of every layer (they get the defaults and are logged as arm `holdout` of each layer).
 */
import { bucketOf, type FusionRule } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';

/** Parameters an arm may set for a request; each is used by the stage named. */
export interface ArmParams {
  /** Fusion weights per ranking task, overriding those of the rule in effect: `fusion`, the surface's, or the model's (ranking). */
  fusionWeights?: Record<string, number>;
  /** The fusion rule (weighted sum or product, docs/experiments.md), replacing the surface's (ranking). */
  fusion?: FusionRule;
  /** Recall quotas per channel, overriding the recall service's (recall). */
  channelQuotas?: Record<string, number>;
  /** Candidates asked of recall (orchestrator, default `RECALL_LIMIT`). */
  recallLimit?: number;
  /** Candidates kept by pre-ranking and ranked by the multi-task model (ranking, default `PRERANK_LIMIT`). */
  preRankLimit?: number;
}

/** The parameter names an arm may set. */
export const ARM_PARAM_NAMES = ['fusionWeights', 'fusion', 'channelQuotas', 'recallLimit', 'preRankLimit'] as const satisfies readonly (keyof ArmParams)[];

/** One arm: a half-open bucket range [from, to). */
export interface Arm {
  name: string;
  from: number;
  to: number;
  params: ArmParams;
}

/** One layer of experiments. */
export interface Layer {
  name: string;
  /** Salt of the layer's hash (default: the layer's name). A new salt reshuffles the layer's users. */
  salt?: string;
  buckets: number;
  arms: Arm[];
}

/** Users kept out of every experiment: `percent` of them by a hash of (salt, user id). */
export interface Holdout {
  salt: string;
  /** Share of users held out, in percent with up to two decimals (0–50). */
  percent: number;
}

/** The experiments running: layers and an optional global holdout. */
export interface ExperimentConfig {
  holdout?: Holdout;
  layers: Layer[];
}

/** Arm name logged for a held-out user in every layer; no configured arm may use it. */
export const HOLDOUT_ARM = 'holdout';

/** Buckets of the holdout hash (percent with two decimals). */
const HOLDOUT_BUCKETS = 10_000;

/** The assignment of one request: arm name per layer and the merged parameters. */
export interface Assignment {
  arms: Record<string, string>;
  params: ArmParams;
  /** Whether the user is in the global holdout. */
  heldOut: boolean;
}

/** Whether `userId` is in the global holdout of `config`. */
export function isHeldOut(config: ExperimentConfig, userId: string): boolean {
  const h = config.holdout;
  return h !== undefined && h.percent > 0 && bucketOf(userId, h.salt, HOLDOUT_BUCKETS) < Math.round(h.percent * 100);
}

/** The bucket of `userId` in `layer` (hash of the layer's salt and the user id). */
export function layerBucket(layer: Layer, userId: string): number {
  return bucketOf(userId, layer.salt ?? layer.name, layer.buckets);
}

/**
 * Assigns a user to one arm per layer (deterministic in the user id), honouring overrides: an override names the arm
 * of a layer whatever the user's bucket (also for a held-out user). A user whose bucket no arm of a layer covers is in
 * no arm of it (not logged for that layer). Throws INVALID_ARGUMENT for an override naming an unknown layer or arm.
 */
export function assignArms(config: ExperimentConfig, userId: string, overrides: Record<string, string>): Assignment {
  const { layers } = config;
  for (const [layer, arm] of Object.entries(overrides)) {
    const known = layers.find((l) => l.name === layer);
    if (!known) throw RecsysError.badRequest(`experiment_overrides[${layer}]`, `unknown layer; known: ${layers.map((l) => l.name).join(', ') || '(none)'}`);
    if (!known.arms.some((a) => a.name === arm)) {
      throw RecsysError.badRequest(`experiment_overrides[${layer}]`, `unknown arm "${arm}"; known: ${known.arms.map((a) => a.name).join(', ')}`);
    }
  }
  const heldOut = isHeldOut(config, userId);
  const arms: Record<string, string> = {};
  let params: ArmParams = {};
  for (const layer of layers) {
    const forced = overrides[layer.name];
    let arm: Arm | undefined;
    if (forced !== undefined) arm = layer.arms.find((a) => a.name === forced);
    else if (!heldOut) {
      const bucket = layerBucket(layer, userId);
      arm = layer.arms.find((a) => bucket >= a.from && bucket < a.to);
    }
    if (arm) {
      arms[layer.name] = arm.name;
      params = { ...params, ...arm.params };
    } else if (heldOut) {
      arms[layer.name] = HOLDOUT_ARM;
    }
  }
  return { arms, params, heldOut };
}

/** Share of all users an arm receives: its bucket range over the layer's buckets, times the share not held out. */
export function armShare(config: ExperimentConfig, layer: Layer, arm: Arm): number {
  const inExperiments = 1 - (config.holdout ? Math.round(config.holdout.percent * 100) / HOLDOUT_BUCKETS : 0);
  return ((arm.to - arm.from) / layer.buckets) * inExperiments;
}
