/**
 * Graph recall benchmark: builds the pin–board graph from a world's saves and times Pixie walks of 100,000 steps
 * (walk steps per second, latency p50/p99 over 200 queries, early stopping off and on), and adding new saves as they
 * arrive (edges visible to walks at once, merged into the CSR once they exceed an eighth of the graph: the time per
 * batch of 1,000 and how many merges ran). A query is a sampled user's latest saved pins, weighted by recency.
 *   npm run bench:graph -- [--world tmp/demo-world] [--queries 200] [--steps 100000] [--alpha 0.5] [--query-pins 10] [--seed 7]
 * Without the world folder it generates one in memory (--pins 100000 --users 10000 --events 1000000).
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { BipartiteGraph, createRng, PixieWalker, type PixieTopOptions } from '@recsys/algorithms';
import { readEvents } from '@recsys/datasets';
import type { EngagementEvent } from '@recsys/domain';
import { generateWorld, simulateEvents } from '@recsys/simulator';
import { summarize } from './src/latency';

const { values } = parseArgs({
  options: {
    world: { type: 'string', default: 'tmp/demo-world' },
    queries: { type: 'string', default: '200' },
    steps: { type: 'string', default: '100000' },
    alpha: { type: 'string', default: '0.5' },
    'query-pins': { type: 'string', default: '10' },
    seed: { type: 'string', default: '7' },
    pins: { type: 'string', default: '100000' },
    users: { type: 'string', default: '10000' },
    events: { type: 'string', default: '1000000' },
  },
});
const seed = Number(values.seed);
const nQueries = Number(values.queries);
const steps = Number(values.steps);
const alpha = Number(values.alpha);
const queryPins = Number(values['query-pins']);

/** Saves in time order: (user, pin, board). */
interface Save {
  user: string;
  pin: string;
  board: string;
}

async function loadSaves(): Promise<{ saves: Save[]; source: string }> {
  const saves: Save[] = [];
  const keep = (e: EngagementEvent) => {
    if (e.type === 'save' && e.boardId) saves.push({ user: e.userId, pin: e.itemId, board: e.boardId });
  };
  if (existsSync(values.world)) {
    for await (const e of readEvents(values.world, { types: ['save'] })) keep(e);
    return { saves, source: `world ${values.world} (events.parquet, saves)` };
  }
  const world = generateWorld({ seed, pins: Number(values.pins), users: Number(values.users) });
  for (const e of simulateEvents(world, { seed, events: Number(values.events) })) keep(e);
  return { saves, source: `world generated in memory (seed ${seed}, ${values.pins} pins, ${values.users} users, ${values.events} events)` };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const { saves, source } = await loadSaves();
  const loadSeconds = (performance.now() - t0) / 1000;
  if (saves.length === 0) throw new Error('no saves with a board in the event log');
  const pinIndex = new Map<string, number>();
  const boardIndex = new Map<string, number>();
  const idOf = (m: Map<string, number>, id: string) => {
    let i = m.get(id);
    if (i === undefined) m.set(id, (i = m.size));
    return i;
  };
  const pins = new Int32Array(saves.length);
  const boards = new Int32Array(saves.length);
  const byUser = new Map<string, number[]>();
  saves.forEach((s, e) => {
    pins[e] = idOf(pinIndex, s.pin);
    boards[e] = idOf(boardIndex, s.board);
    const list = byUser.get(s.user);
    if (list) list.push(pins[e]);
    else byUser.set(s.user, [pins[e]]);
  });

  // Build from the first 90% of saves, then add the rest as it would arrive: batches of 1,000 edges.
  const cut = Math.floor(saves.length * 0.9);
  const t1 = performance.now();
  const graph = BipartiteGraph.fromEdges(pins.subarray(0, cut), boards.subarray(0, cut));
  const buildMs = performance.now() - t1;
  const addMs: number[] = [];
  let merges = 0;
  for (let start = cut; start < saves.length; start += 1000) {
    const end = Math.min(saves.length, start + 1000);
    const pending = graph.pendingEdges;
    const t = performance.now();
    graph.addEdges(pins.subarray(start, end), boards.subarray(start, end));
    addMs.push(performance.now() - t);
    if (graph.pendingEdges < pending) merges++;
  }
  const add = summarize(addMs);
  const pendingAtWalks = graph.pendingEdges;

  // Queries: a seeded sample of users with saves; each queries with its latest `queryPins` distinct saved pins.
  const rng = createRng(seed);
  const users = [...byUser.keys()];
  const queries: Array<{ pins: Int32Array; weights: Float32Array }> = [];
  for (let q = 0; q < nQueries; q++) {
    const history = byUser.get(users[rng.int(users.length)]) as number[];
    const latest: number[] = [];
    for (let x = history.length - 1; x >= 0 && latest.length < queryPins; x--) if (!latest.includes(history[x])) latest.push(history[x]);
    queries.push({ pins: Int32Array.from(latest), weights: Float32Array.from(latest, (_, r) => 0.5 ** (r / 5)) });
  }

  const walker = new PixieWalker(graph);
  const run = (label: string, opts: Omit<PixieTopOptions, 'seed'>) => {
    for (let q = 0; q < 10; q++) walker.walk(queries[q], { ...opts, seed: q }); // warm-up
    const ms: number[] = [];
    let totalSteps = 0;
    let early = 0;
    const started = performance.now();
    queries.forEach((query, q) => {
      const t = performance.now();
      const r = walker.walk(query, { ...opts, seed: seed + q });
      ms.push(performance.now() - t);
      totalSteps += r.steps;
      if (r.stoppedEarly) early++;
    });
    const seconds = (performance.now() - started) / 1000;
    const s = summarize(ms);
    console.log(
      `${label.padEnd(34)} ${(totalSteps / seconds / 1e6).toFixed(1).padStart(6)} M steps/s   p50 ${s.p50.toFixed(2)} ms   p99 ${s.p99.toFixed(2)} ms   ` +
        `mean steps ${(totalSteps / queries.length).toFixed(0)}   stopped early ${early}/${queries.length}`,
    );
  };

  console.log(`Pixie walk benchmark: ${source}`);
  console.log(`build from 90% of saves ${buildMs.toFixed(0)} ms; adding the last 10% in ${addMs.length} batches of 1,000: p50 ${add.p50.toFixed(2)} ms, max ${add.max.toFixed(1)} ms per batch, ${merges} merge(s)`);
  console.log(`${nQueries} queries of ≤ ${queryPins} recent pins (weights 0.5^(rank/5)), ${steps} steps, alpha ${alpha}, top 100`);
  run(`pending ${pendingAtWalks} edges, early stopping off`, { totalSteps: steps, restartProbability: alpha, np: Infinity, topN: 100 });
  const a = graph.adjacency();
  console.log(`graph: ${a.nPins} pins, ${a.nBoards} boards, ${graph.nEdges} distinct pin–board edges from ${saves.length} saves (loaded in ${loadSeconds.toFixed(1)} s); all merged now`);
  run('early stopping off', { totalSteps: steps, restartProbability: alpha, np: Infinity, topN: 100 });
  run('early stopping np=2000 nv=4', { totalSteps: steps, restartProbability: alpha, np: 2000, nv: 4, topN: 100 });
  run('early stopping np=500 nv=4', { totalSteps: steps, restartProbability: alpha, np: 500, nv: 4, topN: 100 });
  console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}; one thread`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
