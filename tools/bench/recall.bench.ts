/**
 * Recall latency and CPU benchmark against a running recall service (`npm start`, recall on the orchestrator's port
 * + 1, or the recall bundle started alone): sequential calls (concurrency 1, so no queueing) for demo users, one run
 * per channel alone, one with every channel and one with the classic five; prints p50/p95/p99/max over gRPC, the mean
 * candidates returned, degraded responses and, when the recall process listening on --addr's port is found in /proc,
 * its CPU ms per call (net of its idle CPU rate, measured over `--idle-seconds` before the first configuration). The
 * related channel answers only on the related-pins surface, so it is not run alone. Usage:
 *   node tools/build/build.mjs tools/bench && node dist/tools/bench/recall.bench.js -- [--addr 127.0.0.1:50052]
 *     [--requests 500] [--warmup 50] [--users 10000] [--channels all,classic,none,itemcf,-itemcf,...] [--rpc columns|recall]
 *     [--idle-seconds 3]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { RecallServiceClient, Surface, type RecallRequest } from '@recsys/contracts';
import { createClient } from '@recsys/grpc';
import { summarize } from './src/latency';
import { cpuSeconds } from './src/process-cpu';
import { listServiceProcesses, portOf } from './src/service-processes';

/** The recall service's channels (apps/recall/src/types.ts CHANNELS). */
const CHANNELS = ['popular', 'segment-popular', 'topic-affinity', 'fresh', 'related', 'itemcf', 'usercf', 'graph', 'als', 'content', 'realtime', 'two-tower'];

const { values } = parseArgs({
  options: {
    addr: { type: 'string', default: '127.0.0.1:50052' },
    requests: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '50' },
    users: { type: 'string', default: '10000' },
    channels: { type: 'string' },
    rpc: { type: 'string', default: 'columns' },
    'idle-seconds': { type: 'string', default: '3' },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const users = Number(values.users);
const idleSeconds = Number(values['idle-seconds']);
const configs = values.channels ? values.channels.split(',') : ['all', 'classic', 'none', ...CHANNELS.filter((c) => c !== 'related')];
if (values.rpc !== 'columns' && values.rpc !== 'recall') throw new Error('--rpc must be columns or recall');

/** The channels of the walking skeleton (popularity, topics, freshness), before the model and live channels. */
const CLASSIC = ['popular', 'segment-popular', 'topic-affinity', 'fresh', 'related'];

/**
 * Quotas for a configuration: `all` (every channel at its configured default), `classic` (only {@link CLASSIC}),
 * `none` (every channel off: the cost of a call itself), one channel name (that channel alone), or `-<channel>` (every
 * channel at its default but that one: with `all`, what the channel adds to a call).
 */
function quotasFor(config: string): Record<string, number> {
  if (config === 'all') return {};
  if (config.startsWith('-')) return { [config.slice(1)]: 0 };
  const on = config === 'classic' ? CLASSIC : config === 'none' ? [] : [config];
  return Object.fromEntries(CHANNELS.filter((c) => !on.includes(c)).map((c) => [c, 0]));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const port = portOf(values.addr);
  const recallPid = listServiceProcesses().find((p) => p.service === 'recall' && p.port === port)?.pid;
  const client = createClient(RecallServiceClient, values.addr, { timeoutMs: 5000 });
  /** One call of the chosen RPC: candidates returned and the degraded stages. */
  const call = async (request: RecallRequest): Promise<{ candidates: number; degraded: string[] }> => {
    if (values.rpc === 'columns') {
      const res = await client.recallColumns(request);
      return { candidates: res.itemIds.length, degraded: res.degraded.map((d) => d.stage) };
    }
    const res = await client.recall(request);
    return { candidates: res.candidates.length, degraded: res.degraded.map((d) => d.stage) };
  };
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  let idleRate = 0;
  if (recallPid !== undefined) {
    const c0 = cpuSeconds(recallPid) ?? 0;
    await sleep(idleSeconds * 1000);
    idleRate = ((cpuSeconds(recallPid) ?? 0) - c0) / idleSeconds;
    console.log(`recall process ${recallPid}: idle CPU ${(idleRate * 1000).toFixed(1)} ms/s over ${idleSeconds} s`);
  } else {
    console.log(`recall process listening on port ${port} not found in /proc: no CPU figures`);
  }
  console.log(`${values.rpc === 'columns' ? 'RecallColumns' : 'Recall'} over gRPC at ${values.addr}: ${requests} sequential requests per configuration (after ${warmup} unmeasured), demo users`);
  console.log('| channels | p50 ms | p95 ms | p99 ms | max ms | CPU ms/call | mean candidates | degraded | errors |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  try {
    for (const config of configs) {
      const channelQuotas = quotasFor(config);
      const latencies: number[] = [];
      let candidates = 0;
      let degraded = 0;
      let errors = 0;
      const degradedStages = new Map<string, number>();
      let cpu0 = 0;
      let wall0 = 0;
      for (let n = 0; n < warmup + requests; n++) {
        if (n === warmup) {
          cpu0 = recallPid !== undefined ? (cpuSeconds(recallPid) ?? 0) : 0;
          wall0 = performance.now();
        }
        const userId = `user_${String((n * 7919) % users).padStart(5, '0')}`;
        const t0 = process.hrtime.bigint();
        try {
          const res = await call({ userId, surface: Surface.SURFACE_HOME_FEED, channelQuotas, limit: 0 });
          if (n < warmup) continue;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          candidates += res.candidates;
          if (res.degraded.length > 0) degraded++;
          for (const stage of res.degraded) degradedStages.set(stage, (degradedStages.get(stage) ?? 0) + 1);
        } catch {
          if (n >= warmup) errors++;
        }
      }
      let cpu = 'n/a';
      if (recallPid !== undefined) {
        const used = (cpuSeconds(recallPid) ?? 0) - cpu0 - (idleRate * (performance.now() - wall0)) / 1000;
        cpu = ((Math.max(0, used) / requests) * 1000).toFixed(2);
      }
      const s = summarize(latencies);
      const stages = [...degradedStages].map(([stage, count]) => `${stage} ${count}`).join(', ');
      console.log(
        `| ${config} | ${s.p50.toFixed(2)} | ${s.p95.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.max.toFixed(2)} | ${cpu} | ${(candidates / Math.max(1, latencies.length)).toFixed(0)} | ${degraded}${stages ? ` (${stages})` : ''} | ${errors} |`,
      );
    }
  } finally {
    client.close();
  }
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
