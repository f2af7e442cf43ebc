/** The ranking pipelines' query and candidate types (domain side; wire types stay in service.ts). */
import type { FeatureMatrix, FusionRule, FusionTask, MultitaskLogisticModel } from '@recsys/algorithms';
import type { ItemInputBatch } from '@recsys/features';
import type { InputPlan, OnnxModel, TwoTowerModel } from '@recsys/models';
import type { CandidateBase } from '@recsys/pipeline';

/** A two-tower model (docs/model-card.md) pre-ranking by the dot product of the user's and the items' embeddings. */
export interface LoadedTwoTowerModel {
  kind: 'two-tower';
  name: string;
  version: string;
  model: TwoTowerModel;
  /** Item features the pre-rank reads: none (item embeddings are looked up by item id). */
  itemFeatures: readonly string[];
}

/** What every loaded model version holds besides the model itself. */
interface LoadedVersion {
  /** The model-store name it was loaded from. */
  name: string;
  /** The model-store version it was loaded from (answered as `model_version`). */
  version: string;
  /** The model's tasks, in the order of a candidate's `tasks` (e.g. click, save, hide, dwell). */
  tasks: readonly string[];
  /** Default fusion weight per task (a request's `fusion_weights` override them); a task without one weighs 0. */
  fusion: Readonly<Record<string, number>>;
  /** The item features scoring with this model reads, by name (the RankColumns answer's `model_feature_names`). */
  itemFeatures: readonly string[];
}

/** A multi-task logistic model (`model.json`): task heads, the pre-rank head and its own fusion weights. */
export interface LoadedLogisticModel extends LoadedVersion {
  kind: 'logistic';
  model: MultitaskLogisticModel;
}

/** A deep multi-task model (`card.json` + `model.onnx`, docs/model-card.md) and where its input columns come from. */
export interface LoadedOnnxModel extends LoadedVersion {
  kind: 'onnx';
  model: OnnxModel;
  plan: InputPlan;
}

/** A ranking model version: one call scores every candidate with the same one. */
export type LoadedModel = LoadedLogisticModel | LoadedOnnxModel;

/** The kinds of ranking model the service serves. */
export type RankModelKind = LoadedModel['kind'];

/** A pre-rank model version: the pre-rank head of a multi-task logistic model, or a two-tower model. */
export type LoadedPreRankModel = LoadedLogisticModel | LoadedTwoTowerModel;

/** The kinds of pre-rank model the service serves. */
export type PreRankModelKind = LoadedPreRankModel['kind'];

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
  /** Item id of each row: from the per-candidate RPCs, and from a columnar request that sends them (`item_ids`). */
  itemIds?: readonly string[];
}

/** One PreRank or Rank call as the pipeline sees it. */
export interface RankingQuery {
  user: UserContext;
  /** The candidates, in request order. */
  batch: ScoringBatch;
  /** The ranking model (Rank). */
  model: LoadedModel;
  /** The model that scores the pre-rank stage (PreRank, and Rank's cascade). */
  preRank: LoadedPreRankModel;
  /** PreRank: candidates to keep. Rank: candidates ranked after the pre-rank budget (all of them unless it pre-ranks). */
  limit: number;
  /**
   * Rank: the fusion rule of the call (the request's, else the weighted sum of the model's default weights; the
   * request's weight overrides applied) and how each of the model's predictions reads, in `model.tasks` order.
   */
  fusion: { rule: FusionRule; tasks: readonly FusionTask[] };
  /** The ranking features of every row of `batch` (set by the ranking-features query hydrator). */
  features?: FeatureMatrix;
}

/** A candidate being scored: one row of the query's batch. */
export interface RankingCandidate extends CandidateBase {
  /** The candidate's row in the query's batch (and in `query.features`). */
  row: number;
  /** Pre-rank score (set by the pre-rank scorer: scorer/prerank-linear or scorer/prerank-two-tower). */
  preRank?: number;
  /**
   * Per-task predictions in `model.tasks` order (set by the rank scorer): a probability, or for a regression task
   * (e.g. dwell) the predicted value in its unit.
   */
  tasks?: Float64Array;
  /** Fused ranking score under the query's fusion rule (set by the rank scorer). */
  rank?: number;
}
