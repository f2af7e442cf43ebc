import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '@recsys/algorithms';
import { EngagementEvent, ServedEvent, Surface, eventToWire } from '@recsys/contracts';
import type { EngagementEvent as DomainEvent } from '@recsys/domain';
import { assignArms, type ExperimentConfig } from '@recsys/experiments';
import { TOPICS, openFileLogEventBus } from '@recsys/stores';
import { freeDataDir } from '@recsys/testing';
import { analyzeLogs, formatAnalysis, formatPlan, parseAnalyzeArgs, planFromArgs } from './experiment';

describe('experiment plan', () => {
  it('plans a proportion: users per arm, then whole weeks of traffic', () => {
    const { plan } = planFromArgs(['--baseline', '0.1', '--mde', '0.02', '--users-per-day', '2000', '--traffic', '0.5']);
    expect([plan.sampleSize.control, plan.sampleSize.treatment]).toEqual([3839, 3839]);
    expect(plan.duration).toMatchObject({ usersPerDay: 1000, days: 14 });
    const text = formatPlan(plan);
    expect(text).toContain('users, control');
    expect(text).toContain('2 weeks (14 days)');
    // Pooled variance under H0 (Fleiss) asks a little more.
    expect(planFromArgs(['--baseline', '0.1', '--mde', '0.02', '--pooled']).plan.sampleSize.control).toBe(3841);
  });

  it('plans a mean and a ratio metric; a smaller effect needs more users', () => {
    const mean = planFromArgs(['--metric', 'mean', '--baseline', '3', '--variance', '9', '--mde-relative', '0.05']).plan.sampleSize;
    const smaller = planFromArgs(['--metric', 'mean', '--baseline', '3', '--variance', '9', '--mde-relative', '0.025']).plan.sampleSize;
    expect(smaller.control).toBeGreaterThan(3.9 * mean.control);
    // A treatment that spreads users more (a pilot's variance) needs more users than control's variance alone says.
    const spread = planFromArgs(['--metric', 'mean', '--baseline', '3', '--variance', '9', '--treatment-variance', '14', '--mde-relative', '0.05']).plan.sampleSize;
    expect(spread.control).toBeGreaterThan(1.2 * mean.control);
    const ratio = planFromArgs([
      '--metric', 'ratio', '--numerator-mean', '2', '--denominator-mean', '20', '--numerator-variance', '4',
      '--denominator-variance', '100', '--covariance', '10', '--mde-relative', '0.05',
    ]).plan.sampleSize;
    expect(ratio.metric).toBe('ratio');
    expect(ratio.baseline).toBeCloseTo(0.1, 12);
  });

  it.each([
    [['--mde', '0.02'], /--baseline: is required/],
    [['--baseline', '0.1'], /--mde: give exactly one/],
    [['--baseline', '0.1', '--mde', '0.02', '--mde-relative', '0.1'], /--mde: give exactly one/],
    [['--metric', 'median', '--baseline', '1', '--mde', '1'], /--metric: must be proportion, mean or ratio/],
    [['--baseline', 'x', '--mde', '0.02'], /--baseline: must be a number/],
    [['--baseline', '0.1', '--mde', '0.02', '--traffic', '0.5'], /--users-per-day: is required with --traffic/],
    [['--baseline', '1.5', '--mde', '0.02'], /baseline/],
  ])('rejects %j naming the option', (args, message) => {
    expect(() => planFromArgs(args)).toThrow(message);
  });
});

