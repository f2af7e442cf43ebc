// A loopback HTTP server that validates every request against Qdrant's OpenAPI document, records violations, and
// answers through an in-memory emulator with responses that are themselves validated against the document.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenApiValidator, type OpenApiDocument } from './openapi-validator';
import { QdrantEmulator } from './qdrant-emulator';

/** One request as the recorder saw it. */
export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  /** The matched operation's id, undefined when no operation matched. */
  operationId: string | undefined;
  /** Parsed JSON body, if any. */
  body: unknown;
  /** Status the recorder answered. */
  status: number;
  /** Request violations (`path:`, `query:`, `body:`, `route:`) and violations of the recorder's own response (`response …:`). */
  violations: string[];
}

/** A running recorder. */
export interface QdrantRecorder {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** Every violation so far as `<METHOD url> → <violation>`. */
  violations(): string[];
  /** Requests per matched operation id. */
  operations(): Map<string, number>;
  /** Forgets the recorded requests (collections stay). */
  clearLog(): void;
  /** Closes the server, dropping keep-alive connections. */
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/**
 * Starts a recording validator on 127.0.0.1 (a free port). For each request: match the operation by method and
 * path template, validate path and query parameters and the JSON body with ajv (see {@link OpenApiValidator}),
 * record any violation; a request that violates the document is answered 422 (as a strict server would refuse
 * it), one that matches no operation 404; otherwise the {@link QdrantEmulator} answers and its response is checked
 * against the operation's response schema (a mismatch is recorded too, so the emulator cannot drift from the
 * document unnoticed). This is a contract checker with just enough state for an adapter's flows, not a Qdrant.
 */
export async function startQdrantRecorder(document: OpenApiDocument): Promise<QdrantRecorder> {
  const validator = new OpenApiValidator(document);
  const emulator = new QdrantEmulator();
  const requests: RecordedRequest[] = [];

  const server = createServer((request, response) => {
    void (async () => {
      const method = request.method ?? 'GET';
      const url = request.url ?? '/';
      const raw = await readBody(request);
      const checked = validator.validateRequest({ method, url, contentType: request.headers['content-type'], body: raw });
      const record: RecordedRequest = { method, url, operationId: checked.match?.id, body: checked.body, status: 0, violations: [...checked.violations] };
      requests.push(record);
      if (checked.match === undefined) {
        record.status = 404;
        send(response, 404, { status: { error: `recorder: no operation for ${method} ${url}` }, time: 0, result: null });
        return;
      }
      if (record.violations.length > 0) {
        record.status = 422;
        send(response, 422, { status: { error: `recorder: request violates the OpenAPI document: ${record.violations.join(' | ')}` }, time: 0, result: null });
        return;
      }
      const answer = emulator.handle(checked.match.id, checked.pathParams, checked.body);
      record.status = answer.status;
      record.violations.push(...validator.validateResponse(checked.match, answer.status, answer.body));
      send(response, answer.status, answer.body);
    })().catch((error: unknown) => {
      requests.push({ method: request.method ?? '?', url: request.url ?? '?', operationId: undefined, body: undefined, status: 500, violations: [`recorder: ${String(error)}`] });
      if (!response.headersSent) send(response, 500, { status: { error: String(error) }, time: 0, result: null });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    violations: () => requests.flatMap((r) => r.violations.map((v) => `${r.method} ${r.url} → ${v}`)),
    operations: () => {
      const counts = new Map<string, number>();
      for (const r of requests) if (r.operationId !== undefined) counts.set(r.operationId, (counts.get(r.operationId) ?? 0) + 1);
      return counts;
    },
    clearLog: () => void requests.splice(0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
