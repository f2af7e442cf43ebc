/** The ranking pipelines' query and candidate types (domain side; wire types stay in service.ts). */
import type { MultitaskLogisticModel } from '@recsys/algorithms';
import type { CandidateBase } from '@recsys/pipeline';

/** A model snapshot: one request scores every candidate with the same version. */
export interface LoadedModel {
  /** The model-store version it was loaded from (answered as `model_version`). */
  version: string;
  model: MultitaskLogisticModel;
}

/** What the scorer knows about the user: plain feature records, as they arrive over the wire. */
export interface UserContext {
  userId: string;
  /** User feature record (feature name → value). */
  features: Readonly<Record<string, number>>;
  /** Topic id → the user's affinity to it. */
  topicAffinity: Readonly<Record<string, number>>;
}

/** One PreRank or Rank call as the pipeline sees it. */
export interface RankingQuery {
  user: UserContext;
  /** Names of the item features, in the order of every candidate's `itemValues` (unique). */
  itemFeatureNames: readonly string[];
  /** The request's candidates, in request order. */
  candidates: readonly RankingCandidate[];
  model: LoadedModel;
  /** PreRank: candidates to keep. */
  limit: number;
  /** Rank: fusion weights per task (the model's, with the request's overrides applied). */
  fusion: Readonly<Record<string, number>>;
}

/** A candidate being scored. */
export interface RankingCandidate extends CandidateBase {
  /** Primary topic of the item. */
  topic: string;
  /** Item feature values, aligned with the query's `itemFeatureNames`, as sent by the caller. */
  itemValues: readonly number[];
  /** The ranking feature vector built from user and item records (set by the ranking-features hydrator). */
  features?: Readonly<Record<string, number>>;
  /** Pre-rank score (set by scorer/prerank-linear). */
  preRank?: number;
  /** Per-task probabilities (set by scorer/multitask-logistic). */
  tasks?: Readonly<Record<string, number>>;
  /** Fused ranking score (set by scorer/multitask-logistic). */
  rank?: number;
}