describe('experiment analyze (on a file-log bus written like the orchestrator writes it)', () => {
  const dir = freeDataDir('recsys-exp-analyze');
  const bus = join(dir, 'bus');
  const config: ExperimentConfig = {
    layers: [{ name: 'fusion', buckets: 100, arms: [{ name: 'control', from: 0, to: 50, params: {} }, { name: 'save-heavy', from: 50, to: 100, params: {} }] }],
  };
  const FROM = Date.UTC(2026, 11, 1);
  const PRE_FROM = FROM - 7 * 86_400_000;
  const users = Array.from({ length: 2000 }, (_, i) => `user_${i}`);

  beforeAll(async () => {
    const rng = createRng(7);
    const log = await openFileLogEventBus(bus);
    const served: { key: string; value: Uint8Array }[] = [];
    const events: DomainEvent[] = [];
    let n = 0;
    const event = (userId: string, type: DomainEvent['type'], timestampMs: number): DomainEvent => ({
      eventId: `e${n++}`, userId, itemId: 'pin_1', type, timestampMs, dwellMs: 0, requestId: '', position: 0, surface: 'home', boardId: '',
    });
    for (const userId of users) {
      const arm = assignArms(config, userId, {}).arms.fusion;
      const skill = rng.next(); // a user-level propensity, seen before and during the experiment: what CUPED removes
      const p = 0.02 + 0.3 * skill + (arm === 'save-heavy' ? 0.02 : 0);
      served.push({ key: userId, value: ServedEvent.encode(ServedEvent.fromPartial({ requestId: `r-${userId}`, userId, surface: Surface.SURFACE_HOME_FEED, timestampMs: String(FROM + 1000), experimentArms: { fusion: arm } })).finish() });
      for (let k = 0; k < 40; k++) {
        events.push(event(userId, 'impression', FROM + 2000 + k));
        if (rng.next() < p) events.push(event(userId, 'click', FROM + 3000 + k));
        events.push(event(userId, 'impression', PRE_FROM + 2000 + k));
        if (rng.next() < 0.02 + 0.3 * skill) events.push(event(userId, 'click', PRE_FROM + 3000 + k));
      }
    }
    // A user served in both arms (an override): left out of the comparison.
    served.push({ key: 'user_0', value: ServedEvent.encode(ServedEvent.fromPartial({ requestId: 'r-x', userId: 'user_0', timestampMs: String(FROM + 5000), experimentArms: { fusion: assignArms(config, 'user_0', {}).arms.fusion === 'control' ? 'save-heavy' : 'control' } })).finish() });
    // Pages outside the window and of another layer do not count.
    served.push({ key: 'late', value: ServedEvent.encode(ServedEvent.fromPartial({ requestId: 'r-late', userId: 'late', timestampMs: String(FROM + 30 * 86_400_000), experimentArms: { fusion: 'control' } })).finish() });
    await log.publish(TOPICS.served, served);
    await log.publish(TOPICS.engagement, events.map((e) => ({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() })));
    await log.close();
    writeFileSync(join(dir, 'experiments.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'skewed.json'), JSON.stringify({ layers: [{ ...config.layers[0], arms: [{ name: 'control', from: 0, to: 40 }, { name: 'save-heavy', from: 40, to: 100 }] }] }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const window = ['--from', String(FROM), '--to', String(FROM + 86_400_000)];

  // Each analysis reads the whole log (≈ 160,000 messages): seconds under jest on a loaded machine.
  jest.setTimeout(20_000);

  it('finds the true lift in clicks per impression, with the SRM check passing against the configured shares', async () => {
    const a = await analyzeLogs(parseAnalyzeArgs(['--log', bus, '--layer', 'fusion', '--metric', 'ctr', '--experiments', join(dir, 'experiments.json'), ...window]));
    expect(a.conflicting).toBe(1);
    expect(a.pages).toBe(users.length + 1);
    expect(a.comparisons).toHaveLength(1);
    const [c] = a.comparisons;
    expect(c.treatment).toBe('save-heavy');
    expect(c.users.control + c.users.treatment).toBe(users.length - 1);
    expect(c.report.srm.pValue).toBeGreaterThan(0.001);
    expect(c.report.verdict.status).toBe('significant');
    // True difference: +0.02 clicks per impression.
    expect(c.report.comparison.difference.ci.lower).toBeLessThan(0.02);
    expect(c.report.comparison.difference.ci.upper).toBeGreaterThan(0.02);
    expect(formatAnalysis(a)).toContain('save-heavy vs control');
  });

  it('blocks the verdict when the logged split does not match the configured one (SRM)', async () => {
    const a = await analyzeLogs(parseAnalyzeArgs(['--log', bus, '--layer', 'fusion', '--experiments', join(dir, 'skewed.json'), ...window]));
    expect(a.comparisons[0].report.verdict.status).toBe('blocked-by-srm');
  });

  it('reduces the variance with the pre-period (CUPED) for a per-user metric', async () => {
    const a = await analyzeLogs(parseAnalyzeArgs(['--log', bus, '--layer', 'fusion', '--metric', 'clicks', '--pre-from', String(PRE_FROM), ...window]));
    const cuped = a.comparisons[0].report.cuped;
    expect(cuped).not.toBeNull();
    expect(cuped!.varianceReduction).toBeGreaterThan(0.2);
  });

  it('reports sequential looks with an always-valid p-value (mSPRT) that only falls', async () => {
    const a = await analyzeLogs(parseAnalyzeArgs(['--log', bus, '--layer', 'fusion', '--sequential', '--mde', '0.02', '--look-hours', '6', ...window]));
    const looks = a.comparisons[0].looks!;
    expect(looks.map((l) => l.atMs)).toEqual([6, 12, 18, 24].map((h) => FROM + h * 3_600_000));
    expect(looks[0].users.control + looks[0].users.treatment).toBe(users.length - 1);
    for (let i = 1; i < looks.length; i++) expect(looks[i].pValue).toBeLessThanOrEqual(looks[i - 1].pValue);
    expect(looks[0].difference).toBeCloseTo(a.comparisons[0].report.comparison.difference.estimate, 12);
    expect(looks.at(-1)!.pValue).toBeLessThan(0.05);
    expect(formatAnalysis(a)).toContain('always-valid p');
  });

  it('rejects bad arguments naming the option', async () => {
    expect(() => parseAnalyzeArgs(['--layer', 'fusion', '--sequential', ...window])).toThrow(/--mde: is required with --sequential/);
    expect(() => parseAnalyzeArgs(['--layer', 'fusion', '--sequential', '--mde', '0.1'])).toThrow(/--sequential: needs --from and --to/);
    expect(() => parseAnalyzeArgs(['--layer', 'fusion', '--mde', '0.1'])).toThrow(/belong to --sequential/);
    await expect(analyzeLogs(parseAnalyzeArgs(['--log', bus, '--layer', 'fusion', '--experiments', join(dir, 'nope.json'), ...window]))).rejects.toThrow(/cannot read/);
    await expect(analyzeLogs(parseAnalyzeArgs(['--log', bus, '--layer', 'ranking', '--experiments', join(dir, 'experiments.json')]))).rejects.toThrow(/layer "ranking" is not in/);
    expect(() => parseAnalyzeArgs(['--log', bus])).toThrow(/--layer: is required/);
    expect(() => parseAnalyzeArgs(['--layer', 'fusion', '--metric', 'revenue'])).toThrow(/--metric: unknown metric "revenue"/);
    expect(() => parseAnalyzeArgs(['--layer', 'fusion', '--pre-from', '1'])).toThrow(/--pre-from: needs --from/);
    await expect(analyzeLogs(parseAnalyzeArgs(['--log', bus, '--layer', 'ranking', ...window]))).rejects.toThrow(/--control: no user of arm "control" in layer "ranking"/);
  }, 20_000);
});
