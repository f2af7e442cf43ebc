// Loads register.ts in-process (exporter none: jest cannot run the OTLP exporter's dynamic import of `http`; the
// export path is covered by the lead's spawned-process test and by @recsys/testing's collector test).
import type * as Api from '@opentelemetry/api';
import type * as Telemetry from '../src/index';

describe('register.ts', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('registers a provider with W3C propagation and async context, which flushTelemetry shuts down once', async () => {
    process.env.OTEL_SERVICE_NAME = 'register-test';
    process.env.OTEL_TRACES_EXPORTER = 'none';
    delete process.env.OTEL_SDK_DISABLED;
    /* eslint-disable @typescript-eslint/no-require-imports */
    const api = require('@opentelemetry/api') as typeof Api;
    expect(api.trace.getActiveSpan()).toBeUndefined();
    require('../src/register');
    const telemetry = require('../src/index') as typeof Telemetry;
    /* eslint-enable @typescript-eslint/no-require-imports */

    const headers: Record<string, string> = {};
    let inner: ReturnType<typeof telemetry.traceIds> = {};
    let outer: ReturnType<typeof telemetry.traceIds> = {};
    await telemetry.withSpan('parent', {}, async () => {
      outer = telemetry.traceIds();
      await new Promise((r) => setImmediate(r)); // context survives an async hop: AsyncLocalStorage manager
      await telemetry.withSpan('child', {}, async () => {
        inner = telemetry.traceIds();
        api.propagation.inject(api.context.active(), headers);
      });
    });
    expect(outer.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(inner.traceId).toBe(outer.traceId);
    expect(inner.spanId).not.toBe(outer.spanId);
    // W3C trace context only (no baggage propagator): exactly the traceparent of the child span. Nothing exports, so
    // the trace is not sampled (flags 00): its ids travel, its spans are not recorded.
    expect(headers).toEqual({ traceparent: `00-${inner.traceId}-${inner.spanId}-00` });

    const provider = api.trace.getTracerProvider() as Api.ProxyTracerProvider;
    const sdk = provider.getDelegate() as unknown as { shutdown(): Promise<void> };
    let shutdowns = 0;
    const shutdown = sdk.shutdown.bind(sdk);
    sdk.shutdown = async () => {
      shutdowns += 1;
      await shutdown();
    };
    await telemetry.flushTelemetry();
    await telemetry.flushTelemetry();
    expect(shutdowns).toBe(1);
  });

  it('samples by the standard OTEL_TRACES_SAMPLER when it is set, exporter or not', () => {
    process.env.OTEL_TRACES_EXPORTER = 'none';
    process.env.OTEL_TRACES_SAMPLER = 'always_on';
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const api = require('@opentelemetry/api') as typeof Api;
      api.trace.disable();
      api.context.disable();
      api.propagation.disable();
      require('../src/register');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const span = api.trace.getTracer('test').startSpan('root');
      expect(span.isRecording()).toBe(true);
      expect(span.spanContext().traceFlags).toBe(api.TraceFlags.SAMPLED);
      span.end();
    });
  });
});
