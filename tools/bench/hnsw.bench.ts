/**
 * HNSW recall and speed of the embedded vector store (HnswVectorStore over hnswlib-node) against exact brute force:
 * recall@10, queries/s and latency single-threaded for several `ef`, build time, save/load time, on
 *   1. the simulator world's pin embeddings (unit 16-d, clustered by topic; cosine), plus filtered searches by the
 *      query pin's primary topic and by its creator, and
 *   2. random standard-normal vectors (64-d; euclid).
 * Queries are held-out vectors (never indexed). A hit counts as found when its exact score is at least the exact
 * 10th-best score (so ties at the boundary are not counted as misses).
 *   npm run bench:hnsw -- [--n 100000] [--queries 1000] [--dim 64] [--ef 16,32,64,128,256] [--m 16]
 *                         [--ef-construction 200] [--seed 7] [--only pins|random]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { generateWorld } from '@recsys/simulator';
import { openHnswVectorStore, type HnswVectorStore, type VectorDistance, type VectorFilter, type VectorPayload } from '@recsys/stores';
import { summarize } from './src/latency';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    queries: { type: 'string', default: '1000' },
    dim: { type: 'string', default: '64' },
    ef: { type: 'string', default: '16,32,64,128,256' },
    m: { type: 'string', default: '16' },
    'ef-construction': { type: 'string', default: '200' },
    seed: { type: 'string', default: '7' },
    only: { type: 'string' },
  },
});
const N = Number(values.n);
const Q = Number(values.queries);
const K = 10;
const EFS = values.ef.split(',').map(Number);
const M = Number(values.m);
const EF_CONSTRUCTION = Number(values['ef-construction']);
const SEED = Number(values.seed);

interface Dataset {
  name: string;
  description: string;
  distance: VectorDistance;
  dim: number;
  /** n × dim, row-major. */
  base: Float32Array;
  /** q × dim, row-major. */
  queries: Float32Array;
  payloads?: VectorPayload[];
  /** Filtered workloads: a name and, per query, a filter and the predicate it means. */
  filters?: { name: string; of: (q: number) => { filter: VectorFilter; accept: (i: number) => boolean } }[];
}

function row(a: Float32Array, i: number, dim: number): Float32Array {
  return a.subarray(i * dim, (i + 1) * dim);
}

/** Port score (higher is better) of base row i for a query; cosine rows and queries are pre-normalized copies. */
function scorer(d: Dataset): (q: Float32Array, i: number) => number {
  const { dim, distance } = d;
  const base = distance === 'cosine' ? normalizedRows(d.base, dim) : d.base;
  return (q, i) => {
    let s = 0;
    const o = i * dim;
    if (distance === 'euclid') {
      for (let j = 0; j < dim; j++) s += (q[j] - base[o + j]) ** 2;
      return -Math.sqrt(s);
    }
    for (let j = 0; j < dim; j++) s += q[j] * base[o + j];
    return s;
  };
}

function normalizedRows(a: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let o = 0; o < a.length; o += dim) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += a[o + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < dim; j++) out[o + j] = a[o + j] / norm;
  }
  return out;
}

function queryVector(d: Dataset, qi: number): Float32Array {
  const q = row(d.queries, qi, d.dim);
  return d.distance === 'cosine' ? normalizedRows(q, d.dim) : q;
}

