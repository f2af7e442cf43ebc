/**
 * Ranking with an ONNX multi-task model: the ranking service's RankColumns over loopback gRPC against the same graph
 * run bare in onnxruntime-node in this process.
 *
 * Copies the model (default: the tiny MMoE test fixture) and the committed pre-rank model (models/,
 * ranking/multitask-logistic) into a temporary model store, starts the ranking service bundle on it
 * (RANKING_MODEL = the model), asks it once which item features the model reads (as the orchestrator learns them),
 * then builds `--candidates` rows with those columns (seeded random values around each feature's declared default,
 * `--topics` topics, a user record with every user feature) and measures, one call at a time after `--warmup`
 * unmeasured ones:
 *   (a) bare: `InferenceSession.run` on the input matrix of those rows (a session made with @recsys/models'
 *       SESSION_OPTIONS, the service's own), `--requests` runs;
 *   (b) libs/models: fillInputs (the raw matrix from the ranking features, item columns and user record) + OnnxModel.run;
 *   (c) RankColumns of the rows (every row ranked, no pre-rank budget) through the ranking service, `--requests` calls;
 *   (d) the same calls to a ranking service serving the committed logistic model instead, for scale (what the
 *       service costs around any model).
 * (c) runs first (its first answer is checked against (a) on the same rows), then (a), (b), (d). Prints p50/p95/p99/max
 * per method, CPU per call (this process for (a) and (b); the service process from /proc for (c) and (d), net of its
 * idle CPU rate measured over `--idle-seconds` before, and this client process), and the ratios of (c) and (b) over
 * (a). Usage:
 *   npm run bench:rank-onnx -- [--model DIR --name NAME] [--version V] [--candidates 500] [--requests 2000]
 *     [--warmup 200] [--topics 50] [--seed 7] [--idle-seconds 3] [--cpu-prof]
 * `--model DIR` is a model-store root holding NAME (default: libs/testing/fixtures/models, ranking/tiny-mmoe).
 * `--cpu-prof` runs the service with `node --cpu-prof` and prints its hottest functions (self time, whole run).
 */
import { cpus, loadavg, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mulberry32 } from '@recsys/algorithms';
import {
  RankColumnsRequest,
  RankingServiceClient,
  dictionaryToWire,
  float32MatrixToWire,
  readFloat32Matrix,
  readUint32Column,
  type RankColumnsResponse,
  type ScoringColumns,
} from '@recsys/contracts';
import { ITEM_FEATURES, RANKING_FEATURE_NAMES, USER_FEATURES, rankingFeatureMatrix } from '@recsys/features';
import { createClient, type PromiseClient } from '@recsys/grpc';
import { MODEL_CARD_FILE, SESSION_OPTIONS, fillInputs, loadOnnxModel, parseModelCard, planInputs } from '@recsys/models';
import { LocalModelStore, type ModelStore } from '@recsys/stores';
import { FIXTURE_MODEL_STORE, TINY_MMOE } from '@recsys/testing';
import { InferenceSession, Tensor, env } from 'onnxruntime-node';
import { busyShare, hotSpots, type CpuProfile } from './src/cpu-profile';
import { summarize } from './src/latency';
import { freePortRange } from './src/ports';
import { cpuSeconds } from './src/process-cpu';
import { startServices } from './src/services';

const ROOT = resolve(__dirname, '..', '..', '..');
const PRERANK_MODEL = 'ranking/multitask-logistic';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: join(ROOT, FIXTURE_MODEL_STORE) },
    name: { type: 'string', default: TINY_MMOE.name },
    version: { type: 'string' },
    candidates: { type: 'string', default: '500' },
    requests: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '200' },
    topics: { type: 'string', default: '50' },
    seed: { type: 'string', default: '7' },
    'idle-seconds': { type: 'string', default: '3' },
    'cpu-prof': { type: 'boolean', default: false },
  },
});
const CANDIDATES = Number(values.candidates);
const REQUESTS = Number(values.requests);
const WARMUP = Number(values.warmup);
const TOPICS = Number(values.topics);
const IDLE_SECONDS = Number(values['idle-seconds']);

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Copies an ONNX model version (its card and the graph it names) from one store to another; returns the version. */
async function copyOnnxVersion(from: ModelStore, to: ModelStore, name: string, version?: string): Promise<string> {
  const found = version ?? (await from.latest(name))?.version;
  if (found === undefined) throw new Error(`no ${name} model in ${values.model} (pass --model DIR --name NAME)`);
  const card = await from.read(name, found, MODEL_CARD_FILE);
  const graph = await from.read(name, found, parseModelCard(card).onnx.file);
  await to.publish(name, found, { [MODEL_CARD_FILE]: card, [parseModelCard(card).onnx.file]: graph });
  return found;
}

