/** RerankingService binding: validates Rerank requests, maps wire ⇄ domain, runs the rerank pipeline. */
import {
  RerankingServiceService,
  DictionaryEncoder,
  columnBytes,
  readDictionary,
  readFloat32Column,
  readUint8Column,
  type Candidate,
  type RerankColumnsRequest,
  type RerankColumnsResponse,
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

/** The request fields every Rerank form shares, checked against {@link RERANK_LIMITS}. */
function validatePage(request: { pageSize: number; columns: number; seenItemIds: readonly string[] }, candidates: number): void {
  const { maxCandidates, maxPageSize, maxColumns, maxSeenItemIds } = RERANK_LIMITS;
  if (!(request.pageSize >= 1 && request.pageSize <= maxPageSize)) {
    throw RecsysError.badRequest('page_size', `must be between 1 and ${maxPageSize}, got ${request.pageSize}`);
  }
  if (request.columns > maxColumns) {
    throw RecsysError.badRequest('columns', `must be between 0 (service default) and ${maxColumns}, got ${request.columns}`);
  }
  if (candidates > maxCandidates) {
    throw RecsysError.badRequest('candidates', `at most ${maxCandidates} candidates, got ${candidates}`);
  }
  if (request.seenItemIds.length > maxSeenItemIds) {
    throw RecsysError.badRequest('seen_item_ids', `at most ${maxSeenItemIds} ids, got ${request.seenItemIds.length}`);
  }
}

/**
 * Builds the pipeline query of a Rerank in either form from its candidates' fields (`field(row, name)` names a
 * candidate's field on the wire), validating each: ids non-empty, at most 128 characters, unique; aspect ratios finite
 * and > 0. The request order is the ranking (best first). Throws RecsysError bad-request naming the field at fault.
 */
function toQuery(
  request: { userId: string; pageSize: number; columns: number; seenItemIds: readonly string[] },
  rows: number,
  candidate: (row: number) => Omit<RerankItem, 'row' | 'score'>,
  field: (row: number, name: 'item_id' | 'aspect_ratio') => string,
  defaultColumns: number,
): RerankQuery {
  validatePage(request, rows);
  const firstRow = new Map<string, number>();
  const candidates: RerankItem[] = new Array(rows);
  for (let row = 0; row < rows; row++) {
    const c = candidate(row);
    if (c.id.length === 0) throw RecsysError.badRequest(field(row, 'item_id'), 'must not be empty');
    if (c.id.length > RERANK_LIMITS.maxItemIdLength) {
      throw RecsysError.badRequest(field(row, 'item_id'), `at most ${RERANK_LIMITS.maxItemIdLength} characters, got ${c.id.length}`);
    }
    const earlier = firstRow.get(c.id);
    if (earlier !== undefined) throw RecsysError.badRequest(field(row, 'item_id'), `duplicate of ${field(earlier, 'item_id')} ("${c.id}")`);
    firstRow.set(c.id, row);
    if (!(Number.isFinite(c.aspectRatio) && c.aspectRatio > 0)) {
      throw RecsysError.badRequest(field(row, 'aspect_ratio'), `must be a finite number > 0, got ${c.aspectRatio}`);
    }
    candidates[row] = { id: c.id, row, creatorId: c.creatorId, topic: c.topic, aspectRatio: c.aspectRatio, unsafe: c.unsafe, score: rows - row };
  }
  return {
    userId: request.userId,
    pageSize: request.pageSize,
    columns: request.columns === 0 ? defaultColumns : request.columns,
    seenItemIds: new Set(request.seenItemIds),
    candidates,
  };
}

/** Checks a Rerank request and builds its pipeline query; throws RecsysError bad-request naming the first field at fault. */
export function rerankQuery(request: RerankRequest, defaultColumns: number): RerankQuery {
  return toQuery(
    request,
    request.candidates.length,
    (row) => {
      const c = request.candidates[row];
      return { id: c.candidate?.itemId ?? '', creatorId: c.creatorId, topic: c.topic, aspectRatio: c.aspectRatio, unsafe: c.unsafe };
    },
    (row, name) => (name === 'item_id' ? `candidates[${row}].candidate.item_id` : `candidates[${row}].aspect_ratio`),
    defaultColumns,
  );
}

/** Checks a RerankColumns request and builds its pipeline query; throws RecsysError bad-request naming the field at fault. */
export function rerankColumnsQuery(request: RerankColumnsRequest, defaultColumns: number): RerankQuery {
  const rows = request.itemIds.length;
  const creators = readDictionary(request.creatorIds, rows, 'creator_ids');
  const topics = readDictionary(request.topics, rows, 'topics');
  const aspectRatios = readFloat32Column(request.aspectRatios, rows, 'aspect_ratios');
  const unsafe = readUint8Column(request.unsafe, rows, 'unsafe');
  return toQuery(
    request,
    rows,
    (row) => ({
      id: request.itemIds[row],
      creatorId: creators.values[creators.indexes[row]],
      topic: topics.values[topics.indexes[row]],
      aspectRatio: aspectRatios[row],
      unsafe: unsafe[row] !== 0,
    }),
    (row, name) => (name === 'item_id' ? `item_ids[${row}]` : `aspect_ratios[${row}]`),
    defaultColumns,
  );
}

/** The re-rank score of the page item at `position` of a page of `pageLength`: 1 for the first, falling linearly. */
function pageScore(position: number, pageLength: number): number {
  return 1 - position / pageLength;
}

/** The wire candidate of a page item with `scores.rerank` set to its {@link pageScore}. */
function placed(original: Candidate, position: number, pageLength: number): Candidate {
  const scores = original.scores ?? { recall: 0, preRank: 0, rank: 0, rerank: 0, tasks: {} };
  return { ...original, scores: { ...scores, rerank: pageScore(position, pageLength) } };
}

/** The RerankingService binding: Rerank and RerankColumns run the same pipeline. */
export function rerankingService(deps: RerankingServiceDeps): ServiceBinding {
  const run = (query: RerankQuery, ctx: CallContext) => {
    const deadlineMs = Number.isFinite(ctx.deadlineMs) ? ctx.deadlineMs : Date.now() + deps.defaultDeadlineMs;
    return executePipeline(deps.pipeline, query, { deadlineMs, signal: ctx.signal });
  };

  const rerank = async (request: RerankRequest, ctx: CallContext): Promise<RerankResponse> => {
    const query = rerankQuery(request, deps.defaultColumns);
    if (query.candidates.length === 0) return { items: [], removed: [] };
    const result = await run(query, ctx);
    const page = result.candidates;
    return {
      items: page.map((item, i) => ({ candidate: placed(request.candidates[item.row].candidate as Candidate, i, page.length), column: item.column ?? 0 })),
      removed: result.removed.map((r) => ({ itemId: r.candidate.id, removedBy: r.component })),
    };
  };

  const rerankColumns = async (request: RerankColumnsRequest, ctx: CallContext): Promise<RerankColumnsResponse> => {
    const query = rerankColumnsQuery(request, deps.defaultColumns);
    const result = query.candidates.length === 0 ? { candidates: [], removed: [] } : await run(query, ctx);
    const page = result.candidates;
    const removedBy = new DictionaryEncoder(result.removed.length);
    for (const r of result.removed) removedBy.push(r.component);
    return {
      rows: columnBytes(Uint32Array.from(page, (item) => item.row)),
      columns: columnBytes(Uint32Array.from(page, (item) => item.column ?? 0)),
      scores: columnBytes(Float64Array.from(page, (_, i) => pageScore(i, page.length))),
      removedRows: columnBytes(Uint32Array.from(result.removed, (r) => r.candidate.row)),
      removedBy: removedBy.toWire(),
    };
  };
  return { definition: RerankingServiceService, handlers: { rerank, rerankColumns } };
}
