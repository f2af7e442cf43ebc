import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { EngagementEvent, EventType } from '@recsys/domain';
import { generateWorld, simulateEvents } from '@recsys/simulator';
import { loadDataset } from '../load-dataset';
import { fixture } from '../testing/fixtures';
import { readEvents, writeEventLog } from './event-log';
import { queryAll, sqlString } from './parquet';
import { WORLD_IMPLICIT_WEIGHTS } from './world-dataset';
import { readWorldManifest, writeWorldFiles } from './world-files';

jest.setTimeout(30_000);

async function collect(iterable: AsyncIterable<EngagementEvent>): Promise<EngagementEvent[]> {
  const out: EngagementEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const TYPES: EventType[] = ['impression', 'click', 'save', 'share', 'hide', 'dwell'];

/** `n` synthetic events: a deterministic spread of users, items and types. */
function syntheticEvents(n: number, timeOf: (i: number) => number): EngagementEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    eventId: `ev_${i}`,
    userId: `u${i % 37}`,
    itemId: `p${(i * 7) % 101}`,
    type: TYPES[i % TYPES.length],
    timestampMs: timeOf(i),
    dwellMs: i % TYPES.length === 5 ? 1000 + i : 0,
    requestId: `req_${Math.floor(i / 12)}`,
    position: i % 12,
    surface: i % 2 ? 'home_feed' : 'related_pins',
    boardId: i % TYPES.length === 2 ? `board_${i % 5}` : '',
  }));
}

