/**
 * `recsys start`: runs the five services as separate processes on the backend of `RECSYS_BACKEND` (embedded by
 * default; `redis-kafka` after checking that Kafka and Redis answer), loads the demo world and builds the recall
 * models from it on the first run, prints the address and an example call once a Recommend is served whole, and stops
 * everything cleanly on Ctrl-C.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FeatureServiceClient, Surface } from '@recsys/contracts';
import { createClient } from '@recsys/grpc';
import { orchestratorClient } from '../client';
import { loadCliConfig } from '../config';
import { checkBackend } from '../launcher/backend-check';
import { launchSystem, type RunningSystem } from '../launcher/launch';
import { DEFAULT_PORTS, type BackendLayout, type ServiceName } from '../launcher/services';
import { WorldEventMatrix, publishRecallModels } from './build-recall';
import { DEMO_DEFAULTS, loadDemo, type DemoOptions, type DemoSummary } from './demo';

/** Options of the start command. */
export interface StartOptions {
  root: string;
  dataDir: string;
  modelDir: string;
  reset: boolean;
  demo: boolean;
  /** Port of the orchestrator; the others follow it (+1 … +4). */
  port: number;
  otlpEndpoint?: string;
  /** The services' backend; default: `RECSYS_BACKEND`, `KAFKA_BROKERS` and `REDIS_URL` of the environment. */
  backend?: BackendLayout;
  /** The demo world to load on the first run; default {@link DEMO_DEFAULTS}. */
  demoWorld?: Omit<DemoOptions, 'addr'>;
  /** Show progress bars while loading the demo (default true). */
  progress?: boolean;
  /** The experiment configuration (layers, arms, holdout); default: the launcher's (`EXPERIMENTS_FILE`, else `apps/orchestrator/config/experiments.json`). */
  experimentsFile?: string;
  /** How long each service may take to report SERVING (replay, models); default the launcher's `READY_TIMEOUT_MS`. */
  readyTimeoutMs?: number;
  /** Called with the system once its first processes are spawned (see {@link LaunchOptions.onSpawned}). */
  onSpawned?: (system: RunningSystem) => void;
}

/** The services that read the state the demo loads: started after it is loaded, so they are ready with it. */
const CONSUMERS: readonly ServiceName[] = ['feature', 'recall', 'ranking', 'reranking'];

/** The environment's backend (see {@link loadCliConfig}). */
export function backendFromEnv(): BackendLayout {
  const config = loadCliConfig();
  return { backend: config.RECSYS_BACKEND, kafkaBrokers: config.KAFKA_BROKERS, redisUrl: config.REDIS_URL };
}

/**
 * The file recording that the demo world was loaded into the backend. Embedded: it lives with the data it describes.
 * redis-kafka: one marker per backend, so switching backends on one data directory loads the demo into each once.
 */
export function demoMarker(dataDir: string, backend: BackendLayout): string {
  return join(dataDir, backend.backend === 'embedded' ? 'demo.json' : `demo.${backend.backend}.json`);
}

/**
 * Whether the demo world the marker describes is still in the backend's stores. Embedded: always (marker and data
 * share the data directory). redis-kafka: the servers live elsewhere and may have been reset (`infra:down --clean`)
 * since, so the feature service is asked whether it knows the demo's first example user.
 */
async function demoStillLoaded(backend: BackendLayout, featureAddr: string, demo: DemoSummary): Promise<boolean> {
  const user = demo.exampleUserIds?.[0];
  if (backend.backend === 'embedded' || user === undefined) return true;
  const feature = createClient(FeatureServiceClient, featureAddr, { timeoutMs: 5_000 });
  try {
    return (await feature.getUserFeatures({ userId: user })).known;
  } finally {
    feature.close();
  }
}

/**
 * Starts the system and the demo; resolves with the running system (the caller waits for a signal) once a Recommend is
 * served whole. On the first run only the orchestrator runs while the demo world is loaded through the API and the
 * recall models are built from it; the other services start after that, replay the log and load the models before
 * they report SERVING. A run on existing data starts all five, each SERVING once its state is restored.
 */
