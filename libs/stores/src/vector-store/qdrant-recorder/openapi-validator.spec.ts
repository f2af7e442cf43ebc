import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { QdrantClient } from '@qdrant/js-client-rest';
import { OpenApiValidator, toJsonSchema, type OpenApiDocument } from './openapi-validator';
import { startQdrantRecorder, type QdrantRecorder } from './recorder-server';

const QDRANT_OPENAPI = path.resolve(__dirname, '../../../openapi/qdrant-openapi-v1.19.0.json');
const document = JSON.parse(readFileSync(QDRANT_OPENAPI, 'utf8')) as OpenApiDocument;
const REF = 'https://recsys.invalid/openapi.json#/components/schemas/';
const UUID = '6f1c2b0e-5d0a-4c59-9a43-7a1a4c3f2e10';

describe('toJsonSchema (OpenAPI 3.0 → ajv)', () => {
  it('turns nullable into a null type, leaves enum values and property names alone, and anchors local refs', () => {
    expect(toJsonSchema({ type: 'integer', format: 'uint', nullable: true })).toEqual({ type: ['integer', 'null'], format: 'uint' });
    expect(toJsonSchema({ type: 'string', enum: ['a', 'b'], nullable: true })).toEqual({ type: ['string', 'null'], enum: ['a', 'b', null] });
    expect(toJsonSchema({ anyOf: [{ $ref: '#/components/schemas/Filter' }, { nullable: true }] })).toEqual({ anyOf: [{ $ref: `${REF}Filter` }, { type: 'null' }] });
    expect(toJsonSchema({ description: 'd', anyOf: [{ type: 'string' }], nullable: true })).toEqual({ anyOf: [{ description: 'd', anyOf: [{ type: 'string' }] }, { type: 'null' }] });
    expect(toJsonSchema({ type: 'object', properties: { nullable: { type: 'boolean' } }, default: { nullable: true } })).toEqual({
      type: 'object',
      properties: { nullable: { type: 'boolean' } },
      default: { nullable: true },
    });
  });
});

