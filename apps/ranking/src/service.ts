/** RankingService binding: validates PreRank/Rank requests, maps wire ⇄ domain, runs the ranking pipelines. */
import { fusionRuleField, fusionRuleProblems, predictionScale, withFusionWeights, type FusionRule, type FusionTask } from '@recsys/algorithms';
import {
  FusionKind,
  RankingServiceService,
  columnBytes,
  float32MatrixToWire,
  readDictionary,
  readFloat32Matrix,
  type Candidate,
  type FusionRule as WireFusionRule,
  type PreRankRequest,
  type PreRankResponse,
  type RankColumnsRequest,
  type RankColumnsResponse,
  type RankRequest,
  type RankResponse,
  type ScoringCandidate,
  type ScoringColumns,
  type StageScores,
  type UserScoringContext,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import type { CallContext, ServiceBinding } from '@recsys/grpc';
import { executePipeline, type PipelineDefinition } from '@recsys/pipeline';
import type { ModelHolder, ModelLease } from './model-holder';
import type { LoadedModel, LoadedPreRankModel, PreRankModelKind, RankModelKind, RankingCandidate, RankingQuery, ScoringBatch, UserContext } from './types';

/** Request limits of PreRank and Rank. */
export const RANKING_LIMITS = Object.freeze({
  maxPreRankCandidates: 5000,
  maxRankCandidates: 2000,
  maxItemIdLength: 128,
  maxFeatureNames: 1000,
  maxFeatureNameLength: 128,
});

/** What the binding needs. */
export interface RankingServiceDeps {
  /** The ranking model (RANKING_MODEL) and the pre-rank model (RANKING_PRERANK_MODEL); each call holds one of each. */
  models: { rank: Pick<ModelHolder<LoadedModel>, 'acquire'>; preRank: Pick<ModelHolder<LoadedPreRankModel>, 'acquire'> };
  /** The PreRank pipeline of each kind of pre-rank model. */
  preRank: Readonly<Record<PreRankModelKind, PipelineDefinition<RankingQuery, RankingCandidate>>>;
  /** The Rank pipeline of each kind of ranking model and of pre-rank model. */
  rank: Readonly<Record<RankModelKind, Readonly<Record<PreRankModelKind, PipelineDefinition<RankingQuery, RankingCandidate>>>>>;
  /** Candidates PreRank keeps when the request sets `limit` 0. */
  defaultPrerankLimit: number;
  /** Budget of a call that carries no deadline, ms. */
  defaultDeadlineMs: number;
}

/** Throws bad-request for the first non-finite value of a wire map. */
function checkFinite(field: string, values: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value)) throw RecsysError.badRequest(`${field}.${name}`, `must be a finite number, got ${value}`);
  }
}

/** Validates the request's item feature names: at most 1000, each non-empty, at most 128 characters, unique. */
export function validateFeatureNames(names: readonly string[]): void {
  if (names.length > RANKING_LIMITS.maxFeatureNames) {
    throw RecsysError.badRequest('feature_names', `at most ${RANKING_LIMITS.maxFeatureNames} names, got ${names.length}`);
  }
  const firstIndex = new Map<string, number>();
  names.forEach((name, j) => {
    const field = `feature_names[${j}]`;
    if (name.length === 0) throw RecsysError.badRequest(field, 'must not be empty');
    if (name.length > RANKING_LIMITS.maxFeatureNameLength) {
      throw RecsysError.badRequest(field, `at most ${RANKING_LIMITS.maxFeatureNameLength} characters, got ${name.length}`);
    }
    const earlier = firstIndex.get(name);
    if (earlier !== undefined) throw RecsysError.badRequest(field, `duplicate of feature_names[${earlier}] ("${name}")`);
    firstIndex.set(name, j);
  });
}

/** Validates the user context of a scoring request: every value finite. */
function validateUser(user: UserScoringContext | undefined): void {
  if (user) {
    checkFinite('user.features.values', user.features?.values ?? {});
    checkFinite('user.topic_affinity', user.topicAffinity);
  }
}

/**
 * Validates the user context, item feature names and candidates shared by PreRank and Rank; throws bad-request
 * naming the field. Every candidate carries exactly one finite value per feature name. O(candidates · names).
 */
