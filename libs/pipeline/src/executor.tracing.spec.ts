import { SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { definePipeline } from './define';
import { executePipeline } from './executor';

interface Cand {
  id: string;
  score?: number;
}

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(provider);
});

afterAll(async () => {
  await provider.shutdown();
  contextManager.disable();
  trace.disable();
  context.disable();
});

beforeEach(() => exporter.reset());

function byName(spans: ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one span named ${name}, got ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
  return found[0];
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe('executePipeline spans', () => {
  it('opens a span for the pipeline, each step and each component with candidate counts', async () => {
    const def = definePipeline<{ userId: string }, Cand>({
      id: 'home',
      sources: [
        { id: 'recall/popular', fetch: async () => [{ id: 'a' }, { id: 'b' }, { id: 'c' }] },
        { id: 'recall/broken', fetch: async () => Promise.reject(new Error('down')) },
      ],
      filters: [{ id: 'filter/no-b', filter: (_q, cs) => ({ kept: cs.filter((c) => c.id !== 'b'), removed: cs.filter((c) => c.id === 'b') }) }],
      phases: [{ id: 'rank', scorers: [{ id: 'score/const', score: (_q, cs) => cs.map(() => ({ score: 1 })) }] }],
      selectors: [{ id: 'select/first', select: (_q, cs) => cs.slice(0, 1) }],
      sideEffects: [{ id: 'effect/log', run: async () => undefined }],
    });
    const result = await executePipeline(def, { userId: 'u' }, { deadlineMs: Date.now() + 1000 });
    await result.sideEffects;
    const spans = exporter.getFinishedSpans();

    const pipeline = byName(spans, 'pipeline home');
    expect(pipeline.attributes['recsys.candidates.out']).toBe(1);
    expect(pipeline.attributes['recsys.degraded']).toBe(1);

    const sources = byName(spans, 'home/sources');
    expect(parentOf(sources)).toBe(idOf(pipeline));
    expect(sources.attributes['recsys.candidates.out']).toBe(3);

    const popular = byName(spans, 'recall/popular');
    expect(parentOf(popular)).toBe(idOf(sources));
    expect(popular.attributes).toMatchObject({ 'recsys.component': 'recall/popular', 'recsys.candidates.in': 0, 'recsys.candidates.out': 3 });
    expect(popular.status.code).not.toBe(SpanStatusCode.ERROR);

    const broken = byName(spans, 'recall/broken');
    expect(broken.status).toEqual({ code: SpanStatusCode.ERROR, message: 'down' });

    const filter = byName(spans, 'filter/no-b');
    expect(parentOf(filter)).toBe(idOf(byName(spans, 'home/filters')));
    expect(filter.attributes).toMatchObject({ 'recsys.candidates.in': 3, 'recsys.candidates.out': 2 });

    const scorer = byName(spans, 'score/const');
    expect(parentOf(scorer)).toBe(idOf(byName(spans, 'home/phase:rank/scorers')));
    expect(scorer.attributes).toMatchObject({ 'recsys.candidates.in': 2, 'recsys.candidates.out': 2 });

    const selector = byName(spans, 'select/first');
    expect(selector.attributes).toMatchObject({ 'recsys.component': 'select/first', 'recsys.candidates.in': 2, 'recsys.candidates.out': 1 });
    expect(byName(spans, 'home/selectors').attributes).toMatchObject({ 'recsys.candidates.in': 2, 'recsys.candidates.out': 1 });

    const effects = byName(spans, 'home/sideEffects');
    expect(parentOf(effects)).toBe(idOf(pipeline));
    expect(parentOf(byName(spans, 'effect/log'))).toBe(idOf(effects));

    // Steps without components open no span.
    expect(spans.map((s) => s.name)).not.toContain('home/gates');
    expect(spans.every((s) => s.spanContext().traceId === pipeline.spanContext().traceId)).toBe(true);
  });

  it('marks the timed-out component and the failed pipeline with error status when failing closed', async () => {
    const def = definePipeline<{ userId: string }, Cand>({
      id: 'strict',
      sources: [{ id: 'recall/hangs', failOpen: false, timeoutMs: 10, fetch: () => new Promise<Cand[]>(() => undefined) }],
    });
    await expect(executePipeline(def, { userId: 'u' }, { deadlineMs: Date.now() + 1000 })).rejects.toMatchObject({ category: 'deadline' });
    const spans = exporter.getFinishedSpans();
    expect(byName(spans, 'recall/hangs').status).toEqual({ code: SpanStatusCode.ERROR, message: 'timeout' });
    expect(byName(spans, 'strict/sources').status.code).toBe(SpanStatusCode.ERROR);
    expect(byName(spans, 'pipeline strict').status.code).toBe(SpanStatusCode.ERROR);
  });
});
