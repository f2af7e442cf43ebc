/**
 * Recommend load benchmark: a bounded, paced closed loop on loopback against a running system (`npm start`).
 * Prints requests/s, p50/p95/p99 latency, errors, degraded responses by stage, and the CPU each of the five service
 * processes spends per Recommend (read from /proc of the processes it finds: the orchestrator listening on --addr's
 * port and the services its environment points at), net of the background CPU each burns when idle, measured over an
 * equal window just before the load (so periodic work such as snapshots does not hide in the per-request figure).
 *
 *   npm run bench:recommend -- [--addr 127.0.0.1:50051] [--rate 100] [--seconds 30] [--concurrency 16]
 *     [--users 10000] [--warmup 3] [--idle-seconds <seconds>]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { OrchestratorServiceClient, Surface } from '@recsys/contracts';
import { createClient } from '@recsys/grpc';
import { cpuSnapshot } from './src/process-cpu';
import { summarize } from './src/latency';
import { SYSTEM_SERVICES, cpuPerRequest, findSystemProcesses, portOf } from './src/service-processes';

const { values } = parseArgs({
  options: {
    addr: { type: 'string', default: '127.0.0.1:50051' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '16' },
    users: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '3' },
    'idle-seconds': { type: 'string' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const users = Number(values.users);
const warmupSeconds = Number(values.warmup);
const idleSeconds = Number(values['idle-seconds'] ?? values.seconds);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  for (const [name, v] of Object.entries({ rate, seconds, concurrency, users, warmup: warmupSeconds, 'idle-seconds': idleSeconds })) {
    if (!Number.isFinite(v) || v < 0 || (name !== 'warmup' && name !== 'idle-seconds' && v === 0)) throw new Error(`--${name} must be a positive number`);
  }
  const port = portOf(values.addr);
  const { pids, missing } = port === undefined ? { pids: {}, missing: [...SYSTEM_SERVICES] } : findSystemProcesses(port);
  const client = createClient(OrchestratorServiceClient, values.addr, { timeoutMs: 2000 });
  const latencies: number[] = [];
  let errors = 0;
  let degraded = 0;
  const degradedStages = new Map<string, number>();
  const firstErrors: string[] = [];
  let issued = 0;
  const call = async (measure: boolean) => {
    const n = issued++;
    // 90% known demo users, 10% unknown (cold start), spread deterministically.
    const userId = n % 10 === 9 ? `bench-new-${n}` : `user_${String((n * 7919) % users).padStart(5, '0')}`;
    const t0 = process.hrtime.bigint();
    try {
      const res = await client.recommend({
        userId,
        surface: Surface.SURFACE_HOME_FEED,
        context: { country: '', device: 'bench', locale: '', recentItemIds: [], contextItemId: '' },
        pageSize: 25,
        experimentOverrides: {},
        debug: false,
      });
      if (measure) {
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        if (res.degraded.length > 0) degraded++;
        for (const stage of new Set(res.degraded.map((d) => d.stage))) degradedStages.set(stage, (degradedStages.get(stage) ?? 0) + 1);
      }
    } catch (error) {
      if (measure) {
        errors++;
        if (firstErrors.length < 3) firstErrors.push(String((error as Error).message));
      }
    }
  };

  // Warm-up (connections, JIT) is not measured.
  const warmEnd = Date.now() + warmupSeconds * 1000;
  while (Date.now() < warmEnd) await call(false);
  await sleep(500);

  // Idle window: what the services burn with no requests (snapshots, stream catch-up, timers).
  const idleBefore = cpuSnapshot(pids);
  const idleStart = Date.now();
  await sleep(idleSeconds * 1000);
  const idleAfter = cpuSnapshot(pids);
  const idleElapsed = (Date.now() - idleStart) / 1000;

  const loadBefore = cpuSnapshot(pids);
  const start = Date.now();
  const end = start + seconds * 1000;
  const intervalMs = 1000 / rate;
  let next = start;
  const worker = async () => {
    for (;;) {
      // Paced: each request takes the next slot of the global schedule, so the offered load is `rate`.
      const slot = next;
      next += intervalMs;
      if (slot >= end) return;
      const wait = slot - Date.now();
      if (wait > 0) await sleep(wait);
      await call(true);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const loadAfter = cpuSnapshot(pids);
  const elapsed = (Date.now() - start) / 1000;
  client.close();

  const stats = summarize(latencies);
  const fmt = (v: number) => `${v.toFixed(2)} ms`;
  console.log(`Recommend benchmark (page 25) against ${values.addr}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`offered ${rate} req/s for ${seconds} s, concurrency ${concurrency}, ${users} demo users + 10% unknown`);
  console.log(`completed ${latencies.length} requests in ${elapsed.toFixed(1)} s = ${(latencies.length / elapsed).toFixed(1)} req/s`);
  console.log(`latency p50 ${fmt(stats.p50)}  p95 ${fmt(stats.p95)}  p99 ${fmt(stats.p99)}  max ${fmt(stats.max)}`);
  console.log(`errors ${errors}, degraded responses ${degraded} of ${latencies.length}`);
  if (degradedStages.size > 0) {
    console.log(`  degraded by stage: ${[...degradedStages].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ')}`);
  }
  if (firstErrors.length) console.log(`first errors: ${firstErrors.join(' | ')}`);

  const completed = latencies.length + errors;
  const perRequest = cpuPerRequest(
    { before: idleBefore, after: idleAfter, seconds: idleElapsed },
    { before: loadBefore, after: loadAfter, seconds: elapsed },
    completed,
  );
  if (Object.keys(perRequest).length === 0) {
    console.log(`CPU per Recommend: no service process found from /proc (missing: ${missing.join(', ')})`);
    return;
  }
  console.log(
    `CPU per Recommend (ms, from /proc; net = minus each process' idle CPU rate measured over ${idleElapsed.toFixed(1)} s with no requests just before the load):`,
  );
  const rows = SYSTEM_SERVICES.filter((s) => perRequest[s] !== undefined);
  const total = { rawMs: 0, idleMsPerSecond: 0, netMs: 0 };
  console.log(`  ${'service'.padEnd(13)} ${'net'.padStart(8)} ${'raw'.padStart(8)} ${'idle ms/s'.padStart(10)}`);
  for (const s of rows) {
    const r = perRequest[s];
    total.rawMs += r.rawMs;
    total.idleMsPerSecond += r.idleMsPerSecond;
    total.netMs += r.netMs;
    console.log(`  ${s.padEnd(13)} ${r.netMs.toFixed(2).padStart(8)} ${r.rawMs.toFixed(2).padStart(8)} ${r.idleMsPerSecond.toFixed(1).padStart(10)}`);
  }
  console.log(`  ${'total'.padEnd(13)} ${total.netMs.toFixed(2).padStart(8)} ${total.rawMs.toFixed(2).padStart(8)} ${total.idleMsPerSecond.toFixed(1).padStart(10)}`);
  if (missing.length > 0) console.log(`  (not found, not counted: ${missing.join(', ')})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
