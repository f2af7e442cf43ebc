// Real servers on 127.0.0.1:0 serving the generated RankingService: health, errors, deadlines, retries, graceful
// shutdown and trace propagation, all over real gRPC (reflection has its own suite, reflection.e2e.spec.ts).
import {
  credentials,
  makeClientConstructor,
  status as Status,
  type Client,
  type ClientReadableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import {
  RankingServiceClient,
  RankingServiceService,
  RankRequest,
  RankResponse,
  PreRankRequest,
  PreRankResponse,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import { createLogger } from '@recsys/logger';
import { service as healthService } from 'grpc-health-check';
import { PassThrough } from 'node:stream';
import {
  createClient,
  startGrpcServer,
  type CallContext,
  type GrpcServer,
  type PromiseClient,
  type UnaryHandler,
} from '../src/index';

// --- tracing: an in-memory exporter, W3C propagation and async context, registered globally for this file ---
const spanExporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

// --- logs are captured so tests can assert what the server logged ---
const logStream = new PassThrough();
const logLines: Record<string, unknown>[] = [];
logStream.on('data', (chunk: Buffer) => {
  for (const line of chunk.toString('utf8').split('\n')) if (line) logLines.push(JSON.parse(line));
});
const logger = createLogger({ service: 'grpc-e2e', level: 'debug', stream: logStream });

// --- servers and clients opened by a test are closed after it ---
const servers: GrpcServer[] = [];
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await Promise.all(servers.splice(0).map((s) => s.shutdown(0)));
  spanExporter.reset();
  logLines.length = 0;
});

type Handlers = { rank?: UnaryHandler<RankRequest, RankResponse>; preRank?: UnaryHandler<PreRankRequest, PreRankResponse> };

async function startRanking(handlers: Handlers): Promise<GrpcServer> {
  const server = await startGrpcServer({
    name: 'ranking',
    host: '127.0.0.1',
    port: 0,
    services: [{ definition: RankingServiceService, handlers }],
    logger,
  });
  servers.push(server);
  return server;
}

function rankingClient(
  server: GrpcServer,
  opts: { timeoutMs?: number; idempotent?: string[]; maxAttempts?: number } = {},
): PromiseClient<RankingServiceClient> {
  const client = createClient(RankingServiceClient, server.address, { timeoutMs: 5000, ...opts });
  closers.push(() => client.close());
  return client;
}

const rankRequest = RankRequest.fromPartial({ candidates: [{ candidate: { itemId: 'i1' }, topic: 'art' }] });
const ok = (modelVersion: string) => async () => RankResponse.fromPartial({ modelVersion });
const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function rejectionOf(promise: Promise<unknown>): Promise<RecsysError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RecsysError) return error;
    throw new Error(`expected a RecsysError, got ${String(error)}`);
  }
  throw new Error('expected the call to fail');
}

function grpcCodeOf(error: RecsysError): number | undefined {
  return (error.cause as Partial<ServiceError> | undefined)?.code;
}

// --- raw clients of the standard services ---
interface HealthClient extends Client {
  check(req: { service: string }, cb: (err: ServiceError | null, res: { status: string }) => void): void;
  watch(req: { service: string }): ClientReadableStream<{ status: string }>;
}
const HealthClientCtor = makeClientConstructor(healthService, 'grpc.health.v1.Health') as unknown as new (
  address: string,
  creds: ReturnType<typeof credentials.createInsecure>,
) => HealthClient;

function healthClient(server: GrpcServer): HealthClient {
  const client = new HealthClientCtor(server.address, credentials.createInsecure());
  closers.push(() => client.close());
  return client;
}

function check(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve, reject) =>
    client.check({ service }, (err, res) => (err ? reject(err) : resolve(res.status))),
  );
}

describe('health', () => {
  it('reports SERVING for the server and each service, NOT_SERVING after setServing(false), NOT_FOUND otherwise', async () => {
    const server = await startRanking({ rank: ok('v1') });
    const health = healthClient(server);
    expect(await check(health, '')).toBe('SERVING');
    expect(await check(health, 'recsys.v1.RankingService')).toBe('SERVING');
    await expect(check(health, 'recsys.v1.RecallService')).rejects.toMatchObject({ code: Status.NOT_FOUND });

    server.setServing(false);
    expect(await check(health, '')).toBe('NOT_SERVING');
    expect(await check(health, 'recsys.v1.RankingService')).toBe('NOT_SERVING');
    server.setServing(true);
    expect(await check(health, '')).toBe('SERVING');
  });

  it('turns NOT_SERVING as soon as shutdown begins (seen on an open Watch stream)', async () => {
    const server = await startRanking({ rank: ok('v1') });
    const watch = healthClient(server).watch({ service: 'recsys.v1.RankingService' });
    const statuses: string[] = [];
    const seen = (n: number) =>
      new Promise<void>((resolve) => {
        const onData = () => {
          if (statuses.length >= n) {
            watch.off('data', onData);
            resolve();
          }
        };
        watch.on('data', onData);
        onData();
      });
    watch.on('data', (m: { status: string }) => statuses.push(m.status));
    watch.on('error', () => undefined); // cancelled below
    await seen(1);
    expect(statuses).toEqual(['SERVING']);

    const stopped = server.shutdown(5000);
    await seen(2);
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
    watch.cancel(); // the watch is an in-flight call: shutdown drains once it ends
    await stopped;
  });
});

