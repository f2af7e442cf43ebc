/**
 * The whole system as a user runs it: five service processes on embedded defaults talking real gRPC, the demo
 * world loaded through the public API, the CLI, one trace across all services, and degradation when a service stops.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FeatureServiceClient, OrchestratorServiceClient, Surface, type RecommendResponse } from '@recsys/contracts';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { parseClosedLoopPages } from '@recsys/simulator';
import { freeDataDir, freeServicePort, startOtlpCollector, waitFor } from '@recsys/testing';
import { launchSystem, type RunningSystem } from '../src/launcher/launch';
import type { ServiceName } from '../src/launcher/services';
import { loadDemo, type DemoSummary } from '../src/commands/demo';
import { simulate } from '../src/commands/simulate';
import { readServedLog } from '../src/commands/export-training-set-from-log';

const ROOT = resolve(__dirname, '..', '..', '..');
jest.setTimeout(180_000);

describe('recsys system (five processes, real gRPC)', () => {
  let system: RunningSystem;
  let collector: Awaited<ReturnType<typeof startOtlpCollector>>;
  let client: PromiseClient<OrchestratorServiceClient>;
  let feature: PromiseClient<FeatureServiceClient>;
  let demoUser: string;
  let lastUser: string;
  let demoSummary: DemoSummary;
  const DEMO = { seed: 11, pins: 800, users: 120, events: 8000, days: 14 };
  const systemDataDir = freeDataDir('recsys-system-');

  const recommendFor = (userId: string, extra: Partial<Parameters<typeof client.recommend>[0]> = {}): Promise<RecommendResponse> =>
    client.recommend({
      userId,
      surface: Surface.SURFACE_HOME_FEED,
      context: { country: '', device: 'test', locale: '', recentItemIds: [], contextItemId: '' },
      pageSize: 25,
      experimentOverrides: {},
      debug: false,
      ...extra,
    });

  beforeAll(async () => {
    execFileSync(process.execPath, [join(ROOT, 'tools/build/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
    collector = await startOtlpCollector();
    const ports = {} as Record<ServiceName, number>;
    for (const s of ['orchestrator', 'recall', 'feature', 'ranking', 'reranking'] as ServiceName[]) ports[s] = await freeServicePort();
    system = await launchSystem({
      root: ROOT,
      dataDir: systemDataDir,
      modelDir: join(ROOT, 'models'),
      ports,
      otlpEndpoint: collector.url,
    });
    client = createClient(OrchestratorServiceClient, system.addresses.orchestrator, { timeoutMs: 10_000 });
    feature = createClient(FeatureServiceClient, system.addresses.feature, { timeoutMs: 5_000 });
    const demo = await loadDemo({ addr: system.addresses.orchestrator, ...DEMO, progress: false });
    demoSummary = demo;
    demoUser = demo.exampleUserIds[0];
    lastUser = `user_${String(119).padStart(5, '0')}`;
    // The feature and recall services consume the bus asynchronously: wait until the demo is visible.
    await waitFor(async () => (await feature.getUserFeatures({ userId: demoUser })).known || undefined, { timeoutMs: 30_000, what: 'demo user features' });
    // The first calls open the channels between the services and run cold code (as `recsys start` does, warm up).
    for (let i = 0; i < 5; i++) await recommendFor(i % 2 === 0 ? demoUser : `warm-up-${i}`).catch(() => undefined);
    // Recall applies the catalog from the bus on its own schedule too (slower on a loaded machine): wait for a whole page.
    await waitFor(
      async () => {
        const res = await recommendFor(demoUser).catch(() => undefined);
        return (res && res.items.length === 25 && res.degraded.length === 0) || undefined;
      },
      { timeoutMs: 60_000, what: 'a whole page for the demo user' },
    );
  });

  afterAll(async () => {
    client?.close();
    feature?.close();
    await system?.stop();
    await collector?.close();
  });

  it('serves a page of 25 to a demo user, with channels, scores and explanations', async () => {
    const res = await recommendFor(demoUser);
    expect(res.items).toHaveLength(25);
    expect(res.degraded).toEqual([]);
    expect(new Set(res.items.map((i) => i.itemId)).size).toBe(25);
    for (const item of res.items) {
      expect(item.channels.length).toBeGreaterThan(0);
      expect(item.explanation).not.toBe('');
      expect(item.scores?.tasks.click).toBeGreaterThan(0);
    }
    expect(Object.keys(res.experimentArms)).toContain('fusion');
  });

  it('hydrates the pipeline with item features as columns: names once, one aligned row per pin, no embedding', async () => {
    const page = await recommendFor(demoUser);
    const ids = page.items.map((i) => i.itemId);
    const res = await feature.getItemFeatures({ itemIds: ids });
    expect(res.featureNames).toEqual(expect.arrayContaining(['item_ctr_smoothed', 'item_quality', 'creator_ctr_smoothed']));
    expect(new Set(res.featureNames).size).toBe(res.featureNames.length);
    expect(res.items.map((i) => i.itemId)).toEqual(ids);
    for (const item of res.items) {
      expect(item.known).toBe(true);
      expect(item.values).toHaveLength(res.featureNames.length);
      expect(item.values.every(Number.isFinite)).toBe(true);
      expect(item.attributes?.embedding).toEqual([]);
    }
  });

  it('serves an unknown user a cold-start page instead of an error', async () => {
    const res = await recommendFor('nobody-we-know');
    expect(res.items).toHaveLength(25);
    expect(res.items.some((i) => i.channels.some((c) => c.channel === 'popular'))).toBe(true);
  });

  it('prints 25 rows from the CLI for a demo user and for an unknown user', () => {
    for (const user of [demoUser, 'brand-new-user']) {
      const out = execFileSync(process.execPath, [join(ROOT, 'tools/cli/bin/recsys.js'), 'recommend', '--user', user, '--addr', system.addresses.orchestrator], {
        cwd: ROOT,
      }).toString();
      const rows = out.split('\n').filter((l) => /^\s*\d+\s+pin_/.test(l));
      expect(rows).toHaveLength(25);
      expect(out).toContain(`25 items`);
    }
  });

  it('rejects bad input with INVALID_ARGUMENT naming the field', async () => {
    await expect(recommendFor('')).rejects.toMatchObject({ category: 'bad-request', message: expect.stringContaining('user_id') });
    await expect(recommendFor(demoUser, { pageSize: 0 })).rejects.toMatchObject({ message: expect.stringContaining('page_size') });
    await expect(recommendFor(demoUser, { pageSize: 10_000 })).rejects.toMatchObject({ message: expect.stringContaining('page_size') });
    await expect(recommendFor(demoUser, { surface: Surface.SURFACE_UNSPECIFIED })).rejects.toMatchObject({ message: expect.stringContaining('surface') });
    await expect(recommendFor('u'.repeat(5000))).rejects.toMatchObject({ message: expect.stringContaining('user_id') });
    await expect(recommendFor(demoUser, { experimentOverrides: { fusion: 'nope' } })).rejects.toMatchObject({ message: expect.stringContaining('experiment_overrides[fusion]') });
  });

  it('produces one trace with spans from all five services for one Recommend', async () => {
    const res = await recommendFor(lastUser);
    expect(res.items.length).toBeGreaterThan(0);
    const services = await waitFor(
      () => {
        const serverSpans = collector.spans().filter((s) => s.name === 'recsys.v1.OrchestratorService/Recommend');
        for (const root of serverSpans) {
          const names = new Set(collector.spans().filter((s) => s.traceId === root.traceId).map((s) => s.serviceName));
          if (names.size === 5) return names;
        }
        return undefined;
      },
      { timeoutMs: 20_000, what: 'a trace spanning five services' },
    );
    expect([...services].sort()).toEqual(['recsys-feature', 'recsys-orchestrator', 'recsys-ranking', 'recsys-recall', 'recsys-reranking']);
  });

  it('runs the closed loop: simulated users of the loaded world are served, judged by its true model, and their reactions logged', async () => {
    // The marker npm start writes, in the running system's data directory (its bus and model store are there).
    writeFileSync(join(systemDataDir, 'demo.json'), JSON.stringify({ ...DEMO, ...demoSummary }));
    const pagesOut = join(systemDataDir, 'loop-pages.jsonl');
    const report = await simulate(
      { addr: system.addresses.orchestrator, dataDir: systemDataDir, days: 2, users: 12, pages: 1, pageSize: 25, seed: 3, maxMinutes: 5, rebuild: true, panel: true, pagesOut, progress: false },
      () => undefined,
    );
    // A panel: the same 12 users both days, each in one arm; every page written with its world and true engagement.
    const { header, pages } = parseClosedLoopPages(readFileSync(pagesOut, 'utf8'));
    expect(header.world).toMatchObject({ seed: DEMO.seed, pins: DEMO.pins, users: DEMO.users });
    expect(pages).toHaveLength(24);
    const day1 = pages.filter((p) => p.day === 1).map((p) => p.user);
    expect(new Set(day1).size).toBe(12);
    expect(pages.filter((p) => p.day === 2).map((p) => p.user)).toEqual(day1);
    for (const p of pages) {
      expect(pages.find((q) => q.user === p.user)!.arm).toBe(p.arm);
      expect(p.shown.length).toBeGreaterThan(0);
      expect(p.expected.impressions).toBe(p.shown.length);
    }
    // Between the days the recall models were rebuilt from the whole log, the first day's reactions included.
    expect(report.rebuilds).toHaveLength(1);
    expect(report.rebuilds[0]).toMatchObject({ afterDay: 1, version: expect.stringMatching(/^v\d{14}/) });
    expect(report.rebuilds[0].interactions).toBeGreaterThan(0);
    expect(report.layer).toBe('fusion');
    expect(report.days.map((d) => d.day)).toEqual(expect.arrayContaining([1, 2]));
    expect(report.days.reduce((n, d) => n + d.pages, 0)).toBe(24);
    for (const d of report.days) {
      expect(['control', 'save-heavy']).toContain(d.arm);
      expect(d.system.impressions).toBeGreaterThan(0);
      expect(d.oracle.clicks).toBeGreaterThan(d.system.clicks * 0.5);
      expect(d.shareOfOracle).toBeGreaterThan(0);
      expect(d.coverage).toBeGreaterThan(0);
      expect(d.skippedIds).toBe(0); // every id the system serves is a pin of the world it loaded
    }
    // Every shown pin went back as an impression, with the reactions on top.
    expect(report.eventsSent).toBeGreaterThanOrEqual(report.days.reduce((n, d) => n + d.system.impressions * d.pages, 0));
    // The served-feature log of these pages is training data: a row per shown pin, with the topic affinity its
    // user_topic_affinity input is computed from logged (a horizon of 0 keeps every page of this short log).
    const served = await readServedLog({ log: join(systemDataDir, 'bus') }, 0);
    expect(served.joined.examples.filter((e) => e.record.page.topicAffinity !== undefined).length).toBeGreaterThan(0);
  }, 120_000);

  it('a logged event changes what the next Recommend returns', async () => {
    const before = await recommendFor(lastUser);
    const clicked = before.items[0].itemId;
    await client.logEvents({
      events: [{ eventId: `test-${Date.now()}`, userId: lastUser, itemId: clicked, type: 3, timestampMs: String(Date.now()), dwellMs: 0, requestId: before.requestId, position: 0, surface: 'home_feed', boardId: '' }],
    });
    // A saved pin counts as seen: it leaves the user's page within a second or so.
    const after = await waitFor(async () => {
      const res = await recommendFor(lastUser);
      return res.items.every((i) => i.itemId !== clicked) ? res : undefined;
    }, { timeoutMs: 5_000, what: 'the saved pin to leave the page' });
    expect(after.items).toHaveLength(25);
  });

  it('keeps answering, marked degraded, when the ranking service stops', async () => {
    await system.stopService('ranking');
    try {
      const res = await recommendFor(demoUser);
      expect(res.items).toHaveLength(25);
      expect(res.degraded.map((d) => d.stage)).toContain('ranking');
    } finally {
      await system.startService('ranking');
    }
    const healed = await waitFor(async () => {
      const res = await recommendFor(demoUser);
      return res.degraded.length === 0 ? res : undefined;
    }, { timeoutMs: 10_000, what: 'ranking to come back' });
    expect(healed.items).toHaveLength(25);
  });

  it('keeps answering, marked degraded, when the re-ranking or feature service stops', async () => {
    for (const name of ['reranking', 'feature'] as const) {
      await system.stopService(name);
      try {
        const res = await recommendFor(demoUser);
        expect(res.items.length).toBeGreaterThan(0);
        expect(res.degraded.map((d) => d.stage)).toContain(name);
      } finally {
        await system.startService(name);
      }
    }
  });
});
