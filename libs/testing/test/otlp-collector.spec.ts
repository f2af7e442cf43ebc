// The collector against the real OTLP/HTTP JSON exporter. The exporter runs in a child node process because it
// loads `http` with a dynamic import(), which jest's CommonJS sandbox cannot execute.
import { SpanKind } from '@opentelemetry/api';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startOtlpCollector, type OtlpCollector } from '../src/index';

const repoRoot = join(__dirname, '..', '..', '..');

const EXPORT_SCRIPT = `
const api = require('@opentelemetry/api');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'exporter-child' }),
  spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: process.argv[1] + '/v1/traces' }))],
});
const tracer = provider.getTracer('collector-test');
const parent = tracer.startSpan('recsys.v1.RankingService/Rank', {
  kind: api.SpanKind.SERVER,
  attributes: { 'rpc.system': 'grpc', 'rpc.grpc.status_code': 0, score: 0.25, ok: true, tags: ['a', 'b'] },
});
const child = tracer.startSpan('recall', { kind: api.SpanKind.CLIENT }, api.trace.setSpan(api.context.active(), parent));
child.end();
parent.end();
provider.forceFlush().then(() => provider.shutdown()).then(() => {
  console.log(JSON.stringify({ trace: parent.spanContext().traceId, parent: parent.spanContext().spanId, child: child.spanContext().spanId }));
});
`;

function post(url: string, path: string, contentType: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: 'POST', headers: { 'content-type': contentType } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('startOtlpCollector', () => {
  let collector: OtlpCollector;
  beforeEach(async () => {
    collector = await startOtlpCollector();
  });
  afterEach(() => collector.close());

  it('listens on 127.0.0.1 and starts empty', () => {
    expect(collector.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(collector.spans()).toEqual([]);
  });

  it('receives spans from the real OTLP/HTTP JSON exporter, with ids, parent, kind, service and attributes', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', EXPORT_SCRIPT, collector.url], {
      cwd: repoRoot,
      timeout: 20_000,
    });
    const ids = JSON.parse(stdout.trim()) as { trace: string; parent: string; child: string };
    const spans = collector.spans();
    expect(spans).toHaveLength(2);
    const child = spans.find((s) => s.name === 'recall');
    const parent = spans.find((s) => s.name === 'recsys.v1.RankingService/Rank');
    expect(child).toEqual({
      traceId: ids.trace,
      spanId: ids.child,
      parentSpanId: ids.parent,
      name: 'recall',
      kind: SpanKind.CLIENT,
      serviceName: 'exporter-child',
      attributes: {},
    });
    expect(parent).toEqual({
      traceId: ids.trace,
      spanId: ids.parent,
      name: 'recsys.v1.RankingService/Rank',
      kind: SpanKind.SERVER,
      serviceName: 'exporter-child',
      attributes: { 'rpc.system': 'grpc', 'rpc.grpc.status_code': 0, score: 0.25, ok: true, tags: ['a', 'b'] },
    });
  });

  it('rejects other paths, protobuf bodies and malformed JSON without keeping anything', async () => {
    expect(await post(collector.url, '/v1/metrics', 'application/json', '{}')).toBe(404);
    expect(await post(collector.url, '/v1/traces', 'application/x-protobuf', '')).toBe(415);
    expect(await post(collector.url, '/v1/traces', 'application/json', '{not json')).toBe(400);
    expect(await post(collector.url, '/v1/traces', 'application/json', '{}')).toBe(200);
    expect(collector.spans()).toEqual([]);
  });

  it('accepts base64 ids and string span kinds (spec-conformant OTLP/JSON)', async () => {
    const traceId = Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64');
    const spanId = Buffer.from('b7ad6b7169203331', 'hex').toString('base64');
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId,
                  name: 'op',
                  kind: 'SPAN_KIND_PRODUCER',
                  attributes: [{ key: 'n', value: { intValue: '42' } }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(await post(collector.url, '/v1/traces', 'application/json', body)).toBe(200);
    expect(collector.spans()).toEqual([
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        name: 'op',
        kind: SpanKind.PRODUCER,
        serviceName: 'svc',
        attributes: { n: 42 },
      },
    ]);
  });
});
