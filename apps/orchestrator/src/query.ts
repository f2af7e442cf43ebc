/**
 * The orchestrator's domain types: the query a Recommend request becomes and the candidates it ranks. A candidate is
 * small: it points at its row of the columnar answers it came with (recall's, the feature service's) instead of
 * copying them, and reads them through the accessors below.
 */
import type { Dictionary, FeatureSnapshot } from '@recsys/contracts';
import type { Surface } from '@recsys/domain';
import type { ArmParams } from '@recsys/experiments';

/** Numeric features with the names that fell back to declared defaults. */
export interface Features {
  values: Record<string, number>;
  defaulted: string[];
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
  /** Set by the feature hydrator; absent when the feature service degraded. */
  user?: UserView;
}

/** A recall channel that found a candidate, with its score. */
export interface ChannelHit {
  channel: string;
  score: number;
}

/** Recall's answer as columns, one row per candidate (see RecallColumnsResponse). */
export interface RecallBatch {
  itemIds: readonly string[];
  recallScores: Float64Array;
  channelNames: readonly string[];
  /** The hits of row i are entries [hitEnds[i − 1], hitEnds[i]) of `hitChannels` and `hitScores`. */
  hitEnds: Uint32Array;
  hitChannels: Uint8Array;
  hitScores: Float64Array;
}

/** The feature service's answer for the items as columns, one row per requested item (see GetFeatureColumnsResponse). */
export interface ItemFeatureBatch {
  /** The feature columns of `values`. */
  names: readonly string[];
  rows: number;
  /** Row-major `rows × names.length`. */
  values: Float32Array;
  /** Bit `row × names.length + column` set: that value is a declared default. */
  defaulted: Uint8Array;
  known: Uint8Array;
  creators: Dictionary;
  topics: Dictionary;
  aspectRatios: Float32Array;
  unsafe: Uint8Array;
  /** The feature state the answer was read from (for the served-feature log). */
  snapshot?: FeatureSnapshot;
}

/** The ranking model's probability of each task for one candidate. */
export interface TaskScores {
  names: readonly string[];
  values: ArrayLike<number>;
}

/** A candidate pin on its way through the orchestrator's pipeline. */
export interface PinCandidate {
  readonly id: string;
  /** The recall answer the candidate came with, and its row there. */
  readonly recall: RecallBatch;
  readonly recallRow: number;
  recallScore: number;
  /** The item-feature answer and the candidate's row there (set by the feature hydrator for every candidate, or for none when it degraded). */
  features?: ItemFeatureBatch;
  featureRow?: number;
  preRankScore?: number;
  rankScore?: number;
  /** Per-task probabilities from the ranking model. */
  tasks?: TaskScores;
  /** Grid column; set by re-ranking or the page's fallback layout. */
  column?: number;
  /** Score by page position after re-ranking. */
  rerankScore?: number;
}

/** The best score a candidate has so far: rank, else pre-rank, else recall. */
export function bestScore(c: PinCandidate): number {
  return c.rankScore ?? c.preRankScore ?? c.recallScore;
}

/** Every recall channel that found the candidate, with its score, in recall's order. */
export function channelsOf(c: PinCandidate): ChannelHit[] {
  const { recall, recallRow: row } = c;
  const start = row === 0 ? 0 : recall.hitEnds[row - 1];
  const hits: ChannelHit[] = [];
  for (let h = start; h < recall.hitEnds[row]; h++) hits.push({ channel: recall.channelNames[recall.hitChannels[h]], score: recall.hitScores[h] });
  return hits;
}

const valueOf = (d: Dictionary, row: number): string => d.values[d.indexes[row]];

/** The candidate's creator ('' without item features). */
export function creatorOf(c: PinCandidate): string {
  return c.features && c.featureRow !== undefined ? valueOf(c.features.creators, c.featureRow) : '';
}

/** The candidate's primary topic ('' without item features). */
export function topicOf(c: PinCandidate): string {
  return c.features && c.featureRow !== undefined ? valueOf(c.features.topics, c.featureRow) : '';
}

/** The candidate's image aspect ratio (1 when unknown). */
export function aspectRatioOf(c: PinCandidate): number {
  return (c.features && c.featureRow !== undefined && c.features.aspectRatios[c.featureRow]) || 1;
}

/** Whether the candidate is flagged unsafe (false without item features: recall serves only safe items). */
export function unsafeOf(c: PinCandidate): boolean {
  return c.features !== undefined && c.featureRow !== undefined && c.features.unsafe[c.featureRow] !== 0;
}

/** The candidate's task probabilities keyed by task. */
export function tasksOf(c: PinCandidate): Record<string, number> {
  const out: Record<string, number> = {};
  if (c.tasks) c.tasks.names.forEach((name, t) => (out[name] = c.tasks?.values[t] ?? 0));
  return out;
}
