// gRPC server bootstrap: unary handlers wrapped with tracing, deadlines and error mapping, plus health and reflection.
import {
  Metadata,
  Server,
  ServerCredentials,
  status as Status,
  type handleUnaryCall,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { RecsysError } from '@recsys/domain';
import type { Logger } from '@recsys/logger';
import { getTracer } from '@recsys/telemetry';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import { runInCall, type CallContext, type UnaryHandler } from './call-context';
import { metadataGetter } from './metadata-carrier';
import { addReflection, HEALTH_SERVICE } from './reflection';
import { FIELD_TRAILER, statusOf } from './status';

/** One gRPC service to serve: its ts-proto definition and a handler per method (ts-proto camelCase method names). */
export interface ServiceBinding {
  /** The generated service definition, e.g. `RankingServiceService`. */
  definition: ServiceDefinition;
  /** Handlers keyed by the definition's method names (`rank`, `preRank`); a missing one answers UNIMPLEMENTED. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handlers: Record<string, UnaryHandler<any, any>>;
}

/** Options of {@link startGrpcServer}. */
export interface GrpcServerOptions {
  /** Service name for logs, e.g. `ranking`. */
  name: string;
  /** Interface to bind; default `0.0.0.0`. */
  host?: string;
  /** Port to bind; 0 picks a free one (read it back from {@link GrpcServer.port}). */
  port: number;
  services: ServiceBinding[];
  logger: Logger;
}

/** A started server. */
export interface GrpcServer {
  /** The bound port. */
  port: number;
  /** `host:port` as bound (IPv6 hosts bracketed). */
  address: string;
  /** Sets the health status of the server ('') and of every served service to SERVING or NOT_SERVING. */
  setServing(serving: boolean): void;
  /**
   * Graceful stop: health NOT_SERVING, refuse new calls, let in-flight calls finish for up to `graceMs`
   * (default 10 000), then cancel whatever is left. Idempotent: later calls return the same promise.
   */
  shutdown(graceMs?: number): Promise<void>;
}

const DEFAULT_GRACE_MS = 10_000;
/** Longest delay a Node timer accepts; farther deadlines are left to gRPC itself. */
const MAX_TIMER_MS = 2_147_483_647;
/** Status codes that are a server-side failure for a SERVER span (OpenTelemetry rpc semantic conventions). */
const SERVER_ERROR_CODES = new Set<Status>([
  Status.UNKNOWN,
  Status.DEADLINE_EXCEEDED,
  Status.UNIMPLEMENTED,
  Status.INTERNAL,
  Status.UNAVAILABLE,
  Status.DATA_LOSS,
]);

/** `recsys.v1.RankingService` and `Rank` from the method path `/recsys.v1.RankingService/Rank`. */
function splitPath(path: string): { service: string; method: string } {
  const [service, method] = path.replace(/^\//, '').split('/');
  return { service, method };
}

function serviceNameOf(definition: ServiceDefinition): string {
  const first = Object.values(definition)[0];
  if (!first) throw new Error('a service definition without methods cannot be served');
  return splitPath(first.path).service;
}

interface Failure {
  code: Status;
  details: string;
  field?: string;
}

/** The one place a thrown value becomes a status: RecsysError by its category, anything else INTERNAL. */
function failureOf(error: unknown, traceId: string | undefined): Failure {
  if (error instanceof RecsysError) return { code: statusOf(error.category), details: error.message, field: error.field };
  // Internal details stay in the server log; the caller gets the trace id to find them.
  return { code: Status.INTERNAL, details: traceId ? `internal error (trace_id ${traceId})` : 'internal error' };
}

function wrapUnary(
  path: string,
  handler: UnaryHandler<unknown, unknown>,
  logger: Logger,
): handleUnaryCall<unknown, unknown> {
  const { service, method } = splitPath(path);
  const spanName = `${service}/${method}`;
  const tracer = getTracer('@recsys/grpc');

  return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    const deadline = call.getDeadline();
    const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
    const controller = new AbortController();
    const expire = () => controller.abort(new RecsysError('deadline', `${spanName} deadline exceeded`));
    // gRPC's own deadline timer may fire first and report the call as cancelled: name the real reason.
    const onCancelled = () =>
      Date.now() >= deadlineMs
        ? expire()
        : controller.abort(new RecsysError('unavailable', `${spanName} cancelled by the caller or the server stopping`));
    call.once('cancelled', onCancelled);
    const remaining = deadlineMs - Date.now();
    const timer =
      Number.isFinite(deadlineMs) && remaining < MAX_TIMER_MS ? setTimeout(expire, Math.max(0, remaining)) : undefined;
    timer?.unref();

    const parent = propagation.extract(ROOT_CONTEXT, call.metadata, metadataGetter);
    const span = tracer.startSpan(
      spanName,
      { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method } },
      parent,
    );
    const ctx: CallContext = { deadlineMs, signal: controller.signal, metadata: call.metadata };

    const answer = (failure: Failure | undefined, response: unknown) => {
      try {
        if (!failure) return callback(null, response);
        const trailer = new Metadata();
        if (failure.field !== undefined) trailer.set(FIELD_TRAILER, failure.field);
        callback({ code: failure.code, details: failure.details, metadata: trailer });
      } catch {
        // The call is already gone (cancelled or forced down): there is nobody to answer.
      }
    };

    const finish = (error: unknown, response: unknown) => {
      clearTimeout(timer);
      call.removeListener('cancelled', onCancelled);
      const failure = error === undefined ? undefined : failureOf(error, span.spanContext().traceId);
      try {
        const code = failure?.code ?? Status.OK;
        span.setAttribute('rpc.grpc.status_code', code);
        if (failure && SERVER_ERROR_CODES.has(code)) span.setStatus({ code: SpanStatusCode.ERROR, message: failure.details });
        if (failure && !(error instanceof RecsysError)) {
          span.recordException(error instanceof Error ? error : String(error));
          logger.error(`${spanName} failed`, { rpc: spanName, err: error });
        } else if (failure) {
          logger.debug(`${spanName} failed`, { rpc: spanName, status: Status[code], reason: failure.details });
        }
        span.end();
      } finally {
        // Telemetry or logging trouble must neither crash the process nor leave the caller waiting.
        answer(failure, response);
      }
    };

    const run = async (): Promise<unknown> => {
      const response = await handler(call.request, ctx);
      if (response === undefined || response === null) throw new Error(`${spanName} handler resolved without a response`);
      return response;
    };
    // finish runs in the span's context too, so its log lines carry the call's trace_id.
    const spanContext = trace.setSpan(parent, span);
    context
      .with(spanContext, () => runInCall(ctx, run))
      .then(
        (response) => context.with(spanContext, () => finish(undefined, response)),
        (error: unknown) =>
          context.with(spanContext, () => finish(error ?? new Error('handler rejected without a reason'), undefined)),
      )
      .catch(() => undefined); // finish already answered the call; a telemetry failure is not worth a crash
  };
}

function unimplemented(path: string): handleUnaryCall<unknown, unknown> {
  return (_call, callback) => callback({ code: Status.UNIMPLEMENTED, details: `${path.slice(1)} is not implemented` });
}

/**
 * Builds, binds and starts a server for `services`, with grpc.health.v1 (overall `''` and each fully-qualified service
 * name, all SERVING once bound) and server reflection (v1 and v1alpha) for the served services and health.
 * Each call runs its handler inside a SERVER span named `<package.Service>/<Method>` whose parent is the W3C trace
 * context of the request metadata, with the call's deadline and cancellation available to outgoing clients.
 * A handler's throw or rejection never escapes: RecsysError → its category's status (bad-request also sends the
 * field in the `recsys-error-field` trailer), anything else → INTERNAL (logged with the error; the caller sees only
 * the trace id). Only unary methods are supported.
 *
 * @throws Error when a handler name is not a method of its definition, a method streams, or binding fails.
 */
export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServer> {
  const logger = opts.logger.child({ component: 'grpc-server' });
  // Channelz stays on (unlike the clients'): with it off, grpc-js 1.14's forceShutdown does not cancel the calls still
  // running when the grace period ends.
  const server = new Server();
  const serviceNames: string[] = [];

  for (const binding of opts.services) {
    const serviceName = serviceNameOf(binding.definition);
    const unknown = Object.keys(binding.handlers).filter((name) => !(name in binding.definition));
    if (unknown.length > 0) {
      throw new Error(`${serviceName} has no method(s) ${unknown.join(', ')} (handler keys are ts-proto method names)`);
    }
    const implementation: Record<string, handleUnaryCall<unknown, unknown>> = {};
    for (const [name, method] of Object.entries(binding.definition)) {
      if (method.requestStream || method.responseStream) throw new Error(`${method.path}: only unary methods are supported`);
      const handler = binding.handlers[name] as UnaryHandler<unknown, unknown> | undefined;
      implementation[name] = handler ? wrapUnary(method.path, handler, logger) : unimplemented(method.path);
    }
    server.addService(binding.definition, implementation);
    serviceNames.push(serviceName);
  }

  const healthNames = ['', ...serviceNames];
  const health = new HealthImplementation(Object.fromEntries(healthNames.map((n) => [n, 'SERVING' as ServingStatus])));
  health.addToServer(server);
  addReflection(server, [...serviceNames, HEALTH_SERVICE]);

  const host = opts.host ?? '0.0.0.0';
  const hostInUri = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${hostInUri}:${opts.port}`, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const address = `${hostInUri}:${port}`;
  logger.info(`${opts.name} listening`, { address, services: serviceNames });

  const setServing = (serving: boolean) => {
    for (const name of healthNames) health.setStatus(name, serving ? 'SERVING' : 'NOT_SERVING');
  };

  let stopping: Promise<void> | undefined;
  const shutdown = (graceMs: number = DEFAULT_GRACE_MS): Promise<void> => {
    stopping ??= (async () => {
      setServing(false);
      logger.info(`${opts.name} shutting down`, { graceMs });
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        new Promise<boolean>((resolve) => server.tryShutdown(() => resolve(true))),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), graceMs);
        }),
      ]);
      clearTimeout(timer);
      if (!drained) {
        logger.warn(`${opts.name} grace period over, cancelling remaining calls`, { graceMs });
        server.forceShutdown();
      }
      logger.info(`${opts.name} stopped`, { drained });
    })();
    return stopping;
  };

  return { port, address, setServing, shutdown };
}
