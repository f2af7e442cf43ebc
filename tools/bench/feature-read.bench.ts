/**
 * Feature-read latency on Redis: the cost of RedisFeatureStore.getMany over a bare ioredis `mgetBuffer` of the same
 * keys, and, for reference, the same records stored as hashes and read with pipelined HGETALLs.
 *
 * Writes `--items` item records `bench:i:<n>` and `--creators` creator records `bench:c:<n>` (packed binary values of
 * `--value-bytes` bytes: a format byte then seeded random bytes), plus the same records as hashes `bench:h:i:<n>` /
 * `bench:h:c:<n>` (one 8-byte field per 8 bytes of record). Then, for `--rounds` rounds after `--warmup` unmeasured
 * ones, picks `--batch` random items and their (distinct) creators and times, one call at a time on one connection
 * each, (a) and (b) in an order that alternates every round, then (c):
 *   (a) bare ioredis `mgetBuffer(keys)` on its own connection (default ioredis options),
 *   (b) `RedisFeatureStore.getMany(keys)` (its defaults: 1,000 ms command timeout, no offline queue),
 *   (c) one pipeline of `HGETALL` per key (`hgetallBuffer`) of the hashes of the same records.
 * Prints p50/p90/p99/max per method and the adapter/bare ratios of p50 and p99; removes every `bench:` key at the end.
 *   npm run bench:feature-read -- [--redis-url redis://127.0.0.1:6379] [--items 100000] [--creators 20000]
 *     [--value-bytes 200] [--rounds 5000] [--warmup 500] [--batch 500] [--seed 7] [--keep]
 * `--redis-url` defaults to REDIS_URL, then redis://127.0.0.1:6379 (`npm run infra:up` starts one).
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { mulberry32 } from '@recsys/algorithms';
import { openRedisFeatureStore, type FeatureWrite, type RedisFeatureStore } from '@recsys/stores';
import { percentile } from './src/latency';

const { values } = parseArgs({
  options: {
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    items: { type: 'string', default: '100000' },
    creators: { type: 'string', default: '20000' },
    'value-bytes': { type: 'string', default: '200' },
    rounds: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '500' },
    batch: { type: 'string', default: '500' },
    seed: { type: 'string', default: '7' },
    keep: { type: 'boolean', default: false },
    /** Leave out (c): its garbage (tens of MB per round) lands in (a)'s and (b)'s tails too. */
    'skip-hgetall': { type: 'boolean', default: false },
  },
});
const URL_ = values['redis-url'];
const ITEMS = Number(values.items);
const CREATORS = Number(values.creators);
const VALUE_BYTES = Number(values['value-bytes']);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const BATCH = Number(values.batch);
const SEED = Number(values.seed);
const PREFIX = 'bench:';
const LOAD_CHUNK = 5_000;
const FIELD_BYTES = 8;

const itemKey = (i: number): string => `${PREFIX}i:${i}`;
const creatorKey = (c: number): string => `${PREFIX}c:${c}`;
const hashKey = (key: string): string => `${PREFIX}h:${key.slice(PREFIX.length)}`;
/** The creator of item `i`: a fixed pseudo-random assignment (Knuth's multiplicative hash). */
const creatorOf = (i: number): number => ((i * 2_654_435_761) >>> 0) % CREATORS;

/** A packed record: format byte 2, then seeded random bytes. */
function record(random: () => number): Buffer {
  const value = Buffer.allocUnsafe(VALUE_BYTES);
  value[0] = 2;
  for (let j = 1; j < VALUE_BYTES; j++) value[j] = Math.floor(random() * 256);
  return value;
}

/** The record as hash fields `f0`, `f1`, … of 8 bytes each (the last one shorter). */
function fields(value: Buffer): (string | Buffer)[] {
  const out: (string | Buffer)[] = [];
  for (let at = 0, f = 0; at < value.length; at += FIELD_BYTES, f++) out.push(`f${f}`, value.subarray(at, at + FIELD_BYTES));
  return out;
}

