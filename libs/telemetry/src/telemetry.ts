// Span helpers over the OpenTelemetry API: a tracer, a span around an async function, ids of the active span, flush.
import {
  type Attributes,
  isSpanContextValid,
  type Span,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { registeredProvider, setRegisteredProvider } from './provider-slot';

const DEFAULT_TRACER = 'recsys';

/**
 * A tracer from the global provider (a no-op tracer until register.ts or a test registers one; it still
 * propagates incoming trace context). `name` is the instrumentation scope, default `recsys`.
 */
export function getTracer(name: string = DEFAULT_TRACER): Tracer {
  return trace.getTracer(name);
}

/**
 * Runs `fn` inside a new active span named `name` with `attributes`, and ends the span when the promise settles.
 * A rejection is recorded on the span (exception event, status ERROR) and rethrown unchanged.
 */
export async function withSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
  return getTracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Trace and span ids (lowercase hex) of the active span; both undefined when no valid span is active. */
export function traceIds(): { traceId?: string; spanId?: string } {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/**
 * Exports every finished span and shuts down the provider registered by register.ts, so no span is lost at exit.
 * Resolves without doing anything when no provider was registered or it was already flushed; never rejects
 * (an unreachable collector must not block shutdown).
 */
export async function flushTelemetry(): Promise<void> {
  const provider = registeredProvider();
  if (!provider) return;
  setRegisteredProvider(undefined);
  try {
    await provider.forceFlush();
  } catch {
    // Export failures are already reported by the SDK's diagnostics; shutdown still has to run.
  }
  try {
    await provider.shutdown();
  } catch {
    // Nothing more can be done at exit.
  }
}
