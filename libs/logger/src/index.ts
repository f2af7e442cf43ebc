/** Structured JSON-lines logging correlated with OpenTelemetry traces. */
export * from './logger';
