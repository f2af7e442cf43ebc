// Side-effect entry: registers the OpenTelemetry tracer provider before the app loads (`node --require register.js`).
//
// This is the one file outside an app's config.ts that reads process.env: it is the standard OTEL_* entry point and
// must run before any app code, so it cannot receive a parsed config.
//   OTEL_SERVICE_NAME                    resource service.name
//   OTEL_EXPORTER_OTLP_TRACES_ENDPOINT   full OTLP/HTTP traces URL (wins), or
//   OTEL_EXPORTER_OTLP_ENDPOINT          base URL; traces go to <base>/v1/traces
//   OTEL_TRACES_EXPORTER                 otlp (default) | console | none
//   OTEL_TRACES_SAMPLER(_ARG)            the standard sampler choice; default parentbased_always_on, but when nothing
//                                        exports (OTEL_TRACES_EXPORTER=none or no endpoint) the root is never sampled:
//                                        spans nobody reads are not recorded, a sampled incoming trace still is
//   OTEL_SDK_DISABLED                    true: register nothing
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { setRegisteredProvider } from './provider-slot';

/** The provider this module registered; kept so flushTelemetry can force-flush and shut it down. */
let provider: NodeTracerProvider | undefined;

function tracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

function spanProcessors(env: NodeJS.ProcessEnv): SpanProcessor[] {
  const exporter = (env.OTEL_TRACES_EXPORTER ?? 'otlp').trim().toLowerCase();
  if (exporter === 'console') return [new SimpleSpanProcessor(new ConsoleSpanExporter())];
  const url = tracesUrl(env);
  if (exporter === 'none' || url === undefined) return [];
  return [new BatchSpanProcessor(new OTLPTraceExporter({ url }))];
}

function register(env: NodeJS.ProcessEnv): void {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return;
  const serviceName = env.OTEL_SERVICE_NAME?.trim();
  const resource = serviceName
    ? defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName }))
    : defaultResource();
  const processors = spanProcessors(env);
  // Nothing exports: record no span of a trace started here (ids still propagate and still go to the logs). The
  // standard OTEL_TRACES_SAMPLER, when set, decides instead.
  const sampler = processors.length === 0 && !env.OTEL_TRACES_SAMPLER?.trim() ? new ParentBasedSampler({ root: new AlwaysOffSampler() }) : undefined;
  provider = new NodeTracerProvider({ resource, spanProcessors: processors, ...(sampler ? { sampler } : {}) });
  // Context manager: the default AsyncLocalStorageContextManager. Propagator: W3C trace context only.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  setRegisteredProvider(provider);
}

register(process.env);
