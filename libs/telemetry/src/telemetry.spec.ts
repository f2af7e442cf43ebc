import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { flushTelemetry, traceIds, withSpan } from './telemetry';

const exporter = new InMemorySpanExporter();

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
});

afterEach(() => exporter.reset());

afterAll(() => {
  trace.disable();
  context.disable();
});

describe('withSpan', () => {
  it('runs fn in an active span with the attributes, nests children, and ends the span', async () => {
    const result = await withSpan('outer', { 'recsys.count': 3 }, async (outer) => {
      expect(traceIds()).toEqual({ traceId: outer.spanContext().traceId, spanId: outer.spanContext().spanId });
      await new Promise((r) => setTimeout(r, 1)); // the span stays active across awaits
      return withSpan('inner', {}, async () => traceIds());
    });
    const [inner, outer] = exporter.getFinishedSpans();
    expect(inner.name).toBe('inner');
    expect(outer.name).toBe('outer');
    expect(outer.attributes).toEqual({ 'recsys.count': 3 });
    expect(outer.kind).toBe(SpanKind.INTERNAL);
    expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(result).toEqual({ traceId: inner.spanContext().traceId, spanId: inner.spanContext().spanId });
    expect(outer.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records a rejection on the span and rethrows it unchanged', async () => {
    const boom = new RangeError('out of range');
    await expect(withSpan('failing', {}, async () => Promise.reject(boom))).rejects.toBe(boom);
    const [span] = exporter.getFinishedSpans();
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'out of range' });
    expect(span.events.map((e) => e.name)).toEqual(['exception']);
    expect(span.events[0].attributes?.['exception.type']).toBe('RangeError');
    expect(span.ended).toBe(true);
  });
});

describe('traceIds', () => {
  it('is empty outside any span', () => {
    expect(traceIds()).toEqual({});
  });
});

describe('flushTelemetry', () => {
  it('is a no-op when register.ts did not run', async () => {
    await expect(flushTelemetry()).resolves.toBeUndefined();
  });
});
