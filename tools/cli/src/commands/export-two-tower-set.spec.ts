import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FeatureEngine, contentVector, historyContentVector } from '@recsys/features';
import { generateWorld, simulateEvents } from '@recsys/simulator';
import { freeDataDir } from '@recsys/testing';
import { TWO_TOWER_ITEM_INPUTS, TWO_TOWER_USER_INPUTS, exportTwoTowerSet } from './export-training-set';

const small = { seed: 3, pins: 600, users: 200, events: 15_000, progress: false };
// The export replays the world once per call (a second or two); the bound is a guard, not a speed check.
jest.setTimeout(60_000);

const floats = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

describe('exportTwoTowerSet', () => {
  let dir: string;
  beforeEach(() => {
    dir = freeDataDir('two-tower-set');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the two-tower set of docs/model-card.md: positive pairs with the towers’ inputs as of each impression', () => {
    const out = join(dir, 'set');
    const summary = exportTwoTowerSet({ ...small, out });
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ format: 'recsys-training-set/1', kind: 'two-tower', userFeatures: [...TWO_TOWER_USER_INPUTS], itemFeatures: [...TWO_TOWER_ITEM_INPUTS] });
    const rows = meta.rows;
    expect(rows).toBe(summary.rows);
    expect(meta.split.train + meta.split.validation + meta.split.test).toBe(rows);
    const user = floats(join(out, 'user.f32'));
    const item = floats(join(out, 'item.f32'));
    const logq = floats(join(out, 'item_logq.f32'));
    expect(user.length).toBe(rows * TWO_TOWER_USER_INPUTS.length);
    expect(item.length).toBe(rows * TWO_TOWER_ITEM_INPUTS.length);
    expect(logq.length).toBe(rows);
    for (const q of logq) expect(q).toBeLessThanOrEqual(0);

    // Every catalogue row is the pin's content vector and quality; the pairs' item rows are rows of the catalogue.
    const world = generateWorld({ seed: small.seed, pins: small.pins, users: small.users });
    const ids = JSON.parse(readFileSync(join(out, 'items.json'), 'utf8')) as string[];
    expect(ids).toEqual(world.pins.filter((p) => !p.unsafe).map((p) => p.id));
    const items = floats(join(out, 'items.f32'));
    const fi = TWO_TOWER_ITEM_INPUTS.length;
    const pin = world.pins.find((p) => p.id === ids[5])!;
    const want = [...contentVector(pin.embedding)!, pin.quality];
    want.forEach((v, j) => expect(items[5 * fi + j]).toBeCloseTo(v, 6));
    const catalogue = new Set(Array.from({ length: ids.length }, (_, i) => Array.from(items.subarray(i * fi, (i + 1) * fi)).join()));
    for (let r = 0; r < Math.min(rows, 200); r++) expect(catalogue.has(Array.from(item.subarray(r * fi, (r + 1) * fi)).join())).toBe(true);
  });

  it('takes each pair’s user row from the user’s positives before the impression (point in time)', () => {
    const out = join(dir, 'set');
    exportTwoTowerSet({ ...small, out });
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    const user = floats(join(out, 'user.f32'));
    const time = new Float64Array(readFileSync(join(out, 'time.f64')).buffer.slice(0));
    // Replay the same events: the first pair's user row is the history vector of the state just before it.
    const world = generateWorld({ seed: small.seed, pins: small.pins, users: small.users });
    const engine = new FeatureEngine();
    for (const u of world.users) engine.applyUser(u);
    for (const p of world.pins) engine.applyCatalogItem(p);
    const fu = TWO_TOWER_USER_INPUTS.length;
    const last = meta.rows - 1;
    for (const e of simulateEvents(world, { seed: small.seed, events: small.events })) {
      if (e.type === 'impression' && e.timestampMs === time[last]) {
        const view = engine.userFeatures(e.userId, e.timestampMs);
        const want = historyContentVector(view.recentItemIds, (id) => engine.catalog.item(id)?.embedding);
        const got = Array.from(user.subarray(last * fu, (last + 1) * fu));
        if (want && got.every((v, i) => Math.abs(v - want[i]) < 1e-6)) return;
      }
      engine.applyEvent(e);
    }
    throw new Error('no impression at the last pair’s time has its user row');
  });

  it('refuses an existing directory without force', () => {
    const out = join(dir, 'set');
    exportTwoTowerSet({ ...small, out });
    expect(() => exportTwoTowerSet({ ...small, out })).toThrow('exists; pass --force to replace it');
  });
});
