/** The ranking pipelines' query and candidate types (domain side; wire types stay in service.ts). */
import type { FeatureMatrix, MultitaskLogisticModel } from '@recsys/algorithms';
import type { ItemInputBatch, RankingItemInput } from '@recsys/features';
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

/**
 * The candidates of one PreRank or Rank call as columns, one row each: their item features (row-major, columns named
 * by `names`) and primary topics, and — from the per-candidate RPCs — their item ids.
 */
export interface ScoringBatch extends ItemInputBatch {
  /** Item id of each row; absent for the columnar RPCs, whose rows are identified by number. */
  itemIds?: readonly string[];
}

/** One PreRank or Rank call as the pipeline sees it. */
export interface RankingQuery {
  user: UserContext;
  /** The candidates, in request order. */
  batch: ScoringBatch;
  model: LoadedModel;
  /** PreRank: candidates to keep. Rank: candidates ranked after the pre-rank budget (all of them unless it pre-ranks). */
  limit: number;
  /** Rank: fusion weights per task (the model's, with the request's overrides applied). */
  fusion: Readonly<Record<string, number>>;
  /** The ranking features of every row of `batch` (set by the ranking-features query hydrator). */
  features?: FeatureMatrix;
  /** Item inputs of the ranking features the batch does not carry: they took their declared defaults (same hydrator). */
  missingInputs?: readonly RankingItemInput[];
}

/** A candidate being scored: one row of the query's batch. */
export interface RankingCandidate extends CandidateBase {
  /** The candidate's row in the query's batch (and in `query.features`). */
  row: number;
  /** Pre-rank score (set by scorer/prerank-linear). */
  preRank?: number;
  /** Per-task probabilities in `taskNames(model)` order (set by scorer/multitask-logistic). */
  tasks?: Float64Array;
  /** Fused ranking score (set by scorer/multitask-logistic). */
  rank?: number;
}
