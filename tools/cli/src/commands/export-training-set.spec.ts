import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freeDataDir } from '@recsys/testing';
import { DEMO_MODEL_INPUTS, TRAINING_TASKS, exportTrainingSet } from './export-training-set';

const small = { seed: 3, pins: 600, users: 200, events: 15_000, progress: false };
// The export replays the world once per call (a second or two); the bound is a guard, not a speed check.
jest.setTimeout(60_000);

const floats = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

describe('exportTrainingSet', () => {
  let dir: string;
  beforeEach(() => {
    dir = freeDataDir('training-set');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the training set of docs/model-card.md: sizes agree with meta, rows in time order, splits by time', () => {
    const out = join(dir, 'set');
    const summary = exportTrainingSet({ ...small, out });
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.format).toBe('recsys-training-set/1');
    expect(meta.features).toEqual([...DEMO_MODEL_INPUTS]);
    expect(meta.tasks.map((t: { name: string }) => t.name)).toEqual(['click', 'save', 'share', 'hide', 'dwell']);
    const rows = meta.rows;
    expect(rows).toBe(summary.rows);
    expect(meta.split.train + meta.split.validation + meta.split.test).toBe(rows);
    expect(floats(join(out, 'features.f32')).length).toBe(rows * DEMO_MODEL_INPUTS.length);
    const labels = floats(join(out, 'labels.f32'));
    expect(labels.length).toBe(rows * TRAINING_TASKS.length);
    const tb = readFileSync(join(out, 'time.f64'));
    const time = new Float64Array(tb.buffer, tb.byteOffset, rows);
    for (let r = 1; r < rows; r++) expect(time[r]).toBeGreaterThanOrEqual(time[r - 1]);
    const [cut1, cut2] = meta.split.cutsMs;
    expect(time[meta.split.train - 1]).toBeLessThan(cut1);
    expect(time[meta.split.train]).toBeGreaterThanOrEqual(cut1);
    expect(time[meta.split.train + meta.split.validation]).toBeGreaterThanOrEqual(cut2);
    // Binary labels are 0/1 with both values present for clicks; dwell is ln(1 + s) ≥ 0 and positive only after a click.
    const width = TRAINING_TASKS.length;
    let clicks = 0;
    for (let r = 0; r < rows; r++) {
      for (let t = 0; t < 4; t++) expect([0, 1]).toContain(labels[r * width + t]);
      expect(labels[r * width + 4]).toBeGreaterThanOrEqual(0);
      if (labels[r * width + 4] > 0) expect(labels[r * width]).toBe(1);
      clicks += labels[r * width];
    }
    expect(clicks).toBeGreaterThan(0);
    expect(clicks).toBeLessThan(rows);
    expect(summary.positiveRate.click).toBeCloseTo(clicks / rows, 10);
    // keys.u32 says who and what each row is (indexes into ids.json) and which logged page: one user per page, each
    // item once per page, pages numbered in order of first appearance.
    const ids = JSON.parse(readFileSync(join(out, 'ids.json'), 'utf8'));
    const kb = readFileSync(join(out, 'keys.u32'));
    const keys = new Uint32Array(kb.buffer, kb.byteOffset, kb.byteLength / 4);
    expect(keys.length).toBe(rows * 3);
    expect(ids.users).toHaveLength(small.users);
    expect(ids.items).toHaveLength(small.pins);
    const pages = new Map<number, { user: number; items: Set<number> }>();
    for (let r = 0; r < rows; r++) {
      const [user, item, request] = [keys[r * 3], keys[r * 3 + 1], keys[r * 3 + 2]];
      expect(user < ids.users.length && item < ids.items.length).toBe(true);
      if (!pages.has(request)) expect(request).toBe(pages.size);
      const page = pages.get(request) ?? { user, items: new Set<number>() };
      expect([request, page.user, page.items.has(item)]).toEqual([request, user, false]);
      page.items.add(item);
      pages.set(request, page);
    }
    expect(pages.size).toBeLessThan(rows);
  });

  it('is deterministic, refuses to overwrite without force, and fails on an unknown input before writing anything', () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    exportTrainingSet({ ...small, out: a });
    exportTrainingSet({ ...small, out: b });
    for (const file of ['features.f32', 'labels.f32', 'time.f64', 'keys.u32', 'ids.json', 'meta.json']) {
      const same = file === 'meta.json' ? readFileSync(join(a, file), 'utf8').replaceAll('/a', '/b') === readFileSync(join(b, file), 'utf8').replaceAll('/a', '/b') : Buffer.compare(readFileSync(join(a, file)), readFileSync(join(b, file))) === 0;
      expect([file, same]).toEqual([file, true]);
    }
    expect(() => exportTrainingSet({ ...small, out: a })).toThrow(/exists; pass --force/);
    const c = join(dir, 'c');
    expect(() => exportTrainingSet({ ...small, out: c, inputs: ['item_quality', 'item_colour'] })).toThrow(/unknown model input "item_colour"/);
    expect(existsSync(c)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['a', 'b']); // no temporary directory left behind
  });
});
