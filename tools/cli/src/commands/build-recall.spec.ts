import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typeScriptWorker } from '@recsys/testing';
import { RECALL_MODELS, decodeRecallArtifact, type AlsArtifact, type ItemCFArtifact, type UserCFArtifact } from '@recsys/algorithms';
import type { EngagementEvent, EventType } from '@recsys/domain';
import { LocalModelStore } from '@recsys/stores';
import { WorldEventMatrix, buildRecallCommand, parseBuildRecallArgs } from './build-recall';


/** The ALS worker thread from the TypeScript sources. */
const SOURCE_ALS_WORKER = typeScriptWorker('libs/algorithms/src/mf/als-worker.ts');

async function readLatest(out: string, name: string) {
  const store = new LocalModelStore(out);
  const version = await store.latest(name);
  if (!version) throw new Error(`nothing published as ${name}`);
  const files: Record<string, Uint8Array> = {};
  for (const file of version.files) files[file] = await store.read(name, version.version, file);
  return { version: version.version, artifact: decodeRecallArtifact(files) };
}

describe('buildRecallCommand', () => {
  const root = mkdtempSync(join(tmpdir(), 'recsys-build-recall-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  // u1: a b · u2: a b c · u3: c d — and a repeated row (u3, d) whose weights sum.
  const csv = join(root, 'tiny.csv');
  writeFileSync(csv, 'user,item,weight\nu1,a,1\nu1,b,1\nu2,a,1\nu2,b,1\nu2,c,1\nu3,c,1\nu3,d,0.5\nu3,d,0.5\n');

  it('publishes item-CF, user-CF and ALS under one sortable version', async () => {
    const out = join(root, 'models');
    const lines: string[] = [];
    const summary = await buildRecallCommand({
      data: csv,
      format: 'interactions-csv',
      out,
      itemK: 2,
      userK: 2,
      factors: 3,
      iterations: 4,
      threads: 1,
      progress: false,
      print: (l) => lines.push(l),
    });
    expect(summary).toMatchObject({ users: 3, items: 4, interactions: 7, models: RECALL_MODELS, alsThreads: 1 });
    expect(summary.version).toMatch(/^v\d{14}-0000$/);
    expect(Object.keys(summary.seconds)).toEqual(['load', 'itemcf', 'usercf', 'als', 'publish']);

    // Item columns over users: a {u1,u2}, b {u1,u2}, c {u2,u3}, d {u3}: cos(a,b) = 1, cos(a,c) = 1/2, cos(c,d) = 1/√2.
    const itemcf = await readLatest(out, 'recall/itemcf');
    expect(itemcf.version).toBe(summary.version);
    const items = itemcf.artifact as ItemCFArtifact;
    expect(items.itemIds).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(items.neighbors.indices)).toEqual([1, 2, 0, 2, 3, 0, 2, -1]);
    expect(items.neighbors.scores[4]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(items.info).toMatchObject({ dataset: 'interactions-csv tiny', params: { similarity: 'cosine', k: 2 } });

    // User rows over items: cos(u1,u2) = 2/√6; u3's neighbour is u2 at 1/√6.
    const users = (await readLatest(out, 'recall/usercf')).artifact as UserCFArtifact;
    expect(users.userIds).toEqual(['u1', 'u2', 'u3']);
    expect(Array.from(users.neighbors.indices)).toEqual([1, -1, 0, 2, 1, -1]);
    expect(users.neighbors.scores[0]).toBeCloseTo(2 / Math.sqrt(6), 6);
    expect(Array.from(users.rows.values)).toEqual([1, 1, 1, 1, 1, 1, 1]);

    const als = (await readLatest(out, 'recall/als')).artifact as AlsArtifact;
    expect(als.model).toMatchObject({ factors: 3, nUsers: 3, nItems: 4 });
    expect(als.model.itemFactors).toHaveLength(12);

    expect(lines.join('\n')).toMatch(/^matrix: 3 users × 4 items, 7 interactions\npublished recall\/itemcf v\d{14}-0000 \(0\.0 MB, built in [\d.]+ s\)/);

    // A second build in the same second still sorts after the first; flags not given keep their defaults.
    const parsed = parseBuildRecallArgs(['--data', csv, '--format', 'interactions-csv', '--out', out, '--factors', '2', '--iterations', '1']);
    const again = await buildRecallCommand({ ...parsed, threads: 1, progress: false, print: () => undefined });
    expect(again.version > summary.version).toBe(true);
    expect((await readLatest(out, 'recall/als')).version).toBe(again.version);
    expect((await readLatest(out, 'recall/itemcf')).artifact.info.params).toEqual({ similarity: 'cosine', shrinkage: 0, k: 50 });
  });

  it('trains ALS on worker threads to the same factors as on one thread', async () => {
    // 60 users × 40 items, so the threads have rows to share.
    const lines = ['user,item,weight'];
    for (let u = 0; u < 60; u++) for (let i = 0; i < 40; i++) if ((u * 7 + i * 3) % 5 === 0) lines.push(`u${u},i${i},${1 + ((u + i) % 3)}`);
    const data = join(root, 'grid.csv');
    writeFileSync(data, `${lines.join('\n')}\n`);
    const build = async (threads: number) => {
      const out = join(root, `threads-${threads}`);
      const printed: string[] = [];
      const summary = await buildRecallCommand({ data, format: 'interactions-csv', out, factors: 5, iterations: 4, threads, alsWorker: SOURCE_ALS_WORKER, progress: false, print: (l) => printed.push(l) });
      return { summary, printed, als: (await readLatest(out, 'recall/als')).artifact as AlsArtifact };
    };
    const one = await build(1);
    const three = await build(3);
    expect(three.summary.alsThreads).toBe(3);
    expect(three.printed.join('\n')).toMatch(/published recall\/als v\d{14}-0000 \(0\.0 MB, built in [\d.]+ s on 3 threads\)/);
    const bits = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    expect(bits(three.als.model.userFactors)).toEqual(bits(one.als.model.userFactors));
    expect(bits(three.als.model.itemFactors)).toEqual(bits(one.als.model.itemFactors));
  });

  it('trains ALS in one thread, saying so, when the worker threads cannot start', async () => {
    const printed: string[] = [];
    const summary = await buildRecallCommand({
      data: csv,
      format: 'interactions-csv',
      out: join(root, 'fallback'),
      factors: 2,
      iterations: 2,
      threads: 2,
      alsWorker: { script: join(root, 'missing-als-worker.js') },
      progress: false,
      print: (l) => printed.push(l),
    });
    expect(summary.alsThreads).toBe(1);
    expect(printed[0]).toMatch(/^ALS worker threads did not start \(.*missing-als-worker\.js does not exist.*\); training ALS in one thread$/);
    expect(printed.join('\n')).toMatch(/built in [\d.]+ s on 1 thread\)/);
  });

  it('parses its arguments and names the bad one', () => {
    expect(parseBuildRecallArgs(['--data', 'd', '--format', 'world', '--item-k', '20', '--similarity', 'jaccard'])).toMatchObject({
      data: 'd',
      format: 'world',
      out: '.data/models',
      itemK: 20,
      similarity: 'jaccard',
      factors: undefined,
    });
    expect(() => parseBuildRecallArgs(['--format', 'world'])).toThrow('--data is required');
    expect(() => parseBuildRecallArgs(['--data', 'd', '--format', 'parquet'])).toThrow('--format must be one of');
    expect(() => parseBuildRecallArgs(['--data', 'd', '--format', 'world', '--factors', '0'])).toThrow('--factors must be an integer ≥ 1 (got "0")');
    expect(() => parseBuildRecallArgs(['--data', 'd', '--format', 'world', '--similarity', 'dice'])).toThrow('--similarity must be one of');
    expect(parseBuildRecallArgs(['--data', 'd', '--format', 'world', '--threads', '3']).threads).toBe(3);
    expect(parseBuildRecallArgs(['--data', 'd', '--format', 'world']).threads).toBeUndefined();
    expect(() => parseBuildRecallArgs(['--data', 'd', '--format', 'world', '--threads', '0'])).toThrow('--threads must be an integer ≥ 1 (got "0")');
  });

  it('refuses a dataset without interactions', async () => {
    const empty = join(root, 'empty.csv');
    writeFileSync(empty, 'user,item\n');
    await expect(buildRecallCommand({ data: empty, format: 'interactions-csv', out: join(root, 'none'), progress: false, print: () => undefined })).rejects.toThrow(
      'no interactions',
    );
  });
});

describe('WorldEventMatrix', () => {
  it('weights clicks 1, saves and shares 3, sums per pair and ignores the rest', () => {
    const m = new WorldEventMatrix();
    const e = (userId: string, itemId: string, type: EventType, timestampMs: number): EngagementEvent => ({
      eventId: `${userId}-${itemId}-${timestampMs}`,
      userId,
      itemId,
      type,
      timestampMs,
      dwellMs: 0,
      requestId: '',
      position: 0,
      surface: 'home_feed',
      boardId: '',
    });
    for (const event of [e('u', 'a', 'click', 1), e('u', 'a', 'save', 5), e('u', 'b', 'impression', 2), e('u', 'b', 'hide', 3), e('v', 'b', 'share', 4)]) {
      m.add(event);
    }
    const matrix = m.build();
    expect(matrix.userIds).toEqual(['u', 'v']);
    expect(matrix.itemIds).toEqual(['a', 'b']);
    expect(Array.from(matrix.values)).toEqual([4, 3]);
    expect(Array.from(matrix.timestamps)).toEqual([5, 4]);
  });
});