/** The exact K-th best score per query among rows `accept` admits (−Infinity when fewer than K are admitted). */
function exactKth(d: Dataset, score: (q: Float32Array, i: number) => number, accept?: (qi: number) => (i: number) => boolean): { kth: Float64Array; seconds: number } {
  const n = d.base.length / d.dim;
  const kth = new Float64Array(Q);
  const top = new Float64Array(K);
  const started = process.hrtime.bigint();
  for (let qi = 0; qi < Q; qi++) {
    const q = queryVector(d, qi);
    const admits = accept?.(qi);
    top.fill(-Infinity);
    for (let i = 0; i < n; i++) {
      if (admits !== undefined && !admits(i)) continue;
      const s = score(q, i);
      if (s <= top[K - 1]) continue;
      let j = K - 1;
      while (j > 0 && top[j - 1] < s) {
        top[j] = top[j - 1];
        j--;
      }
      top[j] = s;
    }
    kth[qi] = top[K - 1];
  }
  return { kth, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

interface Measured {
  recall: number;
  qps: number;
  p50: number;
  p99: number;
}

async function measure(
  store: HnswVectorStore,
  d: Dataset,
  score: (q: Float32Array, i: number) => number,
  kth: Float64Array,
  ef: number,
  filterOf?: (qi: number) => VectorFilter,
): Promise<Measured> {
  for (let qi = 0; qi < Math.min(200, Q); qi++) await store.search(d.name, row(d.queries, qi, d.dim), { limit: K, ef, filter: filterOf?.(qi) });
  const latencies: number[] = [];
  let found = 0;
  let expected = 0;
  const started = process.hrtime.bigint();
  const results: string[][] = [];
  for (let qi = 0; qi < Q; qi++) {
    const t = process.hrtime.bigint();
    const hits = await store.search(d.name, row(d.queries, qi, d.dim), { limit: K, ef, filter: filterOf?.(qi) });
    latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    results.push(hits.map((h) => h.id));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (let qi = 0; qi < Q; qi++) {
    const q = queryVector(d, qi);
    const admissible = kth[qi] === -Infinity ? undefined : kth[qi];
    // With fewer than K admissible points every admissible point is expected; count them through the hits found.
    expected += admissible === undefined ? results[qi].length : K;
    for (const id of results[qi]) if (admissible === undefined || score(q, Number(id)) >= admissible - 1e-5) found++;
  }
  const s = summarize(latencies);
  return { recall: expected === 0 ? 1 : found / expected, qps: Q / seconds, p50: s.p50, p99: s.p99 };
}

function dirMegabytes(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    bytes += entry.isDirectory() ? dirMegabytes(full) * 1e6 : statSync(full).size;
  }
  return bytes / 1e6;
}

const fmt = (x: number, digits = 0): string => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

async function run(d: Dataset): Promise<void> {
  const n = d.base.length / d.dim;
  console.log(`\ndataset ${d.name}: ${fmt(n)} × ${d.dim}, ${d.distance}; ${d.description}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'recsys-hnsw-bench-'));
  try {
    const store = await openHnswVectorStore({ dir, m: M, efConstruction: EF_CONSTRUCTION });
    await store.ensureCollection(d.name, { dimension: d.dim, distance: d.distance });
    let started = process.hrtime.bigint();
    const batch = 5_000;
    for (let from = 0; from < n; from += batch) {
      const points = [];
      for (let i = from; i < Math.min(n, from + batch); i++) points.push({ id: String(i), vector: row(d.base, i, d.dim), payload: d.payloads?.[i] });
      await store.upsert(d.name, points);
    }
    const buildSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const rss = process.memoryUsage().rss / 1e6;
    started = process.hrtime.bigint();
    await store.flush();
    const saveSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const megabytes = dirMegabytes(dir);
    await store.close();
    started = process.hrtime.bigint();
    const loaded = await openHnswVectorStore({ dir, m: M, efConstruction: EF_CONSTRUCTION });
    const loadSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `  build ${fmt(buildSeconds, 1)} s (${fmt(n / buildSeconds)} points/s, batches of ${fmt(batch)}); process rss ${fmt(rss)} MB after build; ` +
        `save ${fmt(saveSeconds, 2)} s (${fmt(megabytes, 1)} MB on disk), load ${fmt(loadSeconds, 2)} s`,
    );

    const score = scorer(d);
    const exact = exactKth(d, score);
    console.log(`  exact brute force (JS, Float32Array scan): ${fmt(Q / exact.seconds, 1)} queries/s`);
    console.log('  ef     recall@10   queries/s   p50 ms   p99 ms');
    for (const ef of EFS) {
      const r = await measure(loaded, d, score, exact.kth, ef);
      console.log(`  ${String(ef).padEnd(6)} ${r.recall.toFixed(4).padEnd(11)} ${fmt(r.qps).padEnd(11)} ${r.p50.toFixed(3).padEnd(8)} ${r.p99.toFixed(3)}`);
    }
    for (const f of d.filters ?? []) {
      const truth = exactKth(d, score, (qi) => f.of(qi).accept);
      console.log(`  filtered: ${f.name}`);
      for (const ef of [64, 256]) {
        const r = await measure(loaded, d, score, truth.kth, ef, (qi) => f.of(qi).filter);
        console.log(`  ${String(ef).padEnd(6)} ${r.recall.toFixed(4).padEnd(11)} ${fmt(r.qps).padEnd(11)} ${r.p50.toFixed(3).padEnd(8)} ${r.p99.toFixed(3)}`);
      }
    }
    await loaded.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function pinsDataset(): Dataset {
  const started = Date.now();
  const world = generateWorld({ seed: SEED, pins: N + Q, users: 1_000 });
  const dim = world.pins[0].embedding.length;
  // Pins are ordered by creation time; take every (N+Q)/Q-th pin as a held-out query so queries span the window.
  const stride = Math.floor((N + Q) / Q);
  const isQuery = (i: number): boolean => i % stride === stride - 1 && Math.floor(i / stride) < Q;
  const base = new Float32Array(N * dim);
  const queries = new Float32Array(Q * dim);
  const payloads: VectorPayload[] = [];
  const queryPins: (typeof world.pins)[number][] = [];
  for (let i = 0, b = 0; i < world.pins.length; i++) {
    const pin = world.pins[i];
    if (isQuery(i) && queryPins.length < Q) {
      queries.set(pin.embedding, queryPins.length * dim);
      queryPins.push(pin);
    } else if (b < N) {
      base.set(pin.embedding, b * dim);
      payloads.push({ topic: pin.topics[0], topics: pin.topics, creator: pin.creatorId });
      b++;
    }
  }
  const topicOf = payloads.map((p) => p.topic);
  const creatorOf = payloads.map((p) => p.creator);
  const creatorSizes = new Map<unknown, number>();
  for (const c of creatorOf) creatorSizes.set(c, (creatorSizes.get(c) ?? 0) + 1);
  const sizes = queryPins.map((p) => creatorSizes.get(p.creatorId) ?? 0).sort((a, b) => a - b);
  return {
    name: 'world-pins',
    description: `simulator world seed ${SEED} (generated in ${((Date.now() - started) / 1000).toFixed(1)} s), ${fmt(Q)} held-out pins as queries`,
    distance: 'cosine',
    dim,
    base,
    queries,
    payloads,
    filters: [
      {
        name: `topic = query pin's primary topic (${world.topics.length} topics, ~${fmt(N / world.topics.length)} points each; exact scan up to 2,000 points, else graph walk with the filter)`,
        of: (qi) => ({ filter: { must: [{ key: 'topic', equals: queryPins[qi].topics[0] }] }, accept: (i) => topicOf[i] === queryPins[qi].topics[0] }),
      },
      {
        name: `creator = query pin's creator (median ${fmt(sizes[sizes.length >> 1])} points, p90 ${fmt(sizes[Math.floor(sizes.length * 0.9)])}; exact scan up to 2,000 points, else graph walk)`,
        of: (qi) => ({ filter: { must: [{ key: 'creator', equals: queryPins[qi].creatorId }] }, accept: (i) => creatorOf[i] === queryPins[qi].creatorId }),
      },
    ],
  };
}