describe('errors', () => {
  it('maps RecsysError bad-request to INVALID_ARGUMENT and back, keeping message and field', async () => {
    const server = await startRanking({
      rank: async () => {
        throw RecsysError.badRequest('candidates[0].topic', 'must not be empty');
      },
    });
    const error = await rejectionOf(rankingClient(server).rank(rankRequest));
    expect(error.category).toBe('bad-request');
    expect(error.field).toBe('candidates[0].topic');
    expect(error.message).toBe('candidates[0].topic: must not be empty');
    expect(grpcCodeOf(error)).toBe(Status.INVALID_ARGUMENT);
  });

  it('maps not-found and unavailable through the table', async () => {
    const server = await startRanking({
      rank: async () => {
        throw new RecsysError('not-found', 'model ranker@7 not found');
      },
      preRank: async () => {
        throw new RecsysError('unavailable', 'feature store down');
      },
    });
    const client = rankingClient(server);
    const notFound = await rejectionOf(client.rank(rankRequest));
    expect([notFound.category, grpcCodeOf(notFound), notFound.message]).toEqual([
      'not-found',
      Status.NOT_FOUND,
      'model ranker@7 not found',
    ]);
    const unavailable = await rejectionOf(client.preRank(PreRankRequest.fromPartial({})));
    expect([unavailable.category, grpcCodeOf(unavailable)]).toEqual(['unavailable', Status.UNAVAILABLE]);
  });

  it('turns any other throw into INTERNAL without leaking its message, logs it, and keeps serving', async () => {
    const server = await startRanking({
      rank: async () => {
        throw new Error('db password is hunter2');
      },
      // Not even async: a synchronous throw must not escape either.
      preRank: ((() => {
        throw 'a string';
      }) as unknown) as UnaryHandler<PreRankRequest, PreRankResponse>,
    });
    const client = rankingClient(server);
    const internal = await rejectionOf(client.rank(rankRequest));
    expect(internal.category).toBe('internal');
    expect(grpcCodeOf(internal)).toBe(Status.INTERNAL);
    expect(internal.message).toMatch(/^internal error \(trace_id [0-9a-f]{32}\)$/);
    expect(internal.message).not.toContain('hunter2');
    const logged = logLines.find((l) => l.level === 'error' && l.msg === 'recsys.v1.RankingService/Rank failed');
    expect((logged?.err as { message: string }).message).toBe('db password is hunter2');
    expect(internal.message).toContain(logged?.trace_id as string);

    const sync = await rejectionOf(client.preRank(PreRankRequest.fromPartial({})));
    expect([sync.category, grpcCodeOf(sync)]).toEqual(['internal', Status.INTERNAL]);

    const health = healthClient(server);
    expect(await check(health, '')).toBe('SERVING'); // the process and server survived
  });

  it('answers UNIMPLEMENTED for a method without a handler, and INTERNAL for a handler without a response', async () => {
    const server = await startRanking({ rank: (async () => undefined) as unknown as Handlers['rank'] });
    const client = rankingClient(server);
    const missing = await rejectionOf(client.preRank(PreRankRequest.fromPartial({})));
    expect([missing.category, grpcCodeOf(missing)]).toEqual(['internal', Status.UNIMPLEMENTED]);
    const empty = await rejectionOf(client.rank(rankRequest));
    expect([empty.category, grpcCodeOf(empty)]).toEqual(['internal', Status.INTERNAL]);
  });

  it('refuses handler names that are not methods of the service', async () => {
    await expect(
      startGrpcServer({
        name: 'bad',
        host: '127.0.0.1',
        port: 0,
        services: [{ definition: RankingServiceService, handlers: { rankk: ok('v1') } }],
        logger,
      }),
    ).rejects.toThrow('recsys.v1.RankingService has no method(s) rankk');
  });
});