/** Copies the newest version of a model, every file, from one store to another. */
async function copyLatest(from: ModelStore, to: ModelStore, name: string): Promise<void> {
  const latest = await from.latest(name);
  if (latest === undefined) throw new Error(`no ${name} model in the model store`);
  const files: Record<string, Uint8Array> = {};
  for (const file of latest.files) files[file] = await from.read(name, latest.version, file);
  await to.publish(name, latest.version, files);
}

/** A value around a feature's declared default (counts and ages spread over orders of magnitude). */
function valueAround(fallback: number, random: () => number): number {
  if (fallback === 0) return Math.floor(random() * random() * 1000);
  return fallback * (0.25 + 1.5 * random());
}

/** What {@link measure} found: latency per call, CPU ms per call of this process and of the service process. */
interface Measured {
  latency: ReturnType<typeof summarize>;
  clientCpuMs: number;
  serviceCpuMs?: number;
  /** Wall time of the measured calls, s. */
  seconds: number;
}

/** Latency and CPU of `REQUESTS` sequential calls of `call` after `WARMUP` unmeasured ones. */
async function measure(call: () => Promise<unknown>, pid?: number): Promise<Measured> {
  for (let i = 0; i < WARMUP; i++) await call();
  const samples: number[] = [];
  const cpu0 = cpuMs();
  const service0 = pid === undefined ? undefined : cpuSeconds(pid);
  const started = nowMs();
  for (let i = 0; i < REQUESTS; i++) {
    const begun = nowMs();
    await call();
    samples.push(nowMs() - begun);
  }
  const seconds = (nowMs() - started) / 1000;
  const clientCpuMs = (cpuMs() - cpu0) / REQUESTS;
  const service1 = pid === undefined ? undefined : cpuSeconds(pid);
  const serviceCpuMs = service0 === undefined || service1 === undefined ? undefined : ((service1 - service0) * 1000) / REQUESTS;
  return { latency: summarize(samples), clientCpuMs, serviceCpuMs, seconds };
}

/**
 * Starts the ranking service on `storeDir` serving `rankingModel`, measures its idle CPU rate over `--idle-seconds`,
 * then `request` as RankColumns calls; stops it (printing its profile with `--cpu-prof`). `check` sees the first answer.
 */
async function measureService(
  storeDir: string,
  rankingModel: string,
  request: (client: PromiseClient<RankingServiceClient>) => Promise<RankColumnsRequest>,
  check: (answer: RankColumnsResponse) => Promise<void>,
): Promise<Measured & { idleMsPerS: number; serviceNetMs?: number }> {
  const profiles = join(storeDir, `profiles-${rankingModel.replace(/\//g, '_')}`);
  const services = await startServices({
    root: ROOT,
    specs: [
      {
        name: 'ranking',
        port: await freePortRange(1),
        env: { MODEL_STORE_DIR: storeDir, RANKING_MODEL: rankingModel, RANKING_PRERANK_MODEL: PRERANK_MODEL, LOG_LEVEL: 'info' },
      },
    ],
    logDir: join(storeDir, 'logs'),
    nodeArgs: values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [],
  });
  const client = createClient(RankingServiceClient, services.addresses.ranking, { timeoutMs: 10_000 });
  try {
    const req = await request(client);
    await check(await client.rankColumns(req));
    const pid = services.pids.ranking;
    const idle0 = cpuSeconds(pid);
    await sleep(IDLE_SECONDS * 1000);
    const idle1 = cpuSeconds(pid);
    const idleRate = idle0 === undefined || idle1 === undefined ? 0 : (idle1 - idle0) / IDLE_SECONDS;
    const measured = await measure(() => client.rankColumns(req), pid);
    const serviceNetMs = measured.serviceCpuMs === undefined ? undefined : measured.serviceCpuMs - (idleRate * measured.seconds * 1000) / REQUESTS;
    return { ...measured, idleMsPerS: idleRate * 1000, serviceNetMs };
  } finally {
    client.close();
    await services.stop();
    if (values['cpu-prof']) printProfile(profiles, rankingModel);
  }
}

