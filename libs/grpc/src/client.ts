// Typed promise clients over ts-proto grpc-js clients: deadline inheritance, trace propagation, retries, typed errors.
import {
  credentials,
  Metadata,
  status as Status,
  type CallOptions,
  type ChannelCredentials,
  type ClientOptions,
  type ClientUnaryCall,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { RecsysError, type ErrorCategory } from '@recsys/domain';
import { getTracer } from '@recsys/telemetry';
import { currentCall } from './call-context';
import { metadataSetter } from './metadata-carrier';
import { categoryOf, FIELD_TRAILER } from './status';

/** Per-call options of a {@link PromiseClient} method. */
export interface PromiseCallOptions {
  /** Absolute deadline (epoch ms); the effective deadline is the earliest of this, the client timeout and the inherited one. */
  deadlineMs?: number;
  /** Cancels the call (and pending retries) when aborted. */
  signal?: AbortSignal;
}

/** The shape of a ts-proto grpc-js unary method's 4-argument overload (the last one, which `infer` reads). */
type UnaryClientMethod<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Names of the unary RPC methods of a generated client type (excludes `close`, `getChannel`, ...). */
export type UnaryMethodNames<T> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [K in keyof T & string]: T[K] extends UnaryClientMethod<any, any> ? K : never;
}[keyof T & string];

/**
 * A promise-based view of a generated grpc-js client `T`: each unary method takes the request and optional
 * {@link PromiseCallOptions} and resolves with the response or rejects with a RecsysError; `close()` closes the
 * channel.
 */
export type PromiseClient<T> = {
  [K in UnaryMethodNames<T>]: T[K] extends UnaryClientMethod<infer Req, infer Res>
    ? (request: Req, opts?: PromiseCallOptions) => Promise<Res>
    : never;
} & {
  /** Closes the underlying channel; later calls fail with `unavailable`. */
  close(): void;
};

/** Options of {@link createClient}. */
export interface ClientFactoryOptions {
  /** Budget of one call including retries, in milliseconds. */
  timeoutMs: number;
  /** Methods (ts-proto names) safe to retry: only these are retried, and only on UNAVAILABLE. */
  idempotent?: string[];
  /** Attempts per call for idempotent methods, first included; default 3. */
  maxAttempts?: number;
}

const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * grpc-js channel options of every client: no channelz bookkeeping (nothing here reads it) and no grpc-js retries —
 * {@link createClient} retries idempotent calls itself, with its own deadline and backoff, so the library's
 * retry layer (a per-call buffer of the request) would only add work to every call.
 */
export const CLIENT_CHANNEL_OPTIONS: Readonly<Partial<ClientOptions>> = Object.freeze({ 'grpc.enable_channelz': 0, 'grpc.enable_retries': 0 });
const BACKOFF_BASE_MS = 20;
const BACKOFF_MAX_MS = 200;

interface RawClient {
  close(): void;
  [method: string]: unknown;
}

type RawUnary = (
  request: unknown,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: unknown) => void,
) => ClientUnaryCall;

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

function categoryOfAbort(reason: unknown): ErrorCategory {
  if (reason instanceof RecsysError) return reason.category;
  return reason instanceof Error && reason.name === 'TimeoutError' ? 'deadline' : 'unavailable';
}