export function validateScoringRequest(
  user: UserScoringContext | undefined,
  featureNames: readonly string[],
  candidates: readonly ScoringCandidate[],
  maxCandidates: number,
): void {
  if (candidates.length > maxCandidates) {
    throw RecsysError.badRequest('candidates', `at most ${maxCandidates} candidates, got ${candidates.length}`);
  }
  validateUser(user);
  validateFeatureNames(featureNames);
  const firstIndex = new Map<string, number>();
  candidates.forEach((c, i) => {
    const id = c.candidate?.itemId ?? '';
    const field = `candidates[${i}].candidate.item_id`;
    if (id.length === 0) throw RecsysError.badRequest(field, 'must not be empty');
    if (id.length > RANKING_LIMITS.maxItemIdLength) {
      throw RecsysError.badRequest(field, `at most ${RANKING_LIMITS.maxItemIdLength} characters, got ${id.length}`);
    }
    const earlier = firstIndex.get(id);
    if (earlier !== undefined) throw RecsysError.badRequest(field, `duplicate of candidates[${earlier}] ("${id}")`);
    firstIndex.set(id, i);
    const values = c.featureValues;
    if (values.length !== featureNames.length) {
      throw RecsysError.badRequest(
        `candidates[${i}].feature_values`,
        `must have one value per feature_names entry (${featureNames.length}), got ${values.length}`,
      );
    }
    for (let j = 0; j < values.length; j++) {
      if (!Number.isFinite(values[j])) {
        throw RecsysError.badRequest(`candidates[${i}].feature_values[${j}]`, `must be a finite number, got ${values[j]} (feature ${featureNames[j]})`);
      }
    }
  });
}

/** How each prediction of `loaded` reads, in `loaded.tasks` order: a logistic model's are probabilities. */
function fusionTasks(loaded: LoadedModel): FusionTask[] {
  if (loaded.kind === 'logistic') return loaded.tasks.map((name) => ({ name, scale: 'probability' }));
  return loaded.model.card.outputs.map((output) => ({ name: output.task, scale: predictionScale(output.kind, output.unit) }));
}

/**
 * The fusion of a Rank call: the request's `fusion_rule` (else the weighted sum of the model's default weights) with its
 * `fusion_weights` overriding the rule's, checked against the model's tasks. Throws bad-request naming the field
 * (`fusion_weights.<task>` for an override at fault, `fusion_rule.…` otherwise).
 */
export function fusionOf(request: { fusionRule?: WireFusionRule; fusionWeights: Readonly<Record<string, number>> }, loaded: LoadedModel): RankingQuery['fusion'] {
  const wire = request.fusionRule;
  let base: FusionRule = { kind: 'sum', weights: loaded.fusion };
  if (wire !== undefined) {
    const kind = wire.kind === FusionKind.FUSION_KIND_SUM ? 'sum' : wire.kind === FusionKind.FUSION_KIND_PRODUCT ? 'product' : undefined;
    if (kind === undefined) throw RecsysError.badRequest('fusion_rule.kind', `must be FUSION_KIND_SUM or FUSION_KIND_PRODUCT, got ${wire.kind}`);
    base = { kind, weights: wire.weights, ...(wire.negative.length > 0 ? { negative: wire.negative } : {}) };
  }
  const rule = withFusionWeights(base, request.fusionWeights);
  const tasks = fusionTasks(loaded);
  const [problem] = fusionRuleProblems(rule, { tasks, model: `model ${loaded.version}` });
  if (problem !== undefined) {
    const [part, name] = problem.path;
    const overridden = part === 'weights' && Object.hasOwn(request.fusionWeights, name);
    throw RecsysError.badRequest(overridden ? `fusion_weights.${name}` : `fusion_rule.${fusionRuleField(problem.path)}`, problem.message);
  }
  return { rule, tasks };
}

/** The fusion of a PreRank call, which fuses nothing. */
const NO_FUSION: RankingQuery['fusion'] = { rule: { kind: 'sum', weights: {} }, tasks: [] };

/**
 * The batch of a columnar request, validated: feature names as for PreRank/Rank, at most `maxRows` rows, a
 * `rows × feature_names` matrix of finite values and one topic per row. Throws bad-request naming the field.
 * O(rows · names).
 */
export function batchOfColumns(columns: ScoringColumns | undefined, maxRows: number): ScoringBatch {
  const names = columns?.featureNames ?? [];
  validateFeatureNames(names);
  const matrix = readFloat32Matrix(columns?.itemFeatures, undefined, names.length, 'candidates.item_features');
  if (matrix.rows > maxRows) throw RecsysError.badRequest('candidates', `at most ${maxRows} candidates, got ${matrix.rows}`);
  const values = matrix.values;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      const row = Math.floor(i / names.length);
      const column = i % names.length;
      throw RecsysError.badRequest('candidates.item_features', `row ${row}, column ${column} (${names[column]}) must be a finite number, got ${values[i]}`);
    }
  }
  const topics = readDictionary(columns?.topics, matrix.rows, 'candidates.topics');
  const ids = columns?.itemIds ?? [];
  if (ids.length === 0) return { names, rows: matrix.rows, values, topics: topics.values, topicIndexes: topics.indexes };
  if (ids.length !== matrix.rows) throw RecsysError.badRequest('candidates.item_ids', `one per row (${matrix.rows}) or none, got ${ids.length}`);
  ids.forEach((id, r) => {
    if (id.length === 0 || id.length > RANKING_LIMITS.maxItemIdLength) {
      throw RecsysError.badRequest(`candidates.item_ids[${r}]`, `must be 1 to ${RANKING_LIMITS.maxItemIdLength} characters, got ${id.length}`);
    }
  });
  return { names, rows: matrix.rows, values, topics: topics.values, topicIndexes: topics.indexes, itemIds: ids };
}