async function main(): Promise<void> {
  const source = new LocalModelStore(resolve(values.model));
  const dir = mkdtempSync(join(tmpdir(), 'rank-onnx-bench-'));
  const store = new LocalModelStore(dir);
  const version = await copyOnnxVersion(source, store, values.name, values.version);
  await copyLatest(new LocalModelStore(join(ROOT, 'models')), store, PRERANK_MODEL);

  const model = await loadOnnxModel(store, values.name, version);
  const plan = planInputs(model.card);
  const graphBytes = (await store.read(values.name, version, model.card.onnx.file)).byteLength;
  console.log(`Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), onnxruntime-node ${env.versions.node}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(
    `model ${values.name} ${version}: ${model.card.architecture}, ${plan.width} inputs, outputs ${model.card.outputs.map((o) => o.name).join(', ')}, graph ${graphBytes} bytes`,
  );
  console.log(`${CANDIDATES} candidates per call, ${REQUESTS} calls after ${WARMUP} warm-up calls, one at a time\n`);

  // The user, topics and item values of the calls; the columns are those the service says it reads.
  const random = mulberry32(Number(values.seed));
  const topics = Array.from({ length: TOPICS }, (_, t) => `topic-${t}`);
  const affinity: Record<string, number> = {};
  for (const topic of topics) affinity[topic] = random() / TOPICS;
  const userValues = Object.fromEntries(Object.entries(USER_FEATURES).map(([name, fallback]) => [name, valueAround(fallback, random)]));
  const user = { userId: 'bench-user', features: { values: userValues, defaulted: [] }, topicAffinity: affinity };
  const topicIndexes = Uint32Array.from({ length: CANDIDATES }, () => Math.floor(random() * TOPICS));
  const itemSeed = random();
  let names: readonly string[] = [];
  let items = new Float32Array(0);
  const request = async (client: PromiseClient<RankingServiceClient>) => {
    const empty = { featureNames: [], itemFeatures: float32MatrixToWire(0, 0, new Float32Array(0)), topics: dictionaryToWire(0, () => '') };
    names = (await client.rankColumns(RankColumnsRequest.fromPartial({ user, candidates: empty }))).modelFeatureNames;
    const values = mulberry32(Math.floor(itemSeed * 2 ** 31));
    items = Float32Array.from({ length: CANDIDATES * names.length }, (_, i) => valueAround(ITEM_FEATURES[names[i % names.length]] ?? 1, values));
    const candidates: ScoringColumns = { featureNames: [...names], itemFeatures: float32MatrixToWire(CANDIDATES, names.length, items), topics: dictionaryToWire(CANDIDATES, (r) => topics[topicIndexes[r]]), itemIds: [] };
    return RankColumnsRequest.fromPartial({ user, candidates });
  };

  // The same rows as the service assembles them, and the session the bare runs use.
  const session = await InferenceSession.create(await store.read(values.name, version, model.card.onnx.file), { ...SESSION_OPTIONS, executionProviders: ['cpu'] });
  const inputName = model.card.inputs[0].name;
  const rows = Int32Array.from({ length: CANDIDATES }, (_, r) => r);
  const inputsOf = () => {
    const batch = { names, rows: CANDIDATES, values: items, topics, topicIndexes };
    const ranking = { names: RANKING_FEATURE_NAMES, values: rankingFeatureMatrix({ topicAffinity: affinity }, batch).values };
    return { batch, ranking, input: fillInputs(plan, { batch, userFeatures: userValues, ranking }, rows).values };
  };
  try {
    // (c) first: it decides the columns. Its first answer must be the bare graph's on the same rows.
    const service = await measureService(dir, values.name, request, async (answer) => {
      const bare = await session.run({ [inputName]: new Tensor('float32', inputsOf().input, [CANDIDATES, plan.width]) });
      const ranked = readUint32Column(answer.rows, CANDIDATES, 'rows');
      const served = readFloat32Matrix(answer.taskProbabilities, CANDIDATES, model.card.outputs.length, 'task_probabilities').values;
      let worst = 0;
      model.card.outputs.forEach((output, t) => {
        const want = bare[output.name].data as Float32Array;
        ranked.forEach((row, i) => (worst = Math.max(worst, Math.abs(served[i * model.card.outputs.length + t] - want[row]))));
      });
      console.log(`the service reads ${names.length} item features: ${names.join(', ')}`);
      console.log(`service vs bare on the same ${CANDIDATES} rows: largest difference of any output ${worst.toExponential(2)}\n`);
    });
    const { batch, ranking, input } = inputsOf();
    const bare = await measure(() => session.run({ [inputName]: new Tensor('float32', input, [CANDIDATES, plan.width]) }));
    const library = await measure(async () => model.run(fillInputs(plan, { batch, userFeatures: userValues, ranking }, rows).values, CANDIDATES));
    const logistic = await measureService(dir, PRERANK_MODEL, request, async () => undefined);

    const f = (ms: number) => `${ms.toFixed(3)} ms`;
    const row = (label: string, m: Measured, cpu: string) =>
      console.log(`| ${label} | ${f(m.latency.p50)} | ${f(m.latency.p95)} | ${f(m.latency.p99)} | ${f(m.latency.max)} | ${cpu} |`);
    const serviceCpu = (m: Measured & { idleMsPerS: number; serviceNetMs?: number }) =>
      `service ${m.serviceNetMs === undefined ? 'n/a' : f(m.serviceNetMs)} net (idle ${m.idleMsPerS.toFixed(1)} ms/s), client ${f(m.clientCpuMs)}`;
    console.log('| method | p50 | p95 | p99 | max | CPU per call |');
    console.log('|---|---|---|---|---|---|');
    row('(a) bare InferenceSession.run', bare, f(bare.clientCpuMs));
    row('(b) fillInputs + OnnxModel.run', library, f(library.clientCpuMs));
    row(`(c) RankColumns over gRPC, ${values.name}`, service, serviceCpu(service));
    row(`(d) RankColumns over gRPC, ${PRERANK_MODEL} (for scale)`, logistic, serviceCpu(logistic));
    const ratio = (a: number | undefined, b: number) => (a === undefined ? 'n/a' : `${(a / b).toFixed(2)}×`);
    console.log(
      `\n(c) / (a): p50 ${ratio(service.latency.p50, bare.latency.p50)}, p99 ${ratio(service.latency.p99, bare.latency.p99)}, ` +
        `CPU ${ratio(service.serviceNetMs, bare.clientCpuMs)} (service process); ` +
        `(b) / (a): p50 ${ratio(library.latency.p50, bare.latency.p50)}, p99 ${ratio(library.latency.p99, bare.latency.p99)}, CPU ${ratio(library.clientCpuMs, bare.clientCpuMs)}`,
    );
  } finally {
    await session.release();
    await model.release();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the hottest functions of the service's CPU profile (written when it exits). */
function printProfile(profileDir: string, rankingModel: string): void {
  if (!existsSync(profileDir)) return;
  for (const file of readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(readFileSync(join(profileDir, file), 'utf8')) as CpuProfile;
    console.log(`\nCPU profile of the ranking service serving ${rankingModel} (${((profile.endTime - profile.startTime) / 1e6).toFixed(0)} s, busy ${(100 * busyShare(profile)).toFixed(0)}%): top self time`);
    for (const spot of hotSpots(profile, 20)) console.log(`  ${(100 * spot.selfShare).toFixed(1).padStart(5)}%  ${spot.where}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
