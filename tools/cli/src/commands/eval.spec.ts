import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { typeScriptWorker } from '@recsys/testing';
import { evalCommand, parseEvalArgs, parseModelList } from './eval';

/**
 * A MovieLens-100k folder: users 1-6 female, 7-14 male, all 25-34. Women rate items 10, 11, 12; men 20, 21, 22.
 * Each user's latest rating (the leave-last test item) is 12 for users 1-3, 11 for 4-6, 22 for 7-10, 21 for 11-14,
 * so the test item is popular in the user's own segment, while global popularity favours the other gender's
 * items (20: 8 users and 10: 6 users lead the training counts).
 */
function writeMovieLens(dir: string): void {
  const rows: string[] = [];
  const users: string[] = [];
  for (let u = 1; u <= 14; u++) {
    const female = u <= 6;
    users.push(`${u}|30|${female ? 'F' : 'M'}|writer|00000`);
    const items = female ? [10, 11, 12] : [20, 21, 22];
    const last = female ? (u <= 3 ? 12 : 11) : u <= 10 ? 22 : 21;
    const order = [...items.filter((i) => i !== last), last];
    order.forEach((item, j) => rows.push(`${u}\t${item}\t4\t${1_000_000 + 100 * u + j}`));
  }
  writeFileSync(join(dir, 'u.data'), `${rows.join('\n')}\n`);
  writeFileSync(join(dir, 'u.user'), `${users.join('\n')}\n`);
}

describe('evalCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recsys-eval-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeMovieLens(dir);

  it('loads, splits, fits and evaluates each model, prints the tables and writes the JSON report', async () => {
    const printed: string[] = [];
    const out = join(dir, 'report.json');
    const reports = await evalCommand({
      data: dir,
      format: 'movielens-100k',
      split: 'leave-last',
      seed: 42,
      models: ['pop', 'segment-pop:minSegmentUsers=3', 'random'],
      ks: [1, 2],
      protocol: 'full',
      out,
      progress: false,
      print: (t) => printed.push(t),
    });
    expect(reports.map((r) => r.model.name)).toEqual(['pop', 'segment-pop', 'random']);
    const [pop, seg, random] = reports;
    // Global popularity always puts the other gender's leading item first; the segment's ranking finds the test item.
    expect(pop.metrics['hitrate@1']).toBe(0);
    expect(seg.metrics['hitrate@1']).toBe(1);
    expect(seg.metrics.mrr).toBe(1);
    expect(random.model.params).toEqual({ seed: 42 });
    for (const r of reports) {
      expect(r.users).toEqual({ evaluated: 14, skipped: 0 });
      expect(r.dataset).toBe(`${dir.split('/').pop()} (movielens-100k)`);
      expect(r.split.name).toBe('leave-last-out');
      expect(r.fitSeconds).toBeGreaterThanOrEqual(0);
      expect(r.notes).toContain('ratings used as implicit interactions: every held-out rated item is relevant');
    }
    const text = printed.join('\n');
    expect(text).toContain('protocol  full ranking: every item not in the user');
    expect(text).toContain('K         1, 2');
    expect(text).toMatch(/model\s+ndcg@1\s+hitrate@1/); // the comparison table
    expect(text).toContain(`wrote ${out}`);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ reports: JSON.parse(JSON.stringify(reports)) });
  });

  it('runs the sampled protocol on a given split from interaction files', async () => {
    // Items in id order: x y z w (train), v (test only). Training counts x:3, y:1, z:1, w:1, v:0.
    writeFileSync(join(dir, 'train.csv'), 'user,item\na,x\na,y\nb,x\nb,z\nc,x\nd,w\n');
    writeFileSync(join(dir, 'test.csv'), 'user,item\nc,y\nc,v\n');
    const [report] = await evalCommand({
      data: join(dir, 'train.csv'),
      testData: join(dir, 'test.csv'),
      format: 'interactions-csv',
      split: 'files',
      seed: 1,
      models: ['pop'],
      ks: [1],
      protocol: 'sampled',
      negatives: 5,
      progress: false,
      print: () => undefined,
    });
    // Only c has test items; its negatives are z and w (fewer than 5: all of them). y (1) ties z and w and has the
    // lower index → rank 1; v (0) → rank 3.
    expect(report.users).toEqual({ evaluated: 1, skipped: 3 });
    expect(report.data.items).toBe(5);
    expect(report.split.description).toBe('given split: train train.csv, test test.csv');
    expect(report.protocol.negatives).toBe(5);
    expect(report.metrics['hitrate@1']).toBe(0.5);
    expect(report.metrics.mrr).toBeCloseTo((1 + 1 / 3) / 2, 12);
  });

  it('fits ALS on worker threads to the same report as in one thread', async () => {
    const alsWorker = typeScriptWorker('libs/algorithms/src/mf/als-worker.ts');
    const run = (threads: number) =>
      evalCommand({
        data: dir,
        format: 'movielens-100k',
        split: 'leave-last',
        seed: 42,
        models: ['als:factors=3,iterations=4,regularization=0.1,alpha=2'],
        ks: [1, 2],
        protocol: 'full',
        threads,
        alsWorker,
        progress: false,
        print: () => undefined,
      });
    const [[one], [two]] = [await run(1), await run(2)];
    expect(two.metrics).toEqual(one.metrics);
    expect(two.model).toEqual(one.model);
    expect(one.metrics['hitrate@2']).toBeGreaterThan(0);
  });

  it('fails on an unknown model before loading anything, and on a files split without a test file', async () => {
    const base = { data: join(dir, 'missing'), format: 'movielens-100k' as const, split: 'random' as const, seed: 1, ks: [10], protocol: 'full' as const, progress: false };
    await expect(evalCommand({ ...base, models: ['popp'] })).rejects.toThrow(/unknown model "popp"/);
    await expect(evalCommand({ ...base, split: 'files', models: ['pop'] })).rejects.toThrow(/--test-data/);
  });
});