describe('deadlines', () => {
  it('gives the handler the call deadline, and an outgoing call made from it a deadline no later', async () => {
    let downstreamCtx: CallContext | undefined;
    const downstream = await startRanking({
      rank: async (_req, ctx) => {
        downstreamCtx = ctx;
        return RankResponse.fromPartial({ modelVersion: 'downstream' });
      },
    });
    // The downstream client's own timeout is a minute: only inheritance can make its deadline shorter.
    const downstreamClient = rankingClient(downstream, { timeoutMs: 60_000 });
    let upstreamCtx: CallContext | undefined;
    const upstream = await startRanking({
      rank: async (request, ctx) => {
        upstreamCtx = ctx;
        const response = await downstreamClient.rank(request);
        return RankResponse.fromPartial({ modelVersion: `via ${response.modelVersion}` });
      },
    });

    const callerDeadline = Date.now() + 1500;
    const response = await rankingClient(upstream, { timeoutMs: 60_000 }).rank(rankRequest, { deadlineMs: callerDeadline });
    expect(response.modelVersion).toBe('via downstream');
    const up = upstreamCtx?.deadlineMs ?? NaN;
    const down = downstreamCtx?.deadlineMs ?? NaN;
    // gRPC sends the remaining time (grpc-timeout), so each hop may round up by a few milliseconds.
    expect(Math.abs(up - callerDeadline)).toBeLessThan(100);
    expect(down).toBeLessThanOrEqual(up + 100); // without inheritance it would be ~60 s later
    expect(down).toBeGreaterThan(Date.now());
  });

  it('fails the caller with `deadline` and aborts the handler signal when the deadline passes', async () => {
    let abortReason: unknown;
    const server = await startRanking({
      rank: (_req, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            abortReason = ctx.signal.reason;
            reject(ctx.signal.reason);
          });
        }),
    });
    const error = await rejectionOf(rankingClient(server, { timeoutMs: 100 }).rank(rankRequest));
    expect(error.category).toBe('deadline');
    expect(grpcCodeOf(error)).toBe(Status.DEADLINE_EXCEEDED);
    await delay(50);
    expect(abortReason).toBeInstanceOf(RecsysError);
    expect((abortReason as RecsysError).category).toBe('deadline');
  });

  it('cancels the call when the caller aborts its signal', async () => {
    let cancelled = false;
    const server = await startRanking({
      rank: (_req, ctx) =>
        new Promise((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            cancelled = true;
            resolve(RankResponse.fromPartial({}));
          });
        }),
    });
    const controller = new AbortController();
    const pending = rankingClient(server).rank(rankRequest, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await rejectionOf(pending);
    expect(error.category).toBe('unavailable');
    expect(grpcCodeOf(error)).toBe(Status.CANCELLED);
    await delay(50);
    expect(cancelled).toBe(true);
  });
});

describe('retries', () => {
  async function flakyServer(failures: number) {
    const calls = { rank: 0, preRank: 0 };
    const server = await startRanking({
      rank: async () => {
        calls.rank += 1;
        if (calls.rank <= failures) throw new RecsysError('unavailable', 'warming up');
        return RankResponse.fromPartial({ modelVersion: `after ${calls.rank}` });
      },
      preRank: async () => {
        calls.preRank += 1;
        if (calls.preRank <= failures) throw new RecsysError('unavailable', 'warming up');
        return PreRankResponse.fromPartial({ modelVersion: 'pre' });
      },
    });
    return { server, calls };
  }

  it('retries an idempotent method on UNAVAILABLE', async () => {
    const { server, calls } = await flakyServer(1);
    const response = await rankingClient(server, { idempotent: ['rank'] }).rank(rankRequest);
    expect(response.modelVersion).toBe('after 2');
    expect(calls.rank).toBe(2);
  });

  it('does not retry a method that is not declared idempotent', async () => {
    const { server, calls } = await flakyServer(1);
    const error = await rejectionOf(rankingClient(server, { idempotent: ['rank'] }).preRank(PreRankRequest.fromPartial({})));
    expect([error.category, error.message]).toEqual(['unavailable', 'warming up']);
    expect(calls.preRank).toBe(1);
  });

  it('gives up after maxAttempts', async () => {
    const { server, calls } = await flakyServer(10);
    const error = await rejectionOf(rankingClient(server, { idempotent: ['rank'], maxAttempts: 3 }).rank(rankRequest));
    expect(error.category).toBe('unavailable');
    expect(calls.rank).toBe(3);
  });

  it('does not retry other failures of idempotent methods', async () => {
    let calls = 0;
    const server = await startRanking({
      rank: async () => {
        calls += 1;
        throw new RecsysError('internal', 'bug');
      },
    });
    await rejectionOf(rankingClient(server, { idempotent: ['rank'] }).rank(rankRequest));
    expect(calls).toBe(1);
  });
});

