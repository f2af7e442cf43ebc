/** RankingService binding: validates PreRank/Rank requests, maps wire ⇄ domain, runs the ranking pipelines. */
import { fusionWeights } from '@recsys/algorithms';
import {
  RankingServiceService,
  type Candidate,
  type PreRankRequest,
  type PreRankResponse,
  type RankRequest,
  type RankResponse,
  type ScoringCandidate,
  type StageScores,
  type UserScoringContext,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import type { CallContext, ServiceBinding } from '@recsys/grpc';
import { executePipeline, type PipelineDefinition, type PipelineResult } from '@recsys/pipeline';
import type { ModelHolder } from './model-holder';
import type { LoadedModel, RankingCandidate, RankingQuery, UserContext } from './types';

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
  models: Pick<ModelHolder, 'current'>;
  preRank: PipelineDefinition<RankingQuery, RankingCandidate>;
  rank: PipelineDefinition<RankingQuery, RankingCandidate>;
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
  if (user) {
    checkFinite('user.features.values', user.features?.values ?? {});
    checkFinite('user.topic_affinity', user.topicAffinity);
  }
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

/** Validates Rank's fusion weight overrides against the model's tasks. */
export function validateFusionWeights(weights: Readonly<Record<string, number>>, loaded: LoadedModel): void {
  const tasks = Object.keys(loaded.model.tasks);
  for (const [name, value] of Object.entries(weights)) {
    const field = `fusion_weights.${name}`;
    if (!Object.hasOwn(loaded.model.tasks, name)) {
      throw RecsysError.badRequest(field, `not a task of model ${loaded.version} (tasks: ${tasks.join(', ')})`);
    }
    if (!Number.isFinite(value)) throw RecsysError.badRequest(field, `must be a finite number, got ${value}`);
  }
}

function userContextOf(user: UserScoringContext | undefined): UserContext {
  return { userId: user?.userId ?? '', features: user?.features?.values ?? {}, topicAffinity: user?.topicAffinity ?? {} };
}

function candidatesOf(candidates: readonly ScoringCandidate[]): RankingCandidate[] {
  return candidates.map((c) => ({ id: (c.candidate as Candidate).itemId, topic: c.topic, itemValues: c.featureValues }));
}

const EMPTY_SCORES: StageScores = { recall: 0, preRank: 0, rank: 0, rerank: 0, tasks: {} };

/** The request's wire candidates, by item id. */
function originalsOf(candidates: readonly ScoringCandidate[]): Map<string, Candidate> {
  return new Map(candidates.map((c) => [(c.candidate as Candidate).itemId, c.candidate as Candidate]));
}

/** The wire candidate with some stage scores replaced (channels and explanation pass through). */
function withScores(original: Candidate, scores: Partial<StageScores>): Candidate {
  return { ...original, scores: { ...(original.scores ?? EMPTY_SCORES), ...scores } };
}

/** The RankingService binding. */
export function rankingService(deps: RankingServiceDeps): ServiceBinding {
  const run = (pipeline: PipelineDefinition<RankingQuery, RankingCandidate>, query: RankingQuery, ctx: CallContext): Promise<PipelineResult<RankingCandidate>> => {
    const deadlineMs = Number.isFinite(ctx.deadlineMs) ? ctx.deadlineMs : Date.now() + deps.defaultDeadlineMs;
    return executePipeline(pipeline, query, { deadlineMs, signal: ctx.signal });
  };

  const preRank = async (request: PreRankRequest, ctx: CallContext): Promise<PreRankResponse> => {
    validateScoringRequest(request.user, request.featureNames, request.candidates, RANKING_LIMITS.maxPreRankCandidates);
    const model = deps.models.current();
    if (request.candidates.length === 0) return { candidates: [], modelVersion: model.version };
    const query: RankingQuery = {
      user: userContextOf(request.user),
      itemFeatureNames: request.featureNames,
      candidates: candidatesOf(request.candidates),
      model,
      limit: request.limit === 0 ? deps.defaultPrerankLimit : request.limit,
      fusion: model.model.fusion,
    };
    const result = await run(deps.preRank, query, ctx);
    const originals = originalsOf(request.candidates);
    return {
      candidates: result.candidates.map((c) => withScores(originals.get(c.id) as Candidate, { preRank: c.preRank ?? 0 })),
      modelVersion: model.version,
    };
  };

  const rank = async (request: RankRequest, ctx: CallContext): Promise<RankResponse> => {
    validateScoringRequest(request.user, request.featureNames, request.candidates, RANKING_LIMITS.maxRankCandidates);
    const model = deps.models.current();
    validateFusionWeights(request.fusionWeights, model);
    if (request.candidates.length === 0) return { candidates: [], modelVersion: model.version };
    const query: RankingQuery = {
      user: userContextOf(request.user),
      itemFeatureNames: request.featureNames,
      candidates: candidatesOf(request.candidates),
      model,
      limit: request.candidates.length,
      fusion: fusionWeights(model.model, request.fusionWeights),
    };
    const result = await run(deps.rank, query, ctx);
    const originals = originalsOf(request.candidates);
    return {
      candidates: result.candidates.map((c) => withScores(originals.get(c.id) as Candidate, { rank: c.rank ?? 0, tasks: { ...(c.tasks ?? {}) } })),
      modelVersion: model.version,
    };
  };

  return { definition: RankingServiceService, handlers: { preRank, rank } };
}