describe('parseModelList', () => {
  it('splits plain names on commas and keeps specs with parameters whole', () => {
    expect(parseModelList(['pop,random'])).toEqual(['pop', 'random']);
    expect(parseModelList(['segment-pop:attributes=gender,minSegmentUsers=5', 'pop'])).toEqual(['segment-pop:attributes=gender,minSegmentUsers=5', 'pop']);
    expect(parseModelList([])).toEqual(['pop', 'random']);
  });
});

describe('parseEvalArgs', () => {
  it('reads the options with their defaults', () => {
    expect(parseEvalArgs(['--data', 'd', '--format', 'movielens-csv'])).toEqual({
      data: 'd',
      format: 'movielens-csv',
      split: 'random',
      testFraction: undefined,
      cut: undefined,
      testData: undefined,
      seed: 42,
      models: ['pop', 'random'],
      ks: [10, 20],
      protocol: 'full',
      negatives: undefined,
      maxUsers: undefined,
      out: undefined,
      threads: undefined,
      skipMalformed: false,
    });
    const o = parseEvalArgs(['--data', 'd', '--format', 'world', '--split', 'time-cut', '--test-fraction', '0.1', '--model', 'pop', '--model', 'segment-pop:minSegmentUsers=5', '--k', '5,50', '--protocol', 'sampled', '--negatives', '99', '--seed', '7', '--skip-malformed']);
    expect(o).toMatchObject({ split: 'time-cut', testFraction: 0.1, models: ['pop', 'segment-pop:minSegmentUsers=5'], ks: [5, 50], protocol: 'sampled', negatives: 99, seed: 7, skipMalformed: true });
  });

  it('names the option at fault', () => {
    expect(() => parseEvalArgs(['--format', 'world'])).toThrow(/--data is required/);
    expect(() => parseEvalArgs(['--data', 'd', '--format', 'csv'])).toThrow(/--format must be one of movielens-100k/);
    expect(() => parseEvalArgs(['--data', 'd', '--format', 'world', '--k', '10,x'])).toThrow(/--k must be an integer/);
    expect(() => parseEvalArgs(['--data', 'd', '--format', 'world', '--split', 'weird'])).toThrow(/--split must be/);
    expect(() => parseEvalArgs(['--data', 'd', '--format', 'world', '--protocol', 'half'])).toThrow(/--protocol must be/);
    expect(() => parseEvalArgs(['--data', 'd', '--format', 'world', '--test-fraction', '1'])).toThrow(/--test-fraction/);
  });
});