describe('OpenApiValidator on qdrant-openapi-v1.19.0.json', () => {
  const validator = new OpenApiValidator(document);
  const request = (method: string, url: string, body?: unknown, contentType = 'application/json') =>
    validator.validateRequest({ method, url, contentType, body: body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body) });

  it('accepts valid requests and coerces their parameters', () => {
    const upsert = request('PUT', '/collections/pins/points?wait=true&ordering=strong', { points: [{ id: UUID, vector: [0.5, 1], payload: { a: ['x'] } }, { id: 42, vector: [1, 2] }] });
    expect(upsert.violations).toEqual([]);
    expect(upsert.match?.id).toBe('upsert_points');
    expect(upsert.pathParams).toEqual({ collection_name: 'pins' });
    expect(upsert.query).toEqual({ wait: true, ordering: 'strong' });
    expect(request('GET', '/collections/pins').match?.id).toBe('get_collection');
    expect(request('GET', '/collections/pins/exists').match?.id).toBe('collection_exists');
    // A literal segment wins over a parameter: /points/delete is delete_points, not a point id.
    expect(request('POST', '/collections/pins/points/delete', { points: [1] }).match?.id).toBe('delete_points');
    expect(request('GET', '/collections/pins/points/7').pathParams).toEqual({ collection_name: 'pins', id: 7 });
  });

  it('flags bodies that break the schema: a non-UUID string id, a wrong type, a value below its minimum, a format range', () => {
    expect(request('PUT', '/collections/pins/points?wait=true', { points: [{ id: 'pin-1', vector: [1, 2] }] }).violations).toEqual([
      expect.stringMatching(/^body: .*\/points\/0\/id must match format "uuid"/),
    ]);
    expect(request('POST', '/collections/pins/points/count', { exact: 'yes' }).violations).toEqual(['body: /exact must be boolean {"type":"boolean"}']);
    expect(request('POST', '/collections/pins/points/query', { query: [1, 0], limit: 0 }).violations).toEqual([expect.stringContaining('/limit must be >= 1')]);
    expect(request('PUT', '/collections/pins', { vectors: { size: 3, distance: 'Cosine' }, shard_number: 2 ** 33 }).violations).toEqual([
      expect.stringContaining('/shard_number must match format "uint32"'),
    ]);
    expect(request('PUT', '/collections/pins', { vectors: { size: 3, distance: 'Cosine', extra: null }, shard_number: null }).violations).toEqual([]);
    expect(request('POST', '/collections/pins/points/query', { filter: { must: [], unknown: 1 } }).violations).toEqual([
      expect.stringContaining('/filter must NOT have additional properties'),
    ]);
  });

  it('flags bad parameters, unknown routes, unexpected bodies, content types and malformed JSON', () => {
    expect(request('PUT', '/collections/pins/points?wait=maybe', { points: [] }).violations).toEqual([expect.stringMatching(/^query: parameter wait="maybe": +must be boolean/)]);
    expect(request('PUT', '/collections/pins/points?wiat=true', { points: [] }).violations).toEqual(['query: parameter wiat is not declared by upsert_points']);
    expect(request('GET', '/collections/pins/nothing-here').violations).toEqual(['route: no operation for GET /collections/pins/nothing-here']);
    expect(request('DELETE', '/collections/pins', { force: true }).violations).toEqual(['body: delete_collection takes no request body, got 14 bytes']);
    expect(request('PUT', '/collections/pins', 'vectors=3', 'application/x-www-form-urlencoded').violations).toEqual([
      'body: content type "application/x-www-form-urlencoded" is not one the operation accepts (application/json)',
    ]);
    expect(request('PUT', '/collections/pins', '{"vectors":').violations).toEqual([expect.stringMatching(/^body: not JSON/)]);
  });

  it('checks responses against the operation’s schema for their status', () => {
    const match = validator.match('GET', '/collections/pins');
    if (match === undefined) throw new Error('get_collection not found');
    expect(validator.validateResponse(match, 200, { result: { status: 'green' }, status: 'ok', time: 0 })).toEqual([
      expect.stringMatching(/^response 200: .*\/result must have required property 'optimizer_status'/),
    ]);
    expect(validator.validateResponse(match, 404, { status: { error: 'Not found' }, time: 0, result: null })).toEqual([]);
    expect(validator.validateResponse(match, 404, { status: 'not found' })).toEqual([expect.stringContaining('/status must be object')]);
  });
});

describe('the recording server flags invalid requests sent with the raw client', () => {
  let recorder: QdrantRecorder;
  let client: QdrantClient;

  beforeAll(async () => {
    recorder = await startQdrantRecorder(document);
    client = new QdrantClient({ url: recorder.url, checkCompatibility: false });
  });

  afterAll(async () => {
    await recorder.close();
  });

  it('records a string point id that is not a UUID, answers 422, and writes nothing', async () => {
    await client.createCollection('raw', { vectors: { size: 2, distance: 'Dot' } });
    await expect(client.upsert('raw', { wait: true, points: [{ id: 'pin-1', vector: [1, 2] }] })).rejects.toMatchObject({ status: 422 });
    await expect(client.query('raw', { query: [1, 0], limit: 0 })).rejects.toMatchObject({ status: 422 });
    expect(recorder.violations()).toEqual([
      expect.stringMatching(/^PUT \/collections\/raw\/points\?wait=true → body: .*\/points\/0\/id must match format "uuid"/),
      expect.stringMatching(/^POST \/collections\/raw\/points\/query → body: \/limit must be >= 1/),
    ]);
    expect((await client.count('raw', { exact: true })).count).toBe(0);
    expect(recorder.requests.map((r) => [r.operationId, r.status])).toEqual([
      ['create_collection', 200],
      ['upsert_points', 422],
      ['query_points', 422],
      ['count_points', 200],
    ]);
  });
});
