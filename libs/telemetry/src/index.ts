/**
 * Tracing for recsys. Registration happens in `register.ts` (loaded with `node --require` before the app); this
 * entry point gives span helpers and the flush used at shutdown.
 */
export { flushTelemetry, getTracer, traceIds, withSpan } from './telemetry';
