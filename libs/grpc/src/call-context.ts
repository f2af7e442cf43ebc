// The per-call context handlers receive, and the AsyncLocalStorage that lets outgoing calls inherit its deadline.
import type { Metadata } from '@grpc/grpc-js';
import { AsyncLocalStorage } from 'node:async_hooks';

/** What a handler knows about the call it serves. */
export interface CallContext {
  /** Absolute deadline in epoch milliseconds; `Infinity` when the caller set none. */
  deadlineMs: number;
  /** Aborted when the caller cancels, the deadline passes, or the server is forced down. */
  signal: AbortSignal;
  /** The request metadata (headers). */
  metadata: Metadata;
}

/**
 * A unary method implementation: receives the decoded request, resolves the response. Throw (or reject with) a
 * RecsysError to choose the status; anything else becomes INTERNAL.
 */
export type UnaryHandler<Req, Res> = (request: Req, ctx: CallContext) => Promise<Res>;

const storage = new AsyncLocalStorage<CallContext>();

/** Runs `fn` with `ctx` as the current server call (clients called from inside inherit its deadline and signal). */
export function runInCall<T>(ctx: CallContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

/** The server call being handled in this async context, if any. */
export function currentCall(): CallContext | undefined {
  return storage.getStore();
}