export async function startSystem(opts: StartOptions, log: (line: string) => void = console.log): Promise<{ system: RunningSystem; demo?: DemoSummary }> {
  const dataDir = resolve(opts.dataDir);
  if (opts.reset) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const offsets: Record<ServiceName, number> = { orchestrator: 0, recall: 1, feature: 2, ranking: 3, reranking: 4 };
  const ports = Object.fromEntries(
    Object.keys(DEFAULT_PORTS).map((s) => [s, opts.port + offsets[s as ServiceName]]),
  ) as Record<ServiceName, number>;

  const backend = opts.backend ?? backendFromEnv();
  const world = opts.demoWorld ?? DEMO_DEFAULTS;
  const started = Date.now();
  log(`Starting recsys (data in ${dataDir}):`);
  log(`  ${await checkBackend(backend)}`);
  const marker = demoMarker(dataDir, backend);
  const firstRun = opts.demo && !existsSync(marker);
  const system = await launchSystem({
    root: opts.root,
    dataDir,
    modelDir: resolve(opts.modelDir),
    ports,
    otlpEndpoint: opts.otlpEndpoint,
    backend,
    onProgress: log,
    readyTimeoutMs: opts.readyTimeoutMs,
    experimentsFile: opts.experimentsFile === undefined ? undefined : resolve(opts.experimentsFile),
    only: firstRun ? ['orchestrator'] : undefined,
    onSpawned: opts.onSpawned,
  });
  try {
    return await loadAndWarmUp(system);
  } catch (error) {
    // A start that fails after the launch (the demo does not load, a reader does not come up) stops what runs.
    await system.stop(2000);
    throw error;
  }

  /** Loads the demo on the first run, starts the readers, warms up. */
  async function loadAndWarmUp(system: RunningSystem): Promise<{ system: RunningSystem; demo?: DemoSummary }> {
    let demo: DemoSummary | undefined;
    const load = async (): Promise<DemoSummary> => {
      log('Loading the demo world (first run only)...');
      const events = new WorldEventMatrix();
      const loaded = await loadDemo({ addr: system.addresses.orchestrator, ...world, progress: opts.progress, onEvent: (e) => events.add(e) });
      writeFileSync(marker, JSON.stringify({ ...world, ...loaded }, null, 2));
      log(`Loaded ${loaded.users} users, ${loaded.pins} pins and ${loaded.events} events in ${loaded.seconds.toFixed(1)} s.`);
      await buildDemoRecallModels(events, join(dataDir, 'models'), world.seed, log);
      return loaded;
    };
    if (firstRun) {
      demo = await load();
      log('Starting the services that read it (they replay the log and load the models first)...');
      await system.startServices(CONSUMERS);
    } else if (existsSync(marker)) {
      demo = JSON.parse(readFileSync(marker, 'utf8')) as DemoSummary;
      if (opts.demo && !(await demoStillLoaded(backend, system.addresses.feature, demo))) {
        log(`The demo world recorded in ${marker} is not in Kafka/Redis any more (servers reset?): loading it again.`);
        rmSync(marker);
        demo = await load();
        // Restarted, the readers are SERVING again only once they have consumed what was just loaded.
        for (const name of CONSUMERS) await system.stopService(name);
        await system.startServices(CONSUMERS);
      }
    }
    log(`All five services SERVING after ${((Date.now() - started) / 1000).toFixed(1)} s; warming up...`);
    await warmUp(system.addresses.orchestrator, demo?.exampleUserIds ?? [], log);
    log(`Ready after ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    return { system, demo };
  }
}

/**
 * Builds the recall models (item-CF, user-CF, ALS) from the demo world's events and publishes them into the recall
 * service's model store (`<dataDir>/models`, its default `RECALL_MODEL_DIR`), which the service watches and loads
 * without a restart. A failure is reported and the system runs on without those channels.
 */
async function buildDemoRecallModels(events: WorldEventMatrix, modelDir: string, seed: number, log: (line: string) => void): Promise<void> {
  log('Building the recall models from the demo world...');
  try {
    const built = await publishRecallModels(events.build(), `demo world (seed ${seed})`, modelDir, {}, { print: log });
    const seconds = Object.values(built.seconds).reduce((a, b) => a + b, 0);
    log(
      `Published recall models ${built.version} (${built.users} users × ${built.items} items, ${built.interactions} interactions; ` +
        `ALS on ${built.alsThreads} thread${built.alsThreads === 1 ? '' : 's'}) in ${seconds.toFixed(1)} s; the recall service loads them within a few seconds.`,
    );
  } catch (error) {
    log(`Could not build the recall models (${error instanceof Error ? error.message : String(error)}); run \`npx recsys build-recall\` later.`);
  }
}

