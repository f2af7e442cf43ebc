import { Writable } from 'node:stream';
import { Metadata } from '@grpc/grpc-js';
import { Surface, type RecommendResponse } from '@recsys/contracts';
import type { ServiceBinding } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { definePipeline } from '@recsys/pipeline';
import type { EventBus } from '@recsys/stores';
import type { PinCandidate, RecommendQuery } from './query';
import { orchestratorService } from './service';

describe('orchestratorService', () => {
  it('logs a side effect that failed after the response, naming it and the request', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(...chunk.toString().trim().split('\n').map((l) => JSON.parse(l))), done()) });
    let failed: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (failed = resolve));
    const pipeline = definePipeline<RecommendQuery, PinCandidate>({
      id: 'recommend',
      sideEffects: [{ id: 'served-log', run: async () => (setImmediate(failed), Promise.reject(new Error('disk full'))) }],
    });
    const binding: ServiceBinding = orchestratorService({
      pipeline,
      bus: {} as EventBus,
      logger: createLogger({ service: 'orchestrator', stream }),
      recommendTimeoutMs: 1000,
    });
    const response = (await binding.handlers.recommend(
      { userId: 'u1', surface: Surface.SURFACE_HOME_FEED, pageSize: 5, experimentOverrides: {}, debug: false },
      { deadlineMs: Date.now() + 1000, signal: new AbortController().signal, metadata: new Metadata() },
    )) as RecommendResponse;
    expect(response.items).toEqual([]);
    await done;
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', component: 'served-log', request_id: response.requestId, error: 'disk full' }),
    );
  });
});
