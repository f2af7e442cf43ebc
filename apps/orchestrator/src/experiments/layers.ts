/**
 * Experiment layers: each layer splits users into buckets by a hash of (layer, user id); each arm owns a bucket
 * range and sets request parameters. Layers are independent, so a user is in one arm of every layer.
 */
import { bucketOf } from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';

/** Parameters an arm may set for a request. */
export interface ArmParams {
  /** Fusion weights per ranking task, overriding the model's. */
  fusionWeights?: Record<string, number>;
  /** Recall quotas per channel, overriding the recall service's. */
  channelQuotas?: Record<string, number>;
}

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
  buckets: number;
  arms: Arm[];
}

/** The experiments running by default. */
export const DEFAULT_LAYERS: readonly Layer[] = [
  {
    name: 'fusion',
    buckets: 100,
    arms: [
      { name: 'control', from: 0, to: 50, params: {} },
      // Weighs saves higher than clicks: the long-term signal on a content platform.
      { name: 'save-heavy', from: 50, to: 100, params: { fusionWeights: { click: 1, save: 4, hide: -4 } } },
    ],
  },
];

/** The assignment of one request: arm name per layer and the merged parameters. */
export interface Assignment {
  arms: Record<string, string>;
  params: ArmParams;
}

/**
 * Assigns a user to one arm per layer (deterministic in the user id), honouring overrides.
 * Throws INVALID_ARGUMENT for an override naming an unknown layer or arm.
 */
export function assignArms(layers: readonly Layer[], userId: string, overrides: Record<string, string>): Assignment {
  for (const [layer, arm] of Object.entries(overrides)) {
    const known = layers.find((l) => l.name === layer);
    if (!known) throw RecsysError.badRequest(`experiment_overrides[${layer}]`, `unknown layer; known: ${layers.map((l) => l.name).join(', ')}`);
    if (!known.arms.some((a) => a.name === arm)) {
      throw RecsysError.badRequest(`experiment_overrides[${layer}]`, `unknown arm "${arm}"; known: ${known.arms.map((a) => a.name).join(', ')}`);
    }
  }
  const arms: Record<string, string> = {};
  let params: ArmParams = {};
  for (const layer of layers) {
    const bucket = bucketOf(userId, layer.name, layer.buckets);
    const arm = layer.arms.find((a) => a.name === overrides[layer.name]) ?? layer.arms.find((a) => bucket >= a.from && bucket < a.to);
    if (!arm) continue;
    arms[layer.name] = arm.name;
    params = { ...params, ...arm.params };
  }
  return { arms, params };
}
