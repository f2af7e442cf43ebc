/** OrchestratorService over gRPC: validation, proto ⇄ domain conversion, the Recommend pipeline, ingestion. */
import { randomUUID } from 'node:crypto';
import {
  CatalogEvent,
  EngagementEvent,
  OrchestratorServiceService,
  type LogEventsRequest,
  type LogEventsResponse,
  type RecommendRequest,
  type RecommendResponse,
  type UpsertItemsRequest,
  type UpsertItemsResponse,
  type UpsertUsersRequest,
  type UpsertUsersResponse,
} from '@recsys/contracts';
import { RecsysError, errorMessage } from '@recsys/domain';
import type { CallContext, ServiceBinding } from '@recsys/grpc';
import type { Logger } from '@recsys/logger';
import { executePipeline, type PipelineDefinition, type PipelineResult } from '@recsys/pipeline';
import { TOPICS, type EventBus, type OutgoingMessage } from '@recsys/stores';
import { context, propagation } from '@opentelemetry/api';
import { stageDegradations } from './degradations';
import { explain } from './explanations';
import { channelsOf, creatorOf, aspectRatioOf, bestScore, tasksOf, topicOf, type PinCandidate, type RecommendQuery } from './query';
import { validateEvents, validateItems, validateUsers } from './validation/ingest.validator';
import { validateRecommend } from './validation/recommend.validator';

/** What the service needs. */
export interface OrchestratorServiceDeps {
  pipeline: PipelineDefinition<RecommendQuery, PinCandidate>;
  bus: EventBus;
  logger: Logger;
  /** Budget of a Recommend when the client's deadline is later or absent. */
  recommendTimeoutMs: number;
  /** Clock, for tests. */
  now?: () => number;
}

/** A candidate's score at every stage it passed. */
function scoresOf(c: PinCandidate) {
  return { recall: c.recallScore, preRank: c.preRankScore ?? 0, rank: c.rankScore ?? 0, rerank: c.rerankScore ?? 0, tasks: tasksOf(c) };
}

/** The debug traces of a run (empty unless the request asked for debug). */
function traceOf(result: PipelineResult<PinCandidate, RecommendQuery>) {
  if (!result.traces) return [];
  const byId = new Map<string, PinCandidate>();
  for (const r of result.removed) byId.set(r.candidate.id, r.candidate);
  for (const c of result.candidates) byId.set(c.id, c);
  return result.traces.map((t) => {
    const c = byId.get(t.id);
    return { itemId: t.id, channels: c ? channelsOf(c) : [], scores: c ? scoresOf(c) : undefined, outcome: t.outcome };
  });
}

/** Builds the OrchestratorService binding. */
export function orchestratorService(deps: OrchestratorServiceDeps): ServiceBinding {
  const now = deps.now ?? Date.now;

  const publish = async (topic: string, messages: OutgoingMessage[]): Promise<void> => {
    try {
      await deps.bus.publish(topic, messages);
    } catch (error) {
      throw new RecsysError('unavailable', `event bus did not accept the batch, nothing was stored: ${errorMessage(error)}`, { cause: error });
    }
  };
  const traceHeaders = (): Record<string, string> => {
    const headers: Record<string, string> = {};
    propagation.inject(context.active(), headers);
    return headers;
  };

  const recommend = async (req: RecommendRequest, ctx: CallContext): Promise<RecommendResponse> => {
    const nowMs = now();
    const base = validateRecommend(req, randomUUID(), nowMs);
    const query: RecommendQuery = { ...base, arms: {}, params: {} };
    const deadlineMs = Math.min(ctx.deadlineMs, nowMs + deps.recommendTimeoutMs);
    const result = await executePipeline(deps.pipeline, query, {
      deadlineMs,
      debug: query.debug,
      signal: ctx.signal,
      onSideEffectError: (component, error) =>
        deps.logger.warn('a Recommend side effect failed (the response was already sent)', { component, request_id: query.requestId, error: errorMessage(error) }),
    });
    // The page is the pipeline's finalizer's answer: the same list the served log records.
    const page = result.candidates;
    return {
      requestId: query.requestId,
      items: page.map((c) => {
        const channels = channelsOf(c);
        return {
          itemId: c.id,
          score: bestScore(c),
          channels,
          scores: scoresOf(c),
          explanation: explain(channels),
          creatorId: creatorOf(c),
          topic: topicOf(c),
          aspectRatio: aspectRatioOf(c),
          column: c.column ?? 0,
        };
      }),
      degraded: stageDegradations(result.degraded),
      experimentArms: { ...result.query.arms },
      trace: traceOf(result),
    };
  };

  const logEvents = async (req: LogEventsRequest): Promise<LogEventsResponse> => {
    validateEvents(req.events, now());
    const headers = traceHeaders();
    await publish(
      TOPICS.engagement,
      req.events.map((e) => ({ key: e.userId, value: EngagementEvent.encode(e).finish(), headers })),
    );
    return { accepted: req.events.length };
  };

  const upsertItems = async (req: UpsertItemsRequest): Promise<UpsertItemsResponse> => {
    const nowMs = now();
    validateItems(req.items, nowMs);
    const headers = traceHeaders();
    await publish(
      TOPICS.catalog,
      req.items.map((item) => ({
        key: item.itemId,
        value: CatalogEvent.encode({ entity: { $case: 'item', item }, timestampMs: String(nowMs) }).finish(),
        headers,
      })),
    );
    return { upserted: req.items.length };
  };

  const upsertUsers = async (req: UpsertUsersRequest): Promise<UpsertUsersResponse> => {
    const nowMs = now();
    validateUsers(req.users, nowMs);
    const headers = traceHeaders();
    await publish(
      TOPICS.catalog,
      req.users.map((user) => ({
        key: user.userId,
        value: CatalogEvent.encode({ entity: { $case: 'user', user }, timestampMs: String(nowMs) }).finish(),
        headers,
      })),
    );
    return { upserted: req.users.length };
  };

  return {
    definition: OrchestratorServiceService,
    handlers: { recommend, logEvents, upsertItems, upsertUsers },
  };
}