describe('world files', () => {
  const fx = fixture();
  afterAll(() => fx.remove());
  const world = generateWorld({ seed: 11, pins: 400, users: 60, creators: 30, topics: 10, days: 5 });
  const events = [...simulateEvents(world, { seed: 5, events: 3000 })];
  const dir = join(fx.dir, 'world');

  beforeAll(async () => {
    await writeWorldFiles(world, dir);
    await writeEventLog(events, dir, { total: events.length, meta: { seed: 5 } });
  });

  it('writes every table and a manifest with counts, files and the event log', () => {
    const manifest = readWorldManifest(dir);
    expect(manifest).toMatchObject({ format: 'recsys.world/v1', seed: 11, options: world.options, startMs: world.startMs, endMs: world.endMs, embeddingDim: 16 });
    expect(manifest.counts).toEqual({
      categories: world.categories.length,
      topics: 10,
      creators: 30,
      pins: 400,
      users: 60,
      boards: world.boards.length,
      user_latents: 60,
      pin_latents: 400,
      segment_topic_priors: Object.keys(world.segmentTopicPriors).length,
      events: 3000,
    });
    expect(manifest.events).toEqual({ count: 3000, firstMs: events[0].timestampMs, lastMs: events[2999].timestampMs, meta: { seed: 5 } });
    expect(manifest.files.user_latents.groundTruth).toBe(true);
    expect(manifest.files.pins).toMatchObject({ path: 'pins.parquet', rows: 400, groundTruth: false });
    for (const f of Object.values(manifest.files)) expect(existsSync(join(dir, f.path))).toBe(true);
    // No staging database or partial file is left behind.
    expect(readdirSync(dir).sort()).toEqual([...Object.values(manifest.files).map((f) => f.path), 'manifest.json'].sort());
  });

  it('stores pins with list columns and exact values', async () => {
    const file = sqlString(join(dir, 'pins.parquet'));
    const rows = await queryAll(`SELECT id, creator_id, topics, embedding, CAST(created_at_ms AS DOUBLE) AS t, unsafe FROM read_parquet(${file}) LIMIT 2`);
    const types = await queryAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${file}))`);
    expect(types.map((r) => `${r.column_name} ${r.column_type}`)).toEqual([
      'id VARCHAR',
      'creator_id VARCHAR',
      'topics VARCHAR[]',
      'aspect_ratio FLOAT',
      'created_at_ms BIGINT',
      'quality FLOAT',
      'embedding FLOAT[]',
      'unsafe BOOLEAN',
    ]);
    const pin = world.pins[1];
    expect(rows[1].id).toBe(pin.id);
    expect(rows[1].creator_id).toBe(pin.creatorId);
    expect(rows[1].t).toBe(pin.createdAtMs);
    expect(rows[1].unsafe).toBe(pin.unsafe);
    expect(String(rows[1].topics)).toBe(`[${pin.topics.map((t) => `'${t}'`).join(', ')}]`);
    const embedding = (rows[1].embedding as { items: number[] }).items;
    expect(embedding).toHaveLength(16);
    embedding.forEach((v, d) => expect(v).toBeCloseTo(pin.embedding[d], 6));
  });

  it('keeps ground truth in its own files: latents with drift, segment priors', async () => {
    const rows = await queryAll(
      `SELECT user_id, interests, main_topics, activity, drift_target, drift_topics FROM read_parquet(${sqlString(join(dir, 'user_latents.parquet'))}) LIMIT 1`,
    );
    const latent = world.userLatents[0];
    expect(rows[0].user_id).toBe(world.users[0].id);
    expect((rows[0].interests as { items: number[] }).items).toEqual(latent.interests);
    expect((rows[0].main_topics as { items: number[] }).items).toEqual(latent.mainTopics);
    expect((rows[0].drift_target as { items: number[] }).items).toEqual(latent.driftTarget);
    expect(rows[0].activity).toBe(latent.activity);
    const users = await queryAll(`SELECT * FROM read_parquet(${sqlString(join(dir, 'users.parquet'))})`);
    expect(Object.keys(users[0])).toEqual(['id', 'age_bucket', 'gender', 'country', 'signup_at_ms']);
    const themes = await queryAll(`SELECT themes, theme_weights FROM read_parquet(${sqlString(join(dir, 'user_latents.parquet'))}) LIMIT 1`);
    expect((themes[0].themes as { items: number[] }).items).toEqual(latent.themes);
    expect((themes[0].theme_weights as { items: number[] }).items).toEqual(latent.themeWeights);
    const pins = await queryAll(`SELECT pin_id, theme, virality FROM read_parquet(${sqlString(join(dir, 'pin_latents.parquet'))}) LIMIT 2`);
    expect(pins[1]).toEqual({ pin_id: world.pins[1].id, theme: world.pinLatents[1].theme, virality: world.pinLatents[1].virality });
    expect(readWorldManifest(dir).files.pin_latents.groundTruth).toBe(true);
  });

  it('reads the events back in order, equal to what was written', async () => {
    expect(await collect(readEvents(dir))).toEqual(events);
  });

  it('filters events by type and by an SQL condition, keeping the order', async () => {
    const saves = await collect(readEvents(dir, { types: ['save', 'share'] }));
    expect(saves).toEqual(events.filter((e) => e.type === 'save' || e.type === 'share'));
    expect(saves.length).toBeGreaterThan(0);
    const user = events[0].userId;
    expect(await collect(readEvents(dir, { where: `user_id = ${sqlString(user)}` }))).toEqual(events.filter((e) => e.userId === user));
  });

  it("loads as a dataset: clicks 1, saves 3, shares 3 summed per user and item, latest time, users' demographics", async () => {
    const expected = new Map<string, { weight: number; time: number }>();
    const userOrder: string[] = [];
    for (const e of events) {
      if (e.type !== 'click' && e.type !== 'save' && e.type !== 'share') continue;
      if (!userOrder.includes(e.userId)) userOrder.push(e.userId);
      const key = `${e.userId} ${e.itemId}`;
      const cell = expected.get(key) ?? { weight: 0, time: 0 };
      cell.weight += WORLD_IMPLICIT_WEIGHTS[e.type];
      cell.time = Math.max(cell.time, e.timestampMs);
      expected.set(key, cell);
    }
    const d = await loadDataset(dir, 'world');
    const m = d.matrix;
    expect(d).toMatchObject({ name: 'world', format: 'world', explicit: false, skipped: 0 });
    expect(m.userIds).toEqual(userOrder);
    expect(m.indptr[m.nUsers]).toBe(expected.size);
    for (let u = 0; u < m.nUsers; u++) {
      for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) {
        const cell = expected.get(`${m.userIds[u]} ${m.itemIds[m.indices[k]]}`);
        expect(cell).toBeDefined();
        expect(m.values[k]).toBe(cell?.weight);
        expect(m.timestamps[k]).toBe(cell?.time);
      }
    }
    const user = world.users[7];
    expect(d.users?.size).toBe(60);
    expect(d.users?.get(user.id)).toEqual({ ageBucket: user.ageBucket, gender: user.gender, country: user.country, signupAtMs: String(user.signupAtMs) });
    const item = m.itemIds[0];
    expect(d.items?.get(item)).toEqual({ genres: world.pins[world.index.pins.get(item) as number].topics });
    expect(d.items?.size).toBe(m.nItems);
  });

  it('rejects a folder without a manifest or with another format', () => {
    expect(() => readWorldManifest(fx.dir)).toThrow('no manifest.json');
    const other = fx.write('other/manifest.json', JSON.stringify({ format: 'something/v9' }));
    expect(() => readWorldManifest(join(other, '..'))).toThrow('expected format "recsys.world/v1", got "something/v9"');
  });

  it('keeps the event log in the manifest when the world files are rewritten', async () => {
    await writeWorldFiles(world, dir);
    expect(readWorldManifest(dir).counts.events).toBe(3000);
  });
});

describe('writeEventLog', () => {
  const fx = fixture();
  afterAll(() => fx.remove());

  it('streams a few thousand events with progress and reads them back exactly', async () => {
    const events = syntheticEvents(5000, (i) => 1_767_225_600_000 + Math.floor(i / 3));
    const progress: number[] = [];
    const dir = join(fx.dir, 'log');
    function* lazy(): Generator<EngagementEvent> {
      yield* events;
    }
    const result = await writeEventLog(lazy(), dir, { total: 5000, onProgress: (n) => progress.push(n) });
    expect(result.events).toBe(5000);
    expect(result.bytes).toBeGreaterThan(0);
    expect(progress[progress.length - 1]).toBe(5000);
    expect(await collect(readEvents(dir))).toEqual(events);
    expect(readdirSync(dir)).toEqual(['events.parquet']);
  });

  it('sorts out-of-order events by time, ties in input order', async () => {
    const events = syntheticEvents(3000, (i) => 1_767_225_600_000 + ((i * 7919) % 1000));
    const dir = join(fx.dir, 'unsorted');
    await writeEventLog(events, dir);
    const expected = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.timestampMs - b.e.timestampMs || a.i - b.i).map((x) => x.e);
    expect(await collect(readEvents(join(dir, 'events.parquet')))).toEqual(expected);
  });

  it('refuses a text value holding U+001F, the staging separator', async () => {
    const [event] = syntheticEvents(1, () => 1);
    await expect(writeEventLog([{ ...event, itemId: 'a\u001fb' }], join(fx.dir, 'sep'))).rejects.toThrow('item_id: must not contain the control character U+001F');
  });

  it('writes an empty log and updates only a manifest that exists', async () => {
    const dir = join(fx.dir, 'empty');
    expect(await writeEventLog([], dir)).toMatchObject({ events: 0 });
    expect(await collect(readEvents(dir))).toEqual([]);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
    await expect(collect(readEvents(join(fx.dir, 'missing')))).rejects.toThrow('no event log');
  });
});