/** Recommend calls in a row that must come back whole before the system is handed to the user. */
const WARM_UP_CLEAN = 8;
/** Longest the warm-up waits for them, ms. */
const WARM_UP_LIMIT_MS = 60_000;

/**
 * Sends Recommend calls (alternating demo users and unknown users) until {@link WARM_UP_CLEAN} in a row come back whole:
 * the first calls open the gRPC channels between the services and run cold code, and would otherwise come back
 * degraded by their deadlines. Says so, naming the degraded stages, when that does not happen within a minute.
 */
async function warmUp(addr: string, users: readonly string[], log: (line: string) => void): Promise<void> {
  const client = orchestratorClient(addr);
  const until = Date.now() + WARM_UP_LIMIT_MS;
  let clean = 0;
  let lastDegraded: string[] = [];
  try {
    for (let i = 0; clean < WARM_UP_CLEAN && Date.now() < until; i++) {
      const userId = users.length > 0 && i % 2 === 0 ? users[(i / 2) % users.length] : `warm-up-${i}`;
      const res = await client
        .recommend({
          userId,
          surface: Surface.SURFACE_HOME_FEED,
          context: { country: '', device: 'warm-up', locale: '', recentItemIds: [], contextItemId: '' },
          pageSize: 25,
          experimentOverrides: {},
          debug: false,
        })
        .catch(() => undefined);
      lastDegraded = res ? res.degraded.map((d) => `${d.stage}: ${d.reason}`) : ['Recommend failed'];
      clean = res && res.degraded.length === 0 ? clean + 1 : 0;
    }
  } finally {
    client.close();
  }
  if (clean < WARM_UP_CLEAN) log(`Warning: Recommend still comes back degraded after ${WARM_UP_LIMIT_MS / 1000} s of warm-up (${lastDegraded.join('; ')}).`);
}

/** Runs `recsys start` until SIGINT/SIGTERM. */
export async function runStart(opts: StartOptions): Promise<void> {
  // A signal during start-up (the demo loading, services replaying) stops the processes already spawned and exits.
  let spawned: RunningSystem | undefined;
  const interrupted = (signal: NodeJS.Signals) => {
    console.log(`\n${signal} during start-up: stopping the services started so far...`);
    void (spawned?.stop(2000) ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const { system, demo } = await startSystem({ ...opts, onSpawned: (s) => (spawned = s) });
  process.off('SIGINT', interrupted);
  process.off('SIGTERM', interrupted);
  const user = demo?.exampleUserIds?.[0] ?? 'user_00001';
  console.log(
    [
      '',
      `recsys is running. Orchestrator (public gRPC API): ${system.addresses.orchestrator}`,
      '',
      'Try:',
      `  npx recsys recommend --user ${user}`,
      `  npx recsys recommend --user someone-new          # unknown user: cold-start page`,
      `  npx recsys log-event --user ${user} --item pin_000042 --type save`,
      `  grpcurl -plaintext -d '{"user_id":"${user}","surface":"SURFACE_HOME_FEED","page_size":25}' ${system.addresses.orchestrator} recsys.v1.OrchestratorService/Recommend`,
      '',
      'Press Ctrl-C to stop.',
    ].join('\n'),
  );
  await new Promise<void>((resolveStop) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: stopping the services...`);
      system.stop().then(() => {
        console.log('Stopped.');
        resolveStop();
      });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
}
