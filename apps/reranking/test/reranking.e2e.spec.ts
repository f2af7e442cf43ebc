// End-to-end: the reranking service over real gRPC on 127.0.0.1 (filters, diversity windows, page size, layout, validation).
import { Writable } from 'node:stream';
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import {
  RerankColumnsRequest,
  RerankRequest,
  RerankingServiceClient,
  columnBytes,
  dictionaryToWire,
  readDictionary,
  readFloat64Column,
  readUint32Column,
  type RerankCandidate,
  type RerankResponse,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { createLogger } from '@recsys/logger';
import { startRerankingApp, type RerankingApp } from '../src/app';
import { loadConfig } from '../src/config';

const silent = new Writable({ write: (_chunk, _encoding, done) => done() });

let app: RerankingApp;
let client: PromiseClient<RerankingServiceClient>;
let address: string;

beforeAll(async () => {
  // Defaults of every knob (window 4, 2 per topic, 1 per creator, 2 columns) except the port.
  const config = loadConfig({ GRPC_PORT: '0' });
  app = await startRerankingApp(config, createLogger({ service: 'reranking', level: 'error', stream: silent }));
  address = `127.0.0.1:${app.server.port}`;
  client = createClient(RerankingServiceClient, address, { timeoutMs: 5000 });
});

afterAll(async () => {
  client.close();
  await app.server.shutdown(1000);
  await app.close();
});

/** A candidate with distinct topic and creator unless given. */
function cand(id: string, over: Partial<Omit<RerankCandidate, 'candidate'>> = {}): RerankCandidate {
  return {
    candidate: { itemId: id, channels: [{ channel: 'recall/popular', score: 1 }], explanation: `because ${id}`, scores: { recall: 1, preRank: 0.5, rank: 0.25, rerank: 0, tasks: { click: 0.1 } } },
    creatorId: `creator-${id}`,
    topic: `topic-${id}`,
    aspectRatio: 1,
    unsafe: false,
    ...over,
  };
}

function request(over: Partial<RerankRequest>): RerankRequest {
  return RerankRequest.fromPartial({ userId: 'u1', pageSize: 10, ...over });
}

const ids = (res: RerankResponse) => res.items.map((i) => i.candidate?.itemId);
const removedBy = (res: RerankResponse) => Object.fromEntries(res.removed.map((r) => [r.itemId, r.removedBy]));

/** Every window of `window` consecutive items holds at most `maxTopic` per topic and `maxCreator` per creator. */
function windowViolations(page: RerankCandidate[], window: number, maxTopic: number, maxCreator: number): string[] {
  const problems: string[] = [];
  for (let start = 0; start + window <= page.length; start++) {
    const slice = page.slice(start, start + window);
    const count = (key: (c: RerankCandidate) => string) => {
      const m = new Map<string, number>();
      for (const c of slice) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
      return Math.max(...m.values());
    };
    if (count((c) => c.topic) > maxTopic) problems.push(`topic limit broken in window at ${start}`);
    if (count((c) => c.creatorId) > maxCreator) problems.push(`creator limit broken in window at ${start}`);
  }
  return problems;
}

describe('reranking service over gRPC', () => {
  it('removes seen and unsafe items and names the component that removed each', async () => {
    const res = await client.rerank(
      request({
        candidates: [cand('a'), cand('b'), cand('c', { unsafe: true }), cand('d'), cand('e')],
        seenItemIds: ['b', 'zzz'],
      }),
    );
    expect(ids(res)).toEqual(['a', 'd', 'e']);
    expect(res.removed).toEqual([
      { itemId: 'b', removedBy: 'filter/seen' },
      { itemId: 'c', removedBy: 'filter/unsafe' },
    ]);
  });

  it('passes the wire candidate through and sets the rerank score by page position', async () => {
    const res = await client.rerank(request({ candidates: [cand('a'), cand('b')] }));
    const first = res.items[0].candidate;
    expect(first?.channels).toEqual([{ channel: 'recall/popular', score: 1 }]);
    expect(first?.explanation).toBe('because a');
    expect(first?.scores).toMatchObject({ recall: 1, preRank: 0.5, rank: 0.25, rerank: 1, tasks: { click: 0.1 } });
    expect(res.items[1].candidate?.scores?.rerank).toBe(0.5);
  });

  it('orders the page so that every window of 4 has at most 2 per topic and 1 per creator', async () => {
    // Hand-worked with window 4, 2 per topic, 1 per creator (request order = ranking):
    // pos0 a1; pos1 a2 (A twice is allowed); pos2 a3 breaks A, b4 repeats creator x → b5;
    // pos3 a3 (A) and b4 (x) still blocked → c6; pos4 window {a2,b5,c6}: a3 fits; pos5 window {b5,c6,a3}: b4 fits.
    const candidates = [
      cand('a1', { topic: 'A', creatorId: 'x' }),
      cand('a2', { topic: 'A', creatorId: 'y' }),
      cand('a3', { topic: 'A', creatorId: 'z' }),
      cand('b4', { topic: 'B', creatorId: 'x' }),
      cand('b5', { topic: 'B', creatorId: 'w' }),
      cand('c6', { topic: 'C', creatorId: 'v' }),
      cand('a7', { topic: 'A', creatorId: 'u' }),
      cand('c8', { topic: 'C', creatorId: 't' }),
    ];
    const res = await client.rerank(request({ candidates, pageSize: 6 }));
    expect(ids(res)).toEqual(['a1', 'a2', 'b5', 'c6', 'a3', 'b4']);
    expect(removedBy(res)).toEqual({ a7: 'selector/page-size', c8: 'selector/page-size' });
    const page = res.items.map((i) => candidates.find((c) => c.candidate?.itemId === i.candidate?.itemId) as RerankCandidate);
    expect(windowViolations(page, 4, 2, 1)).toEqual([]);
  });

  it('keeps the window limits on a larger page of clustered candidates', async () => {
    // Ranked so that the raw order is clustered (runs of one topic and repeated creators).
    const candidates = Array.from({ length: 60 }, (_, i) => cand(`p${i}`, { topic: `t${Math.floor(i / 8)}`, creatorId: `c${Math.floor(i / 3) % 12}` }));
    const raw = candidates.slice(0, 24);
    expect(windowViolations(raw, 4, 2, 1).length).toBeGreaterThan(0);
    const res = await client.rerank(request({ candidates, pageSize: 24 }));
    expect(res.items).toHaveLength(24);
    const page = res.items.map((i) => candidates.find((c) => c.candidate?.itemId === i.candidate?.itemId) as RerankCandidate);
    expect(windowViolations(page, 4, 2, 1)).toEqual([]);
    expect(res.removed).toHaveLength(36);
    expect(new Set(res.removed.map((r) => r.removedBy))).toEqual(new Set(['selector/page-size']));
  });

  it('honours the page size', async () => {
    const candidates = Array.from({ length: 10 }, (_, i) => cand(`i${i}`));
    const res = await client.rerank(request({ candidates, pageSize: 3 }));
    expect(ids(res)).toEqual(['i0', 'i1', 'i2']);
    expect(res.removed.map((r) => r.itemId)).toEqual(['i3', 'i4', 'i5', 'i6', 'i7', 'i8', 'i9']);
    expect(res.removed.every((r) => r.removedBy === 'selector/page-size')).toBe(true);
  });

  it('assigns columns shortest-first from aspect ratios (default 2 columns, or as requested)', async () => {
    // Heights 1/aspect: 1, 2, 0.5, 1. Two columns: a→0 (col heights 1|0), b→1 (1|2), c→0 (1.5|2), d→0 (2.5|2).
    const candidates = [cand('a', { aspectRatio: 1 }), cand('b', { aspectRatio: 0.5 }), cand('c', { aspectRatio: 2 }), cand('d', { aspectRatio: 1 })];
    const two = await client.rerank(request({ candidates }));
    expect(two.items.map((i) => [i.candidate?.itemId, i.column])).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 0],
      ['d', 0],
    ]);
    // Three columns: a→0, b→1, c→2 (heights 1, 2, 0.5), d→2.
    const three = await client.rerank(request({ candidates, columns: 3 }));
    expect(three.items.map((i) => i.column)).toEqual([0, 1, 2, 2]);
    const one = await client.rerank(request({ candidates, columns: 1 }));
    expect(one.items.map((i) => i.column)).toEqual([0, 0, 0, 0]);
  });

  it('answers an empty candidate list with an empty page', async () => {
    expect(await client.rerank(request({ candidates: [] }))).toEqual({ items: [], removed: [] });
  });

  it.each([
    ['page_size', 'zero', { pageSize: 0 }],
    ['page_size', 'above 100', { pageSize: 101 }],
    ['columns', 'above 8', { columns: 9 }],
    ['candidates', 'more than 2000', { candidates: Array.from({ length: 2001 }, (_, i) => cand(`x${i}`)) }],
    ['candidates[1].aspect_ratio', 'zero', { candidates: [cand('a'), cand('b', { aspectRatio: 0 })] }],
    ['candidates[1].aspect_ratio', 'negative', { candidates: [cand('a'), cand('b', { aspectRatio: -1 })] }],
    ['candidates[0].aspect_ratio', 'NaN', { candidates: [cand('a', { aspectRatio: Number.NaN })] }],
    ['candidates[0].aspect_ratio', 'infinite', { candidates: [cand('a', { aspectRatio: Number.POSITIVE_INFINITY })] }],
    ['candidates[1].candidate.item_id', 'missing candidate', { candidates: [cand('a'), { ...cand('b'), candidate: undefined }] }],
    ['candidates[1].candidate.item_id', 'empty', { candidates: [cand('a'), cand('')] }],
    ['candidates[1].candidate.item_id', '129 characters', { candidates: [cand('a'), cand('x'.repeat(129))] }],
    ['candidates[2].candidate.item_id', 'duplicate', { candidates: [cand('a'), cand('b'), cand('a')] }],
  ] as [string, string, Partial<RerankRequest>][])('rejects %s (%s) with INVALID_ARGUMENT naming it', async (field, _what, over) => {
    const error = await client.rerank(request(over)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RecsysError);
    expect((error as RecsysError).category).toBe('bad-request');
    expect((error as RecsysError).message).toContain(`${field}:`);
  });

  /** The candidates of a Rerank request as a RerankColumns request. */
  const columns = (candidates: RerankCandidate[], over: Partial<RerankColumnsRequest> = {}): RerankColumnsRequest =>
    RerankColumnsRequest.fromPartial({
      userId: 'u1',
      pageSize: 10,
      itemIds: candidates.map((c) => c.candidate?.itemId ?? ''),
      creatorIds: dictionaryToWire(candidates.length, (r) => candidates[r].creatorId),
      topics: dictionaryToWire(candidates.length, (r) => candidates[r].topic),
      aspectRatios: columnBytes(Float32Array.from(candidates, (c) => c.aspectRatio)),
      unsafe: Buffer.from(candidates.map((c) => (c.unsafe ? 1 : 0))),
      ...over,
    });

  it('RerankColumns builds the same page as Rerank, as request rows with columns, scores and removals', async () => {
    const candidates = [
      cand('a', { topic: 't1', aspectRatio: 0.5 }),
      cand('b', { topic: 't1' }),
      cand('c', { topic: 't1', unsafe: true }),
      cand('d', { topic: 't1', creatorId: 'creator-a' }),
      cand('e', { topic: 't2', aspectRatio: 2 }),
      cand('f', { topic: 't1' }),
    ];
    const seenItemIds = ['b'];
    const byItem = await client.rerank(request({ candidates, seenItemIds, pageSize: 3 }));
    const res = await client.rerankColumns(columns(candidates, { seenItemIds, pageSize: 3 }));
    const rows = Array.from(readUint32Column(res.rows, byItem.items.length, 'rows'));
    expect(rows.map((r) => candidates[r].candidate?.itemId)).toEqual(ids(byItem));
    expect(Array.from(readUint32Column(res.columns, rows.length, 'columns'))).toEqual(byItem.items.map((i) => i.column));
    expect(Array.from(readFloat64Column(res.scores, rows.length, 'scores'))).toEqual(byItem.items.map((i) => i.candidate?.scores?.rerank));
    const removedRows = Array.from(readUint32Column(res.removedRows, byItem.removed.length, 'removed_rows'));
    const by = readDictionary(res.removedBy, removedRows.length, 'removed_by');
    expect(Object.fromEntries(removedRows.map((r, i) => [candidates[r].candidate?.itemId, by.values[by.indexes[i]]]))).toEqual(removedBy(byItem));
    expect(await client.rerankColumns(columns([]))).toMatchObject({ rows: Buffer.alloc(0), removedRows: Buffer.alloc(0) });
  });

  it.each([
    ['item_ids[1]', 'a duplicate id', columns([cand('a'), cand('a')])],
    ['aspect_ratios[0]', 'a zero aspect ratio', columns([cand('a', { aspectRatio: 0 })])],
    ['aspect_ratios', 'too few aspect ratios', columns([cand('a'), cand('b')], { aspectRatios: columnBytes(Float32Array.of(1)) })],
    ['topics.indexes', 'a topic index past the dictionary', columns([cand('a')], { topics: { values: [], indexes: columnBytes(Uint32Array.of(0)) } })],
    ['unsafe', 'no unsafe column', columns([cand('a')], { unsafe: Buffer.alloc(0) })],
    ['page_size', 'zero', columns([cand('a')], { pageSize: 0 })],
  ] as [string, string, RerankColumnsRequest][])('RerankColumns rejects %s (%s) with INVALID_ARGUMENT naming it', async (field, _what, req) => {
    const error = await client.rerankColumns(req).then(
      () => undefined,
      (e: unknown) => e as RecsysError,
    );
    expect(error?.category).toBe('bad-request');
    expect(error?.message).toContain(`${field}:`);
  });

  it('reports bad input with the gRPC status INVALID_ARGUMENT on the wire', async () => {
    const raw = new RerankingServiceClient(address, credentials.createInsecure());
    try {
      const error = await new Promise<ServiceError | null>((resolve) => {
        raw.rerank(request({ pageSize: 0 }), (err) => resolve(err));
      });
      expect(error?.code).toBe(status.INVALID_ARGUMENT);
      expect(error?.details).toContain('page_size');
    } finally {
      raw.close();
    }
  });
});