/** The batch of a per-candidate request (already validated by {@link validateScoringRequest}), keeping the item ids. */
function batchOfCandidates(featureNames: readonly string[], candidates: readonly ScoringCandidate[]): ScoringBatch {
  const width = featureNames.length;
  const values = new Float64Array(candidates.length * width);
  const topics: string[] = [];
  const topicIndex = new Map<string, number>();
  const topicIndexes = new Uint32Array(candidates.length);
  candidates.forEach((c, r) => {
    values.set(c.featureValues, r * width);
    let t = topicIndex.get(c.topic);
    if (t === undefined) topicIndex.set(c.topic, (t = topics.push(c.topic) - 1));
    topicIndexes[r] = t;
  });
  return { names: featureNames, rows: candidates.length, values, topics, topicIndexes, itemIds: candidates.map((c) => (c.candidate as Candidate).itemId) };
}

function userContextOf(user: UserScoringContext | undefined): UserContext {
  return { userId: user?.userId ?? '', features: user?.features?.values ?? {}, topicAffinity: user?.topicAffinity ?? {} };
}

const EMPTY_SCORES: StageScores = { recall: 0, preRank: 0, rank: 0, rerank: 0, tasks: {} };

/** The wire candidate with some stage scores replaced (channels and explanation pass through). */
function withScores(original: Candidate, scores: Partial<StageScores>): Candidate {
  return { ...original, scores: { ...(original.scores ?? EMPTY_SCORES), ...scores } };
}

/**
 * What a RankColumns answer tells the caller about the item features the call read: those the pre-rank model reads
 * (the ranking item inputs for a logistic head, none for a two-tower model) and those the ranking model reads, and which
 * of them the batch did not carry (they took their declared defaults).
 */
function modelInputs(models: { rank: LoadedModel; preRank: LoadedPreRankModel }, batch: ScoringBatch): { modelFeatureNames: string[]; missingFeatures: string[] } {
  const names = [...new Set<string>([...models.preRank.itemFeatures, ...models.rank.itemFeatures])];
  const carried = new Set(batch.names);
  return { modelFeatureNames: names, missingFeatures: names.filter((name) => !carried.has(name)) };
}

/** The models of one call (one lease each, released when the call ends). */
interface CallModels {
  rank: ModelLease<LoadedModel>;
  preRank: ModelLease<LoadedPreRankModel>;
}