function randomDataset(): Dataset {
  const dim = Number(values.dim);
  let s = SEED >>> 0;
  const uniform = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4_294_967_297;
  };
  const normals = (count: number): Float32Array => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i += 2) {
      const r = Math.sqrt(-2 * Math.log(uniform()));
      const a = 2 * Math.PI * uniform();
      out[i] = r * Math.cos(a);
      if (i + 1 < count) out[i + 1] = r * Math.sin(a);
    }
    return out;
  };
  return {
    name: 'random-normal',
    description: `i.i.d. N(0, 1) components (seed ${SEED}), ${fmt(Q)} fresh vectors as queries`,
    distance: 'euclid',
    dim,
    base: normals(N * dim),
    queries: normals(Q * dim),
  };
}

async function main(): Promise<void> {
  console.log(
    `HNSW vector search: HnswVectorStore over hnswlib-node 3.0.0, M=${M}, efConstruction=${EF_CONSTRUCTION}; ${fmt(Q)} queries, ` +
      `recall@${K} against exact brute force (a hit counts when its exact score reaches the exact ${K}th-best); single-threaded, sequential queries`,
  );
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}`);
  const started = Date.now();
  if (values.only === undefined || values.only === 'pins') await run(pinsDataset());
  if (values.only === undefined || values.only === 'random') await run(randomDataset());
  console.log(`\ntook ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