describe('graceful shutdown', () => {
  it('lets an in-flight call finish while refusing new calls', async () => {
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const server = await startRanking({
      rank: async () => {
        entered();
        await delay(300);
        return RankResponse.fromPartial({ modelVersion: 'slow but done' });
      },
    });
    const slow = rankingClient(server).rank(rankRequest);
    await inHandler;

    const started = Date.now();
    const stopped = server.shutdown(5000);
    const refused = await rejectionOf(rankingClient(server, { timeoutMs: 1000 }).rank(rankRequest));
    expect(refused.category).toBe('unavailable');

    expect((await slow).modelVersion).toBe('slow but done');
    await stopped;
    expect(Date.now() - started).toBeLessThan(5000); // drained, not forced
  });

  it('cancels calls still running when the grace period ends', async () => {
    let aborted = false;
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const server = await startRanking({
      rank: (_req, ctx) =>
        new Promise((resolve) => {
          entered();
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve(RankResponse.fromPartial({}));
          });
        }),
    });
    const stuck = rankingClient(server).rank(rankRequest);
    await inHandler;
    const started = Date.now();
    await server.shutdown(100);
    expect(Date.now() - started).toBeLessThan(2000);
    const error = await rejectionOf(stuck);
    expect([error.category, grpcCodeOf(error)]).toEqual(['unavailable', Status.CANCELLED]);
    await delay(20);
    expect(aborted).toBe(true);
  });
});

describe('trace propagation', () => {
  const byKind = (spans: ReadableSpan[], kind: SpanKind) => spans.filter((s) => s.kind === kind);

  it('links the CLIENT span of a call and the SERVER span of its handler in one trace', async () => {
    let activeInHandler: string | undefined;
    const server = await startRanking({
      rank: async () => {
        activeInHandler = trace.getActiveSpan()?.spanContext().spanId;
        return RankResponse.fromPartial({ modelVersion: 'v1' });
      },
    });
    const client = rankingClient(server);
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('request', async (root) => {
      await client.rank(rankRequest);
      root.end();
    });

    const spans = spanExporter.getFinishedSpans();
    const [clientSpan] = byKind(spans, SpanKind.CLIENT);
    const [serverSpan] = byKind(spans, SpanKind.SERVER);
    const root = spans.find((s) => s.name === 'request');
    expect(clientSpan.name).toBe('recsys.v1.RankingService/Rank');
    expect(serverSpan.name).toBe('recsys.v1.RankingService/Rank');
    expect(clientSpan.spanContext().traceId).toBe(root?.spanContext().traceId);
    expect(serverSpan.spanContext().traceId).toBe(root?.spanContext().traceId);
    expect(clientSpan.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(serverSpan.parentSpanContext?.isRemote).toBe(true);
    expect(activeInHandler).toBe(serverSpan.spanContext().spanId);
    const expected = {
      'rpc.system': 'grpc',
      'rpc.service': 'recsys.v1.RankingService',
      'rpc.method': 'Rank',
      'rpc.grpc.status_code': Status.OK,
    };
    expect(serverSpan.attributes).toEqual(expected);
    expect(clientSpan.attributes).toEqual(expected);
  });

  it('records the status code; a bad request is an error for the client span only', async () => {
    const server = await startRanking({
      rank: async () => {
        throw RecsysError.badRequest('user', 'required');
      },
      preRank: async () => {
        throw new RecsysError('unavailable', 'down');
      },
    });
    const client = rankingClient(server);
    await rejectionOf(client.rank(rankRequest));
    await rejectionOf(client.preRank(PreRankRequest.fromPartial({})));
    const spans = spanExporter.getFinishedSpans();
    const server1 = spans.find((s) => s.kind === SpanKind.SERVER && s.name.endsWith('/Rank'));
    const client1 = spans.find((s) => s.kind === SpanKind.CLIENT && s.name.endsWith('/Rank'));
    const server2 = spans.find((s) => s.kind === SpanKind.SERVER && s.name.endsWith('/PreRank'));
    expect(server1?.attributes['rpc.grpc.status_code']).toBe(Status.INVALID_ARGUMENT);
    expect(server1?.status.code).toBe(SpanStatusCode.UNSET);
    expect(client1?.status.code).toBe(SpanStatusCode.ERROR);
    expect(server2?.attributes['rpc.grpc.status_code']).toBe(Status.UNAVAILABLE);
    expect(server2?.status.code).toBe(SpanStatusCode.ERROR);
  });
});
