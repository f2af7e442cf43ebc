/** The orchestrator's domain types: the query a Recommend request becomes and the candidates it ranks. */
import type { FeatureSnapshot } from '@recsys/contracts';
import type { Surface } from '@recsys/domain';
import type { ArmParams } from './experiments/layers';

/** Numeric features with the names that fell back to declared defaults. */
export interface Features {
  values: Record<string, number>;
  defaulted: string[];
}

/**
 * A candidate's item features: one row of the columns of the GetItemFeatures answer it was hydrated from.
 * `names` is that answer's list, the same array for every candidate of the answer, so a ranking request sends it
 * once and each candidate only its values.
 */
export interface ItemFeatureRow {
  /** Feature names, shared by every candidate hydrated from the same answer. */
  names: readonly string[];
  /** One value per entry of `names`, in that order. */
  values: readonly number[];
  /** Indexes into `names` of the values that are declared defaults. */
  defaulted: readonly number[];
  /** The feature state the answer was read from, shared like `names` (for the served-feature log). */
  snapshot?: FeatureSnapshot;
}

/** What the feature service knows about the requesting user. */
export interface UserView {
  known: boolean;
  features: Features;
  /** Most recent interactions first. */
  recentItemIds: string[];
  topicAffinity: Record<string, number>;
  /** The feature state the answer was read from (for the served-feature log). */
  snapshot?: FeatureSnapshot;
}

/** A Recommend request after validation and hydration. */
export interface RecommendQuery {
  requestId: string;
  userId: string;
  surface: Surface;
  context: { country: string; device: string; locale: string; recentItemIds: string[]; contextItemId: string };
  pageSize: number;
  overrides: Record<string, string>;
  debug: boolean;
  /** Request time, ms since the Unix epoch. */
  nowMs: number;
  /** Experiment arm per layer (set by the experiment hydrator). */
  arms: Record<string, string>;
  /** Parameters set by the arms. */
  params: ArmParams;
  /** Set by the user-feature hydrator; absent when the feature service degraded. */
  user?: UserView;
  /** Channel degradations reported by the recall service. */
  recallDegraded?: { stage: string; reason: string; fallback: string }[];
}

/** A recall channel that found a candidate, with its score. */
export interface ChannelHit {
  channel: string;
  score: number;
}

/** A candidate pin on its way through the orchestrator's pipeline. */
export interface PinCandidate {
  readonly id: string;
  channels: ChannelHit[];
  recallScore: number;
  preRankScore?: number;
  rankScore?: number;
  /** Per-task probabilities from the ranking model. */
  tasks?: Record<string, number>;
  /** Item features (set by the item-feature hydrator for every candidate, or for none when it degraded). */
  features?: ItemFeatureRow;
  known?: boolean;
  creatorId?: string;
  topic?: string;
  aspectRatio?: number;
  unsafe?: boolean;
  /** Grid column; set by re-ranking. */
  column?: number;
  /** Position on the page after re-ranking. */
  rerankScore?: number;
}

/** The best score a candidate has so far: rank, else pre-rank, else recall. */
export function bestScore(c: PinCandidate): number {
  return c.rankScore ?? c.preRankScore ?? c.recallScore;
}