/** The RankingService binding: the per-candidate RPCs and their columnar twins run the same pipelines. */
export function rankingService(deps: RankingServiceDeps): ServiceBinding {
  const run = async (pipeline: PipelineDefinition<RankingQuery, RankingCandidate>, query: RankingQuery, ctx: CallContext) => {
    const deadlineMs = Number.isFinite(ctx.deadlineMs) ? ctx.deadlineMs : Date.now() + deps.defaultDeadlineMs;
    return executePipeline(pipeline, query, { deadlineMs, signal: ctx.signal });
  };

  /**
   * Runs `call` with the current models, held until it settles: a model swapped out meanwhile is released only after.
   */
  const withModels = async <T>(call: (models: { rank: LoadedModel; preRank: LoadedPreRankModel }) => Promise<T>): Promise<T> => {
    const leases: Partial<CallModels> = {};
    try {
      leases.rank = deps.models.rank.acquire();
      leases.preRank = deps.models.preRank.acquire();
      return await call({ rank: leases.rank.model, preRank: leases.preRank.model });
    } finally {
      leases.rank?.release();
      leases.preRank?.release();
    }
  };

  /** PreRank of a batch: the kept candidates, best first. */
  const preRankBatch = (
    user: UserScoringContext | undefined,
    batch: ScoringBatch,
    limit: number,
    models: { rank: LoadedModel; preRank: LoadedPreRankModel },
    ctx: CallContext,
  ) =>
    run(
      deps.preRank[models.preRank.kind],
      { user: userContextOf(user), batch, model: models.rank, preRank: models.preRank, limit: limit === 0 ? deps.defaultPrerankLimit : limit, fusion: NO_FUSION },
      ctx,
    );

  /** Rank of a batch: the candidates ranked (the best `budget` by pre-rank score; every row without a budget), best first. */
  const rankBatch = (
    user: UserScoringContext | undefined,
    batch: ScoringBatch,
    fusion: RankingQuery['fusion'],
    budget: number | undefined,
    models: { rank: LoadedModel; preRank: LoadedPreRankModel },
    ctx: CallContext,
  ) =>
    run(
      deps.rank[models.rank.kind][models.preRank.kind],
      { user: userContextOf(user), batch, model: models.rank, preRank: models.preRank, limit: budget ?? batch.rows, fusion },
      ctx,
    );

  const preRank = (request: PreRankRequest, ctx: CallContext): Promise<PreRankResponse> =>
    withModels(async (models) => {
      validateScoringRequest(request.user, request.featureNames, request.candidates, RANKING_LIMITS.maxPreRankCandidates);
      const version = models.preRank.version;
      if (request.candidates.length === 0) return { candidates: [], modelVersion: version };
      const result = await preRankBatch(request.user, batchOfCandidates(request.featureNames, request.candidates), request.limit, models, ctx);
      return {
        candidates: result.candidates.map((c) => withScores(request.candidates[c.row].candidate as Candidate, { preRank: c.preRank ?? 0 })),
        modelVersion: version,
      };
    });

  const rank = (request: RankRequest, ctx: CallContext): Promise<RankResponse> =>
    withModels(async (models) => {
      validateScoringRequest(request.user, request.featureNames, request.candidates, RANKING_LIMITS.maxRankCandidates);
      const model = models.rank;
      const fusion = fusionOf(request, model);
      if (request.candidates.length === 0) return { candidates: [], modelVersion: model.version };
      const result = await rankBatch(request.user, batchOfCandidates(request.featureNames, request.candidates), fusion, undefined, models, ctx);
      const tasks = model.tasks;
      return {
        candidates: result.candidates.map((c) =>
          withScores(request.candidates[c.row].candidate as Candidate, {
            rank: c.rank ?? 0,
            tasks: Object.fromEntries(tasks.map((task, t) => [task, c.tasks?.[t] ?? 0])),
          }),
        ),
        modelVersion: model.version,
      };
    });

  const rankColumns = (request: RankColumnsRequest, ctx: CallContext): Promise<RankColumnsResponse> =>
    withModels(async (models) => {
      validateUser(request.user);
      const batch = batchOfColumns(request.candidates, RANKING_LIMITS.maxPreRankCandidates);
      if (request.preRankLimit === 0 && batch.rows > RANKING_LIMITS.maxRankCandidates) {
        throw RecsysError.badRequest('candidates', `at most ${RANKING_LIMITS.maxRankCandidates} candidates without pre_rank_limit, got ${batch.rows}`);
      }
      if (request.preRankLimit > RANKING_LIMITS.maxRankCandidates) {
        throw RecsysError.badRequest('pre_rank_limit', `at most ${RANKING_LIMITS.maxRankCandidates}, got ${request.preRankLimit}`);
      }
      const model = models.rank;
      const fusion = fusionOf(request, model);
      const budget = request.preRankLimit === 0 ? undefined : request.preRankLimit;
      const result = await rankBatch(request.user, batch, fusion, budget, models, ctx);
      const tasks = model.tasks;
      const ranked = result.candidates;
      const probabilities = new Float32Array(ranked.length * tasks.length);
      ranked.forEach((c, i) => c.tasks && probabilities.set(c.tasks, i * tasks.length));
      // Every row's pre-rank score (the pre-rank scorer scored them all) when the request asked to pre-rank.
      const preRankScores = new Float64Array(budget === undefined ? 0 : batch.rows);
      if (budget !== undefined) {
        for (const c of ranked) preRankScores[c.row] = c.preRank ?? 0;
        for (const r of result.removed) preRankScores[r.candidate.row] = r.candidate.preRank ?? 0;
      }
      return {
        rows: columnBytes(Uint32Array.from(ranked, (c) => c.row)),
        scores: columnBytes(Float64Array.from(ranked, (c) => c.rank ?? 0)),
        taskNames: [...tasks],
        taskProbabilities: float32MatrixToWire(ranked.length, tasks.length, probabilities),
        preRankScores: columnBytes(preRankScores),
        modelVersion: model.version,
        ...modelInputs(models, batch),
      };
    });

  return { definition: RankingServiceService, handlers: { preRank, rank, rankColumns } };
}
