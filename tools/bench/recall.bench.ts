/**
 * Recall latency benchmark against a running recall service (`npm start`, recall on the orchestrator's port + 1):
 * sequential Recall calls (concurrency 1, so no queueing) for demo users, one run per channel alone and one with
 * every channel and one with the classic five; prints p50/p95/p99/max over gRPC, the mean candidates returned and
 * degraded responses (the related channel answers only on the related-pins surface, so it is not run alone). Usage:
 *   node tools/build/build.mjs tools/bench && node dist/tools/bench/recall.bench.js -- [--addr 127.0.0.1:50052]
 *     [--requests 500] [--warmup 50] [--users 10000] [--channels all,classic,itemcf,...]
 */
import { parseArgs } from 'node:util';
import { RecallServiceClient, Surface } from '@recsys/contracts';
import { createClient } from '@recsys/grpc';
import { summarize } from './src/latency';

/** The recall service's channels (apps/recall/src/types.ts CHANNELS). */
const CHANNELS = ['popular', 'segment-popular', 'topic-affinity', 'fresh', 'related', 'itemcf', 'usercf', 'graph', 'als', 'content', 'realtime'];

const { values } = parseArgs({
  options: {
    addr: { type: 'string', default: '127.0.0.1:50052' },
    requests: { type: 'string', default: '500' },
    warmup: { type: 'string', default: '50' },
    users: { type: 'string', default: '10000' },
    channels: { type: 'string' },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const users = Number(values.users);
const configs = values.channels ? values.channels.split(',') : ['all', 'classic', ...CHANNELS.filter((c) => c !== 'related')];

/** The channels of the walking skeleton (popularity, topics, freshness), before the model and live channels. */
const CLASSIC = ['popular', 'segment-popular', 'topic-affinity', 'fresh', 'related'];

/**
 * Quotas for a configuration: `all` (every channel at its configured default), `classic` (only {@link CLASSIC}),
 * or one channel name (that channel alone).
 */
function quotasFor(config: string): Record<string, number> {
  if (config === 'all') return {};
  const on = config === 'classic' ? CLASSIC : [config];
  return Object.fromEntries(CHANNELS.filter((c) => !on.includes(c)).map((c) => [c, 0]));
}

async function main(): Promise<void> {
  const client = createClient(RecallServiceClient, values.addr, { timeoutMs: 5000 });
  console.log(`Recall over gRPC at ${values.addr}: ${requests} sequential requests per configuration (after ${warmup} unmeasured), demo users`);
  console.log('| channels | p50 ms | p95 ms | p99 ms | max ms | mean candidates | degraded | errors |');
  console.log('|---|---|---|---|---|---|---|---|');
  try {
    for (const config of configs) {
      const channelQuotas = quotasFor(config);
      const latencies: number[] = [];
      let candidates = 0;
      let degraded = 0;
      let errors = 0;
      const degradedStages = new Map<string, number>();
      for (let n = 0; n < warmup + requests; n++) {
        const userId = `user_${String((n * 7919) % users).padStart(5, '0')}`;
        const t0 = process.hrtime.bigint();
        try {
          const res = await client.recall({ userId, surface: Surface.SURFACE_HOME_FEED, channelQuotas, limit: 0 });
          if (n < warmup) continue;
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          candidates += res.candidates.length;
          if (res.degraded.length > 0) degraded++;
          for (const d of res.degraded) degradedStages.set(d.stage, (degradedStages.get(d.stage) ?? 0) + 1);
        } catch {
          if (n >= warmup) errors++;
        }
      }
      const s = summarize(latencies);
      const stages = [...degradedStages].map(([stage, count]) => `${stage} ${count}`).join(', ');
      console.log(
        `| ${config} | ${s.p50.toFixed(2)} | ${s.p95.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.max.toFixed(2)} | ${(candidates / Math.max(1, latencies.length)).toFixed(0)} | ${degraded}${stages ? ` (${stages})` : ''} | ${errors} |`,
      );
    }
  } finally {
    client.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