async function load(store: RedisFeatureStore, admin: Redis): Promise<void> {
  const random = mulberry32(SEED);
  const keys = [...Array.from({ length: ITEMS }, (_, i) => itemKey(i)), ...Array.from({ length: CREATORS }, (_, c) => creatorKey(c))];
  const started = Date.now();
  for (let from = 0; from < keys.length; from += LOAD_CHUNK) {
    const writes: FeatureWrite[] = keys.slice(from, from + LOAD_CHUNK).map((key) => ({ key, value: record(random) }));
    await store.setMany(writes);
    const hashes = admin.pipeline();
    for (const write of writes) hashes.hset(hashKey(write.key), ...fields(write.value as Buffer));
    const results = await hashes.exec();
    const failed = results?.find(([error]) => error !== null);
    if (failed) throw failed[0];
  }
  console.log(`loaded ${ITEMS} item + ${CREATORS} creator records of ${VALUE_BYTES} bytes (and as hashes) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function removeBenchKeys(admin: Redis): Promise<number> {
  let removed = 0;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 5_000);
    if (keys.length > 0) removed += await admin.unlink(keys);
    cursor = next;
  } while (cursor !== '0');
  return removed;
}

/** The keys of one round: `BATCH` random items, then their distinct creators. */
function roundKeys(random: () => number): string[] {
  const items = new Set<number>();
  while (items.size < Math.min(BATCH, ITEMS)) items.add(Math.floor(random() * ITEMS));
  const creators = new Set<number>();
  for (const i of items) creators.add(creatorOf(i));
  return [...[...items].map(itemKey), ...[...creators].map(creatorKey)];
}

type Method = 'bare mgetBuffer' | 'RedisFeatureStore.getMany' | 'pipelined HGETALL';

function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

async function main(): Promise<void> {
  let store: RedisFeatureStore;
  try {
    store = await openRedisFeatureStore({ url: URL_, connectTimeoutMs: 3_000, onWarning: () => undefined });
  } catch (error) {
    console.error(`${(error as Error).message}\nStart the local Redis with \`npm run infra:up\` (or pass --redis-url).`);
    process.exitCode = 1;
    return;
  }
  const bare = new Redis(URL_, { lazyConnect: true });
  const admin = new Redis(URL_, { lazyConnect: true });
  await Promise.all([bare.connect(), admin.connect()]);
  try {
    const server = await admin.info('server');
    console.log(
      `Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), Redis ${/redis_version:(\S+)/.exec(server)?.[1]} at ${store.where}, ioredis 6 (RESP3 by default)`,
    );
    console.log(`${ITEMS} items, ${CREATORS} creators, ${VALUE_BYTES}-byte values; ${ROUNDS} rounds of ${BATCH} items + their creators after ${WARMUP} warm-up rounds`);
    await removeBenchKeys(admin);
    await load(store, admin);

    const methods: Record<Method, (keys: string[]) => Promise<unknown>> = {
      'bare mgetBuffer': (keys) => bare.mgetBuffer(keys),
      'RedisFeatureStore.getMany': (keys) => store.getMany(keys),
      'pipelined HGETALL': async (keys) => {
        const pipeline = admin.pipeline();
        for (const key of keys) pipeline.hgetallBuffer(hashKey(key));
        return pipeline.exec();
      },
    };
    const order = (Object.keys(methods) as Method[]).filter((m) => !(values['skip-hgetall'] && m === 'pipelined HGETALL'));
    const samples: Record<Method, number[]> = { 'bare mgetBuffer': [], 'RedisFeatureStore.getMany': [], 'pipelined HGETALL': [] };
    const random = mulberry32(SEED + 1);
    let keyCount = 0;
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      const keys = roundKeys(random);
      if (round === 0) {
        // The adapter answers exactly what Redis holds, in request order.
        const [expected, got] = [await bare.mgetBuffer(keys), await store.getMany(keys)];
        const same = expected.length === got.length && expected.every((v, i) => v !== null && Buffer.compare(v, got[i] as Buffer) === 0);
        if (!same) throw new Error('RedisFeatureStore.getMany and mgetBuffer disagree');
      }
      // (a) and (b) swap places every round and (c) comes last, so each of (a) and (b) runs first, and right after
      // the previous round's HGETALL garbage, equally often.
      const sequence: Method[] = round % 2 === 0 ? [order[0], order[1], ...order.slice(2)] : [order[1], order[0], ...order.slice(2)];
      for (const method of sequence) {
        const started = nowMs();
        await methods[method](keys);
        const elapsed = nowMs() - started;
        if (round >= WARMUP) samples[method].push(elapsed);
      }
      if (round >= WARMUP) keyCount += keys.length;
    }

    const stats = (method: Method): { p50: number; p90: number; p99: number; max: number; mean: number } => {
      const sorted = [...samples[method]].sort((a, b) => a - b);
      const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
      return { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1], mean };
    };
    console.log(`\nkeys per round: mean ${(keyCount / ROUNDS).toFixed(1)} (${BATCH} items + their distinct creators)`);
    console.log('| method | p50 | p90 | p99 | max | mean |');
    console.log('|---|---|---|---|---|---|');
    for (const method of order) {
      const s = stats(method);
      console.log(`| ${method} | ${s.p50.toFixed(3)} ms | ${s.p90.toFixed(3)} ms | ${s.p99.toFixed(3)} ms | ${s.max.toFixed(3)} ms | ${s.mean.toFixed(3)} ms |`);
    }
    const a = stats('bare mgetBuffer');
    const b = stats('RedisFeatureStore.getMany');
    console.log(`\nadapter / bare: p50 ${(b.p50 / a.p50).toFixed(3)}×, p99 ${(b.p99 / a.p99).toFixed(3)}×`);
  } finally {
    if (!values.keep) console.log(`\nremoved ${await removeBenchKeys(admin)} bench keys`);
    await store.close();
    await Promise.all([bare.quit(), admin.quit()]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
