/** RecallService binding: validates RecallRequest, maps it to a RecallQuery, runs the pipeline, maps the result. */
import {
  RecallServiceService,
  Surface,
  columnBytes,
  surfaceFromWire,
  type Candidate,
  type Degradation,
  type RecallColumnsRequest,
  type RecallColumnsResponse,
  type RecallRequest,
  type RecallResponse,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import type { CallContext, ServiceBinding } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import { executePipeline, type Degradation as PipelineDegradation, type PipelineDefinition } from '@recsys/pipeline';
import { encodeRecallColumnsResponse } from './columns-wire';
import { MAX_CANDIDATES } from './config';
import type { RecallIndex } from './state/recall-index';
import { CHANNELS, ChannelHit, isChannelName, type ChannelName, type RecallCandidate, type RecallQuery } from './types';

/** Longest accepted id (user or item), characters. */
export const MAX_ID_LENGTH = 128;
/** Most `context.recent_item_ids` accepted. */
export const MAX_SESSION_ITEMS = 200;

/** Dependencies of {@link recallServiceBinding}. */
export interface RecallServiceDeps {
  pipeline: PipelineDefinition<RecallQuery, RecallCandidate>;
  index: RecallIndex;
  /** Quota of each channel when the request does not override it. */
  defaultQuotas: Record<ChannelName, number>;
  /** Merged candidates when the request's `limit` is 0. */
  defaultLimit: number;
  /** Longest a call may run, ms (the caller's deadline applies when earlier). */
  maxCallMs: number;
  logger: Logger;
}

function checkId(field: string, id: string): void {
  if (id.length === 0) throw RecsysError.badRequest(field, 'must not be empty');
  if (id.length > MAX_ID_LENGTH) throw RecsysError.badRequest(field, `must be at most ${MAX_ID_LENGTH} characters`);
}

/**
 * Validates a request and maps it to a query (without `nowMs` and the hydrated user state).
 * Throws a bad-request {@link RecsysError} naming the first offending field.
 */
export function queryFromRequest(
  request: RecallRequest | RecallColumnsRequest,
  defaults: { quotas: Record<ChannelName, number>; limit: number },
): Omit<RecallQuery, 'nowMs'> {
  checkId('user_id', request.userId);
  const surface = surfaceFromWire(request.surface);
  if (!surface) {
    throw RecsysError.badRequest('surface', `must be SURFACE_HOME_FEED or SURFACE_RELATED_PINS, got ${Surface[request.surface] ?? request.surface}`);
  }
  const quotas = { ...defaults.quotas };
  for (const [name, value] of Object.entries(request.channelQuotas)) {
    if (!isChannelName(name)) throw RecsysError.badRequest(`channel_quotas[${name}]`, `unknown channel; known channels: ${CHANNELS.join(', ')}`);
    if (value > MAX_CANDIDATES) throw RecsysError.badRequest(`channel_quotas[${name}]`, `must be at most ${MAX_CANDIDATES}, got ${value}`);
    quotas[name] = value;
  }
  if (request.limit > MAX_CANDIDATES) throw RecsysError.badRequest('limit', `must be at most ${MAX_CANDIDATES}, got ${request.limit}`);
  const sessionItemIds = request.context?.recentItemIds ?? [];
  if (sessionItemIds.length > MAX_SESSION_ITEMS) {
    throw RecsysError.badRequest('context.recent_item_ids', `must have at most ${MAX_SESSION_ITEMS} entries, got ${sessionItemIds.length}`);
  }
  sessionItemIds.forEach((id, i) => checkId(`context.recent_item_ids[${i}]`, id));
  const contextItemId = request.context?.contextItemId ?? '';
  if (surface === 'related_pins') {
    if (contextItemId === '') throw RecsysError.badRequest('context.context_item_id', 'is required for SURFACE_RELATED_PINS');
    checkId('context.context_item_id', contextItemId);
  }
  return {
    userId: request.userId,
    surface,
    sessionItemIds: [...sessionItemIds],
    contextItemId: contextItemId === '' ? undefined : contextItemId,
    quotas,
    limit: request.limit === 0 ? defaults.limit : request.limit,
  };
}

/** What each pipeline step falls back to when one of its components degrades. */
const FALLBACK: Record<string, string> = {
  sources: 'other channels',
  queryHydrators: 'cold-start user state',
  filters: 'unfiltered candidates',
  selectors: 'unsorted candidates',
};

/**
 * A pipeline degradation on the wire: a channel (`recall/<name>`) becomes stage `recall.<name>` with fallback
 * `other channels`; any other component becomes `recall.<component id>`.
 */
export function degradationToWire(d: PipelineDegradation): Degradation {
  const name = d.component.startsWith('recall/') ? d.component.slice('recall/'.length) : d.component;
  return { stage: `recall.${name}`, reason: d.reason, fallback: FALLBACK[d.step] ?? 'skipped' };
}

function candidateToWire(c: RecallCandidate): Candidate {
  return {
    itemId: c.id,
    channels: c.channels.map((h) => ({ channel: h.channel, score: h.score })),
    scores: { recall: c.recallScore, preRank: 0, rank: 0, rerank: 0, tasks: {} },
    explanation: `recalled by ${c.channels.map((h) => h.channel).join(', ')}`,
  };
}

/** The merged candidates as the columns of a RecallColumns answer. */
function candidatesToColumns(candidates: readonly RecallCandidate[]): Omit<RecallColumnsResponse, 'degraded'> {
  const channelIndex = new Map<string, number>();
  const channelNames: string[] = [];
  const indexOf = (channel: string): number => {
    let at = channelIndex.get(channel);
    if (at === undefined) channelIndex.set(channel, (at = channelNames.push(channel) - 1));
    return at;
  };
  let hits = 0;
  for (const c of candidates) hits += c instanceof ChannelHit ? 1 : c.channels.length;
  const rows = candidates.length;
  const itemIds: string[] = new Array(rows);
  const recallScores = new Float64Array(rows);
  const hitEnds = new Uint32Array(rows);
  const hitChannels = new Uint8Array(hits);
  const hitScores = new Float64Array(hits);
  let h = 0;
  for (let row = 0; row < rows; row++) {
    const c = candidates[row];
    itemIds[row] = c.id;
    recallScores[row] = c.recallScore;
    if (c instanceof ChannelHit) {
      // A single-channel candidate is its own hit (no list to allocate).
      hitChannels[h] = indexOf(c.channel);
      hitScores[h++] = c.score;
    } else {
      for (const hit of c.channels) {
        hitChannels[h] = indexOf(hit.channel);
        hitScores[h++] = hit.score;
      }
    }
    hitEnds[row] = h;
  }
  return {
    itemIds,
    recallScores: columnBytes(recallScores),
    channelNames,
    hitEnds: columnBytes(hitEnds),
    hitChannels: columnBytes(hitChannels),
    hitScores: columnBytes(hitScores),
  };
}

/** What one recall call answers: the merged candidates and the wire degradations. */
export interface RecallOutcome {
  candidates: RecallCandidate[];
  degraded: Degradation[];
}

/** The recall call shared by both RPCs: validation, the pipeline, degradations. */
export type RecallCall = (request: RecallRequest | RecallColumnsRequest, deadlineMs: number, signal?: AbortSignal) => Promise<RecallOutcome>;

/**
 * The one recall call behind `Recall` and `RecallColumns`: validates the request (a bad-request error naming the
 * field), runs the pipeline within min(`deadlineMs`, now + `maxCallMs`) and maps its degradations to the wire
 * (logged as a warning unless `quiet`).
 */
export function recallCall(deps: RecallServiceDeps, quiet = false): RecallCall {
  return async (request, deadlineMs, signal) => {
    const query: RecallQuery = { ...queryFromRequest(request, { quotas: deps.defaultQuotas, limit: deps.defaultLimit }), nowMs: deps.index.now() };
    const result = await executePipeline(deps.pipeline, query, { deadlineMs: Math.min(deadlineMs, Date.now() + deps.maxCallMs), signal });
    const degraded = result.degraded.map(degradationToWire);
    if (degraded.length > 0 && !quiet) deps.logger.warn('recall degraded', { degraded, candidates: result.candidates.length });
    return { candidates: result.candidates, degraded };
  };
}

/** `Recall`'s answer: one message per candidate. */
export function recallResponse(outcome: RecallOutcome): RecallResponse {
  return { candidates: outcome.candidates.map(candidateToWire), degraded: outcome.degraded };
}

/** `RecallColumns`' answer: the same candidates as columns. */
export function recallColumnsResponse(outcome: RecallOutcome): RecallColumnsResponse {
  return { ...candidatesToColumns(outcome.candidates), degraded: outcome.degraded };
}

/** The RecallService binding for `startGrpcServer`: Recall and RecallColumns answer the same pipeline result. */
export function recallServiceBinding(deps: RecallServiceDeps): ServiceBinding {
  const call = recallCall(deps);
  const recall = async (request: RecallRequest, ctx: CallContext): Promise<RecallResponse> => recallResponse(await call(request, ctx.deadlineMs, ctx.signal));
  const recallColumns = async (request: RecallColumnsRequest, ctx: CallContext): Promise<RecallColumnsResponse> =>
    recallColumnsResponse(await call(request, ctx.deadlineMs, ctx.signal));
  // RecallColumns answers are written by the one-pass encoder (same bytes as the generated one, see columns-wire.ts).
  const definition = {
    ...RecallServiceService,
    recallColumns: { ...RecallServiceService.recallColumns, responseSerialize: encodeRecallColumnsResponse },
  };
  return { definition, handlers: { recall, recallColumns } };
}
