// An in-process OTLP/HTTP JSON trace collector for tests: accepts exports on POST /v1/traces and keeps the spans.
import { SpanKind } from '@opentelemetry/api';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One span received by the collector, flattened from an OTLP ExportTraceServiceRequest. */
export interface CollectedSpan {
  /** 32 lowercase hex characters. */
  traceId: string;
  /** 16 lowercase hex characters. */
  spanId: string;
  /** The parent's span id; undefined for a root span. */
  parentSpanId?: string;
  name: string;
  /** The span kind as the OpenTelemetry API enum (OTLP's wire value minus one; unspecified reads as INTERNAL). */
  kind: SpanKind;
  /** `service.name` of the exporting resource ('' when absent). */
  serviceName: string;
  /** Span attributes decoded to plain values (int64 as number, arrays and key-value lists as JS values). */
  attributes: Record<string, unknown>;
}

/** A running collector. */
export interface OtlpCollector {
  /** Base URL, `http://127.0.0.1:<port>`: use it as OTEL_EXPORTER_OTLP_ENDPOINT. */
  url: string;
  /** Every span received so far, in arrival order. */
  spans(): CollectedSpan[];
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}
interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number | string;
  attributes?: OtlpKeyValue[];
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: { spans?: OtlpSpan[] }[];
  }[];
}

const OTLP_KINDS = ['SPAN_KIND_UNSPECIFIED', 'SPAN_KIND_INTERNAL', 'SPAN_KIND_SERVER', 'SPAN_KIND_CLIENT', 'SPAN_KIND_PRODUCER', 'SPAN_KIND_CONSUMER'];

function decodeValue(value: OtlpAnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(decodeValue);
  if (value.kvlistValue !== undefined) return decodeAttributes(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return value.bytesValue;
  return undefined;
}

function decodeAttributes(attributes: OtlpKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of attributes ?? []) out[key] = decodeValue(value);
  return out;
}

function decodeKind(kind: number | string | undefined): SpanKind {
  const wire = typeof kind === 'string' ? OTLP_KINDS.indexOf(kind) : (kind ?? 0);
  return wire >= 1 && wire <= 5 ? ((wire - 1) as SpanKind) : SpanKind.INTERNAL;
}

/** OTLP/JSON ids are hex; spec-conformant base64 ids (some exporters) are converted to hex. */
function hexId(id: string | undefined, bytes: number): string | undefined {
  if (!id) return undefined;
  if (new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(id)) return id.toLowerCase();
  const decoded = Buffer.from(id, 'base64');
  return decoded.length === bytes ? decoded.toString('hex') : id;
}

/** Flattens an ExportTraceServiceRequest (OTLP/JSON) into spans. */
export function flattenExport(request: ExportTraceServiceRequest): CollectedSpan[] {
  const out: CollectedSpan[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const serviceName = decodeAttributes(resourceSpans.resource?.attributes)['service.name'];
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const parentSpanId = hexId(span.parentSpanId, 8);
        out.push({
          traceId: hexId(span.traceId, 16) ?? '',
          spanId: hexId(span.spanId, 8) ?? '',
          ...(parentSpanId ? { parentSpanId } : {}),
          name: span.name,
          kind: decodeKind(span.kind),
          serviceName: typeof serviceName === 'string' ? serviceName : '',
          attributes: decodeAttributes(span.attributes),
        });
      }
    }
  }
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/**
 * Starts a collector on 127.0.0.1 (a free port). POST /v1/traces with `application/json` bodies (optionally gzip)
 * is answered 200 `{}` and its spans are kept; protobuf bodies get 415, other paths 404, malformed JSON 400.
 */
export async function startOtlpCollector(): Promise<OtlpCollector> {
  const received: CollectedSpan[] = [];
  const server = createServer((req, res) => {
    const reply = (status: number, body: object) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v1/traces') return void reply(404, { error: 'not found' });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return void reply(415, { error: 'only OTLP/HTTP JSON is supported' });
    }
    readBody(req)
      .then((body) => {
        received.push(...flattenExport(JSON.parse(body.toString('utf8')) as ExportTraceServiceRequest));
        reply(200, {});
      })
      .catch((error: unknown) => reply(400, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans: () => [...received],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
