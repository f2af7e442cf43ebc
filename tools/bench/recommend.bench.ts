/**
 * Recommend load benchmark: a bounded, paced closed loop on loopback against a running system (`npm start`).
 * Prints requests/s, p50/p95/p99 latency and errors. Usage:
 *   npm run bench:recommend -- [--addr 127.0.0.1:50051] [--rate 100] [--seconds 30] [--concurrency 16] [--users 10000]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { OrchestratorServiceClient, Surface } from '@recsys/contracts';
import { createClient } from '@recsys/grpc';
import { summarize } from './src/latency';

const { values } = parseArgs({
  options: {
    addr: { type: 'string', default: '127.0.0.1:50051' },
    rate: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '16' },
    users: { type: 'string', default: '10000' },
    warmup: { type: 'string', default: '3' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const users = Number(values.users);
const warmupSeconds = Number(values.warmup);


async function main(): Promise<void> {
  const client = createClient(OrchestratorServiceClient, values.addr, { timeoutMs: 2000 });
  const latencies: number[] = [];
  let errors = 0;
  let degraded = 0;
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
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await call(true);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (Date.now() - start) / 1000;
  client.close();

  const stats = summarize(latencies);
  const fmt = (v: number) => `${v.toFixed(2)} ms`;
  console.log(`Recommend benchmark (page 25) against ${values.addr}`);
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(`offered ${rate} req/s for ${seconds} s, concurrency ${concurrency}, ${users} demo users + 10% unknown`);
  console.log(`completed ${latencies.length} requests in ${elapsed.toFixed(1)} s = ${(latencies.length / elapsed).toFixed(1)} req/s`);
  console.log(`latency p50 ${fmt(stats.p50)}  p95 ${fmt(stats.p95)}  p99 ${fmt(stats.p99)}  max ${fmt(stats.max)}`);
  console.log(`errors ${errors}, degraded responses ${degraded}`);
  if (firstErrors.length) console.log(`first errors: ${firstErrors.join(' | ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