/** The caller-facing error of a failed call: the status mapped back to a category, the server's details kept. */
function toRecsysError(error: unknown, signal: AbortSignal | undefined): RecsysError {
  if (error instanceof RecsysError) return error;
  if (!isServiceError(error)) return new RecsysError('internal', String(error), { cause: error });
  if (error.code === Status.CANCELLED && signal?.aborted) {
    return new RecsysError(categoryOfAbort(signal.reason), `call cancelled: ${error.details}`, { cause: error });
  }
  const field = error.metadata?.get(FIELD_TRAILER)[0];
  return new RecsysError(categoryOf(error.code), error.details || error.message, {
    field: typeof field === 'string' ? field : undefined,
    cause: error,
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A promise client for the generated client constructor `Ctor` (e.g. `RankingServiceClient`) on `address`
 * (`host:port`, plaintext). Every call:
 * - gets the deadline min(now + timeoutMs, opts.deadlineMs, deadline of the server call it is made from);
 * - is cancelled when opts.signal or the enclosing server call's signal aborts;
 * - opens a CLIENT span `<package.Service>/<Method>` (one per attempt) and injects W3C trace context into metadata;
 * - for methods listed in `idempotent`, is retried on UNAVAILABLE with jittered exponential backoff, up to
 *   `maxAttempts`, never past the deadline;
 * - rejects with a RecsysError: category from the status table, message = the server's details, `field` from the
 *   server's bad-request trailer, `cause` = the grpc-js error.
 *
 * @throws TypeError when `Ctor` is not a grpc-js generated client constructor (it has no `service` definition).
 */
export function createClient<T>(
  Ctor: new (address: string, creds: ChannelCredentials, options?: Partial<ClientOptions>) => T,
  address: string,
  opts: ClientFactoryOptions,
): PromiseClient<T> {
  const definition = (Ctor as unknown as { service?: ServiceDefinition }).service;
  if (!definition) throw new TypeError('createClient needs a grpc-js generated client constructor (with .service)');
  const raw = new Ctor(address, credentials.createInsecure(), CLIENT_CHANNEL_OPTIONS) as unknown as RawClient;
  const idempotent = new Set(opts.idempotent ?? []);
  const maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const tracer = getTracer('@recsys/grpc');

  const attempt = (
    name: string,
    path: string,
    request: unknown,
    deadlineMs: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> => {
    const [service, method] = path.slice(1).split('/');
    const span = tracer.startSpan(`${service}/${method}`, {
      kind: SpanKind.CLIENT,
      attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method },
    });
    const metadata = new Metadata();
    propagation.inject(trace.setSpan(context.active(), span), metadata, metadataSetter);
    return new Promise((resolve, reject) => {
      // Filled right after the call starts; the abort listener is only attached once it is.
      const started: { call?: ClientUnaryCall } = {};
      const onAbort = () => started.call?.cancel();
      const options: Partial<CallOptions> = Number.isFinite(deadlineMs) ? { deadline: new Date(deadlineMs) } : {};
      const call = (raw[name] as RawUnary).call(raw, request, metadata, options, (error, response) => {
        signal?.removeEventListener('abort', onAbort);
        span.setAttribute('rpc.grpc.status_code', error ? error.code : Status.OK);
        if (error) span.setStatus({ code: SpanStatusCode.ERROR, message: error.details });
        span.end();
        if (error) reject(error);
        else resolve(response);
      });
      started.call = call;
      if (signal?.aborted) call.cancel();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  };

  const invoke = async (name: string, path: string, request: unknown, callOpts: PromiseCallOptions = {}) => {
    const inherited = currentCall();
    const deadlineMs = Math.min(Date.now() + opts.timeoutMs, callOpts.deadlineMs ?? Infinity, inherited?.deadlineMs ?? Infinity);
    const signals = [callOpts.signal, inherited?.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
    const retryable = idempotent.has(name);
    for (let n = 1; ; n += 1) {
      try {
        return await attempt(name, path, request, deadlineMs, signal);
      } catch (error) {
        const backoffMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (n - 1)) * (0.5 + Math.random() / 2);
        const retry =
          retryable &&
          isServiceError(error) &&
          error.code === Status.UNAVAILABLE &&
          n < maxAttempts &&
          !signal?.aborted &&
          Date.now() + backoffMs < deadlineMs;
        if (!retry) throw toRecsysError(error, signal);
        await sleep(backoffMs, signal);
      }
    }
  };

  const client: Record<string, unknown> = { close: () => raw.close() };
  for (const [name, method] of Object.entries(definition)) {
    if (method.requestStream || method.responseStream) continue;
    client[name] = (request: unknown, callOpts?: PromiseCallOptions) => invoke(name, method.path, request, callOpts);
  }
  return client as PromiseClient<T>;
}
