/** RerankingService binding: validates Rerank requests, maps wire ⇄ domain, runs the rerank pipeline. */
import {
  RerankingServiceService,
  type Candidate,
  type RerankRequest,
  type RerankResponse,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import type { CallContext, ServiceBinding } from '@recsys/grpc';
import { executePipeline, type PipelineDefinition } from '@recsys/pipeline';
import type { RerankItem, RerankQuery } from './types';

/** Request limits of Rerank. */
export const RERANK_LIMITS = Object.freeze({
  maxCandidates: 2000,
  maxPageSize: 100,
  maxColumns: 8,
  maxItemIdLength: 128,
  maxSeenItemIds: 10_000,
});

/** What the binding needs. */
export interface RerankingServiceDeps {
  pipeline: PipelineDefinition<RerankQuery, RerankItem>;
  /** Grid columns when the request sets 0. */
  defaultColumns: number;
  /** Budget of a call that carries no deadline, ms. */
  defaultDeadlineMs: number;
}

/** Checks a Rerank request; throws RecsysError bad-request naming the first field at fault. */
export function validateRerankRequest(request: RerankRequest): void {
  const { maxCandidates, maxPageSize, maxColumns, maxItemIdLength, maxSeenItemIds } = RERANK_LIMITS;
  if (!(request.pageSize >= 1 && request.pageSize <= maxPageSize)) {
    throw RecsysError.badRequest('page_size', `must be between 1 and ${maxPageSize}, got ${request.pageSize}`);
  }
  if (request.columns > maxColumns) {
    throw RecsysError.badRequest('columns', `must be between 0 (service default) and ${maxColumns}, got ${request.columns}`);
  }
  if (request.candidates.length > maxCandidates) {
    throw RecsysError.badRequest('candidates', `at most ${maxCandidates} candidates, got ${request.candidates.length}`);
  }
  if (request.seenItemIds.length > maxSeenItemIds) {
    throw RecsysError.badRequest('seen_item_ids', `at most ${maxSeenItemIds} ids, got ${request.seenItemIds.length}`);
  }
  const firstIndex = new Map<string, number>();
  request.candidates.forEach((c, i) => {
    const id = c.candidate?.itemId ?? '';
    if (id.length === 0) throw RecsysError.badRequest(`candidates[${i}].candidate.item_id`, 'must not be empty');
    if (id.length > maxItemIdLength) {
      throw RecsysError.badRequest(`candidates[${i}].candidate.item_id`, `at most ${maxItemIdLength} characters, got ${id.length}`);
    }
    const earlier = firstIndex.get(id);
    if (earlier !== undefined) throw RecsysError.badRequest(`candidates[${i}].candidate.item_id`, `duplicate of candidates[${earlier}] ("${id}")`);
    firstIndex.set(id, i);
    if (!(Number.isFinite(c.aspectRatio) && c.aspectRatio > 0)) {
      throw RecsysError.badRequest(`candidates[${i}].aspect_ratio`, `must be a finite number > 0, got ${c.aspectRatio}`);
    }
  });
}

/** The pipeline query of a valid request; the request order is the ranking (best first). */
function toQuery(request: RerankRequest, defaultColumns: number): RerankQuery {
  const n = request.candidates.length;
  return {
    userId: request.userId,
    pageSize: request.pageSize,
    columns: request.columns === 0 ? defaultColumns : request.columns,
    seenItemIds: new Set(request.seenItemIds),
    candidates: request.candidates.map((c, i) => ({
      id: (c.candidate as Candidate).itemId,
      creatorId: c.creatorId,
      topic: c.topic,
      aspectRatio: c.aspectRatio,
      unsafe: c.unsafe,
      score: n - i,
    })),
  };
}

/** The wire candidate of a page item with `scores.rerank` set to its page score (1 for the first item, falling linearly). */
function placed(original: Candidate, position: number, pageLength: number): Candidate {
  const scores = original.scores ?? { recall: 0, preRank: 0, rank: 0, rerank: 0, tasks: {} };
  return { ...original, scores: { ...scores, rerank: 1 - position / pageLength } };
}

/** The RerankingService binding. */
export function rerankingService(deps: RerankingServiceDeps): ServiceBinding {
  const rerank = async (request: RerankRequest, ctx: CallContext): Promise<RerankResponse> => {
    validateRerankRequest(request);
    if (request.candidates.length === 0) return { items: [], removed: [] };
    const originals = new Map(request.candidates.map((c) => [(c.candidate as Candidate).itemId, c.candidate as Candidate]));
    const deadlineMs = Number.isFinite(ctx.deadlineMs) ? ctx.deadlineMs : Date.now() + deps.defaultDeadlineMs;
    const result = await executePipeline(deps.pipeline, toQuery(request, deps.defaultColumns), { deadlineMs, signal: ctx.signal });
    const page = result.candidates;
    return {
      items: page.map((item, i) => ({ candidate: placed(originals.get(item.id) as Candidate, i, page.length), column: item.column ?? 0 })),
      removed: result.removed.map((r) => ({ itemId: r.candidate.id, removedBy: r.component })),
    };
  };
  return { definition: RerankingServiceService, handlers: { rerank } };
}
