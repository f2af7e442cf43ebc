/** The recsys command-line interface. Run `npx recsys help`. */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { intArg } from './args';
import { DEFAULT_ADDR } from './client';
import { BUILD_RECALL_USAGE, buildRecallCommand, parseBuildRecallArgs } from './commands/build-recall';
import { DEMO_DEFAULTS, loadDemo } from './commands/demo';
import { EVAL_USAGE, evalCommand, parseEvalArgs } from './commands/eval';
import { FEATURES_USAGE, batchFeatures, formatReport, parseBatchArgs, parseVerifyArgs, verifyServedFeatures } from './commands/features';
import { EXPERIMENT_USAGE, analyzeLogs, formatAnalysis, formatPlan, parseAnalyzeArgs, planFromArgs } from './commands/experiment';
import { FUSION_USAGE, fusionSearchCommand, parseFusionSearchArgs } from './commands/fusion';
import { logEvent } from './commands/log-event';
import { SIMULATE_USAGE, formatSimulation, parseSimulateArgs, simulate } from './commands/simulate';
import { formatPage, recommend } from './commands/recommend';
import { runStart } from './commands/start';
import { READY_TIMEOUT_MS } from './launcher/launch';
import { trainRanker } from './commands/train-ranker';
import { EXPORT_TRAINING_SET_USAGE, OUTCOME_HORIZON_MS, exportTrainingSet, exportTwoTowerSet } from './commands/export-training-set';
import { exportTrainingSetFromLog } from './commands/export-training-set-from-log';
import { WORLD_DEFAULTS, WORLD_GENERATE_USAGE, worldGenerateCommand } from './commands/world';
import { WORLD_STATS_USAGE, parseWorldStatsArgs, readWorldConfig, worldStatsCommand } from './commands/world-stats';
import { WORLD_CALIBRATE_USAGE, parseWorldCalibrateArgs, worldCalibrateCommand } from './commands/world-calibrate';

const USAGE = `recsys — a recommendation engine for content platforms

Usage: npx recsys <command> [options]

Commands:
  start        Run the five services and load the demo world (npm start runs this). Backend from the environment:
               RECSYS_BACKEND=embedded (default) | redis-kafka (with KAFKA_BROKERS, REDIS_URL; docs/infra.md).
               --data-dir DIR (.data)  --models DIR (models)  --port N (50051)  --reset  --no-demo
               --experiments FILE (apps/orchestrator/config/experiments.json: layers, arms, holdout; reloaded on change)
               --ready-timeout SECONDS (600: how long each service may take to replay and report SERVING)
               demo world of the first run: --demo-pins N (100000) --demo-users N (10000) --demo-events N (1000000)
               --demo-seed N (7) --demo-days N (30)
  recommend    Print a page for a user as a table.
               --user ID (required)  --surface home|related  --item PIN (related pins)  --size N (25)
               --country CC  --override layer=arm (repeatable)  --debug  --json  --addr HOST:PORT
  log-event    Send one engagement event.
               --user ID --item PIN --type impression|click|save|share|hide|dwell [--dwell-ms N] [--addr]
  demo load    Generate the seeded demo world and load it through the API.
               --seed N --pins N --users N --events N --days N [--addr]
  export-training-set  Write impressions, model inputs and outcomes as a training set for tools/training
               (recsys export-training-set --help): the demo world's (--out DIR --seed N --pins N --users N --events N)
               or a running system's served-feature log (--from-log DIR (.data/bus) | --brokers HOST:PORT --out DIR)
  fusion search  Search fusion rules offline on a training set's held-out log: per-objective metrics on the logged
               outcomes and the world's ground truth, the Pareto set; --write-arm puts one in an experiments file
               (recsys fusion search --help). --data DIR --store DIR --model NAME --grid SPEC --out FILE
  train-ranker Train the demo ranking model and publish it to a model store.
               --out DIR (models) --seed N --pins N --users N --events N
  world generate  Generate a seeded world and its event log as Parquet files (recsys world generate --help).
               --out DIR --pins N (100000) --users N (10000) --events N (1000000) --seed N --days N --force
  world stats  Statistics that shape recommendation quality, for a world and for datasets, side by side
               (recsys world stats --help).
  world calibrate  Fit the world's parameters to a real dataset's statistics (recsys world calibrate --help).
  build-recall Build the recall models (item-CF, user-CF, ALS) from a dataset and publish them (build-recall --help).
               --data PATH --format world|movielens-100k|movielens-1m|movielens-csv|interactions-csv --out DIR
               --threads N (ALS on N threads; default: the available cores)
  eval         Evaluate recommenders offline on a dataset (recsys eval --help for every option).
               --data PATH --format movielens-100k|movielens-1m|movielens-csv|interactions-csv|world
               --split random|leave-last|time-cut|files --model pop,random,... --k 10,20 --out report.json
               --threads N (ALS on N threads; default: the available cores)
  simulate     The closed loop: simulated users of the demo world visit the running system, the world's true model
               judges every page and its reactions go back as events (recsys simulate --help).
               --days N (3) --users N (200) --pages N (2) --seed N --layer NAME --out FILE --addr HOST:PORT
  experiment plan     Sample size per arm and duration of an A/B test (recsys experiment --help).
               --metric proportion|mean|ratio --baseline X --mde X | --mde-relative X --users-per-day N --traffic S
  experiment analyze  Per-arm metrics, Welch/z test, CUPED and the SRM check of a layer, from the logs.
               --log DIR | --brokers HOST:PORT --layer NAME --metric ctr|saves|... --from TIME --pre-from TIME
  features verify  Replay the event log and check the served-feature log against it (features verify --help).
               --log DIR (.data/bus) | --brokers HOST:PORT  --worst N  --json
  features batch   Every user's and item's features at a point in time, from the event log, as JSON lines.
               --log DIR | --brokers HOST:PORT  --at TIME  --out FILE
  help         Show this text.
`;

/** Where the workspace is (dist/tools/cli/main.js → three levels up). */
const ROOT = resolve(__dirname, '..', '..', '..');

/** An integer option (see {@link intArg}); a bad one is a usage error (the usage is printed with it). */
function intOption(value: string | undefined, name: string, fallback: number, min = 1): number {
  try {
    return intArg(value, name, min) ?? fallback;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'start': {
      const { values } = parseArgs({
        args: rest,
        options: {
          'data-dir': { type: 'string', default: '.data' },
          models: { type: 'string', default: join(ROOT, 'models') },
          port: { type: 'string' },
          reset: { type: 'boolean', default: false },
          'no-demo': { type: 'boolean', default: false },
          'otlp-endpoint': { type: 'string' },
          'demo-seed': { type: 'string' },
          'demo-pins': { type: 'string' },
          'demo-users': { type: 'string' },
          'demo-events': { type: 'string' },
          'demo-days': { type: 'string' },
          'ready-timeout': { type: 'string' },
          experiments: { type: 'string' },
        },
      });
      await runStart({
        experimentsFile: values.experiments,
        readyTimeoutMs: intOption(values['ready-timeout'], 'ready-timeout', READY_TIMEOUT_MS / 1000) * 1000,
        demoWorld: {
          seed: intOption(values['demo-seed'], 'demo-seed', DEMO_DEFAULTS.seed, 0),
          pins: intOption(values['demo-pins'], 'demo-pins', DEMO_DEFAULTS.pins),
          users: intOption(values['demo-users'], 'demo-users', DEMO_DEFAULTS.users),
          events: intOption(values['demo-events'], 'demo-events', DEMO_DEFAULTS.events),
          days: intOption(values['demo-days'], 'demo-days', DEMO_DEFAULTS.days),
        },
        root: ROOT,
        dataDir: values['data-dir'],
        modelDir: values.models,
        reset: values.reset,
        demo: !values['no-demo'],
        port: intOption(values.port, 'port', 50051, 1024),
        otlpEndpoint: values['otlp-endpoint'],
      });
      return 0;
    }
    case 'recommend': {
      const { values } = parseArgs({
        args: rest,
        options: {
          user: { type: 'string' },
          surface: { type: 'string', default: 'home' },
          item: { type: 'string' },
          size: { type: 'string' },
          country: { type: 'string' },
          override: { type: 'string', multiple: true },
          debug: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
          addr: { type: 'string', default: DEFAULT_ADDR },
        },
      });
      if (!values.user) throw new UsageError('--user is required');
      if (values.surface !== 'home' && values.surface !== 'related') throw new UsageError('--surface must be home or related');
      const overrides: Record<string, string> = {};
      for (const o of values.override ?? []) {
        const [layer, arm] = o.split('=');
        if (!layer || !arm) throw new UsageError(`--override must be layer=arm (got "${o}")`);
        overrides[layer] = arm;
      }
      const res = await recommend({
        addr: values.addr,
        user: values.user,
        surface: values.surface,
        item: values.item,
        size: intOption(values.size, 'size', 25),
        country: values.country,
        overrides,
        debug: values.debug,
      });
      console.log(values.json ? JSON.stringify(res, null, 2) : formatPage(res));
      return 0;
    }
    case 'log-event': {
      const { values } = parseArgs({
        args: rest,
        options: {
          user: { type: 'string' },
          item: { type: 'string' },
          type: { type: 'string' },
          'dwell-ms': { type: 'string' },
          addr: { type: 'string', default: DEFAULT_ADDR },
        },
      });
      if (!values.user || !values.item || !values.type) throw new UsageError('--user, --item and --type are required');
      const id = await logEvent({
        addr: values.addr,
        user: values.user,
        item: values.item,
        type: values.type,
        dwellMs: values['dwell-ms'] === undefined ? undefined : intOption(values['dwell-ms'], 'dwell-ms', 0),
      });
      console.log(`logged ${values.type} of ${values.item} by ${values.user} (event ${id})`);
      return 0;
    }
    case 'demo': {
      const [sub, ...args] = rest;
      if (sub !== 'load') throw new UsageError('usage: recsys demo load [options]');
      const { values } = parseArgs({
        args,
        options: {
          seed: { type: 'string' },
          pins: { type: 'string' },
          users: { type: 'string' },
          events: { type: 'string' },
          days: { type: 'string' },
          addr: { type: 'string', default: DEFAULT_ADDR },
        },
      });
      const summary = await loadDemo({
        addr: values.addr,
        seed: intOption(values.seed, 'seed', DEMO_DEFAULTS.seed, 0),
        pins: intOption(values.pins, 'pins', DEMO_DEFAULTS.pins),
        users: intOption(values.users, 'users', DEMO_DEFAULTS.users),
        events: intOption(values.events, 'events', DEMO_DEFAULTS.events),
        days: intOption(values.days, 'days', DEMO_DEFAULTS.days),
      });
      console.log(`loaded ${summary.users} users, ${summary.pins} pins, ${summary.events} events in ${summary.seconds.toFixed(1)} s`);
      return 0;
    }
    case 'export-training-set': {
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(EXPORT_TRAINING_SET_USAGE);
        return 0;
      }
      const { values } = parseArgs({
        args: rest,
        options: {
          out: { type: 'string' },
          seed: { type: 'string' },
          pins: { type: 'string' },
          users: { type: 'string' },
          events: { type: 'string' },
          config: { type: 'string' },
          force: { type: 'boolean', default: false },
          'two-tower': { type: 'boolean', default: false },
          inputs: { type: 'string' },
          'from-log': { type: 'string' },
          brokers: { type: 'string' },
          'horizon-ms': { type: 'string' },
        },
      });
      if (!values.out) throw new UsageError('export-training-set: --out DIR is required (the training-set directory to write)');
      const inputs = values.inputs?.split(',').map((name) => name.trim()).filter(Boolean);
      if (inputs !== undefined && inputs.length === 0) throw new UsageError('export-training-set: --inputs must name at least one model input');
      if (inputs !== undefined && values['two-tower']) throw new UsageError('export-training-set: --inputs applies to the multi-task set, not --two-tower (its tower inputs are fixed)');
      const fromLog = values['from-log'] !== undefined || values.brokers !== undefined;
      if (fromLog) {
        if (values['from-log'] !== undefined && values.brokers !== undefined) throw new UsageError('export-training-set: give one of --from-log DIR or --brokers HOST:PORT');
        const worldOnly = (['seed', 'pins', 'users', 'events', 'config', 'two-tower'] as const).filter((name) => values[name] !== undefined && values[name] !== false);
        if (worldOnly.length > 0) throw new UsageError(`export-training-set: ${worldOnly.map((n) => `--${n}`).join(', ')} applies to the demo world's export, not to a log`);
        const summary = await exportTrainingSetFromLog({
          log: values['from-log'],
          brokers: values.brokers?.split(',').map((b) => b.trim()).filter(Boolean),
          out: values.out,
          force: values.force,
          inputs,
          horizonMs: intOption(values['horizon-ms'], 'horizon-ms', OUTCOME_HORIZON_MS, 0),
        });
        console.log(`wrote ${summary.rows} rows of ${summary.impressions} impressions (items a client showed, of ${summary.served} served on ${summary.pages} pages) to ${values.out} (train ${summary.split.train}, validation ${summary.split.validation}, test ${summary.split.test}) in ${summary.seconds.toFixed(1)} s`);
        console.log(`positive rates: ${Object.entries(summary.positiveRate).map(([t, r]) => `${t} ${(100 * r).toFixed(2)}%`).join(', ')}`);
        console.log(`rows whose value the log did not hold (declared default) per input: ${Object.entries(summary.defaulted).map(([name, n]) => `${name} ${n}`).join(', ')}`);
        return 0;
      }
      if (values['horizon-ms'] !== undefined) throw new UsageError('export-training-set: --horizon-ms applies to --from-log');
      const summary = (values['two-tower'] ? exportTwoTowerSet : exportTrainingSet)({
        out: values.out,
        seed: intOption(values.seed, 'seed', DEMO_DEFAULTS.seed, 0),
        pins: intOption(values.pins, 'pins', DEMO_DEFAULTS.pins),
        users: intOption(values.users, 'users', DEMO_DEFAULTS.users),
        events: intOption(values.events, 'events', DEMO_DEFAULTS.events),
        world: values.config ? readWorldConfig(values.config) : undefined,
        force: values.force,
        inputs,
      });
      console.log(`wrote ${summary.rows} rows to ${values.out} (train ${summary.split.train}, validation ${summary.split.validation}, test ${summary.split.test}) in ${summary.seconds.toFixed(1)} s`);
      console.log(`positive rates: ${Object.entries(summary.positiveRate).map(([t, r]) => `${t} ${(100 * r).toFixed(2)}%`).join(', ')}`);
      return 0;
    }
    case 'train-ranker': {
      const { values } = parseArgs({
        args: rest,
        options: {
          out: { type: 'string', default: join(ROOT, 'models') },
          seed: { type: 'string' },
          pins: { type: 'string' },
          users: { type: 'string' },
          events: { type: 'string' },
        },
      });
      const result = await trainRanker({
        out: values.out,
        seed: intOption(values.seed, 'seed', DEMO_DEFAULTS.seed, 0),
        pins: intOption(values.pins, 'pins', DEMO_DEFAULTS.pins),
        users: intOption(values.users, 'users', DEMO_DEFAULTS.users),
        events: intOption(values.events, 'events', DEMO_DEFAULTS.events),
      });
      console.log(`published ranking/multitask-logistic ${result.version} to ${values.out}`);
      console.log(JSON.stringify(result.metrics, null, 2));
      return 0;
    }
    case 'world': {
      const [sub, ...args] = rest;
      if (sub === 'calibrate') {
        if (args.includes('--help') || args.includes('-h')) {
          console.log(WORLD_CALIBRATE_USAGE);
          return 0;
        }
        await worldCalibrateCommand(parseWorldCalibrateArgs(args));
        return 0;
      }
      if (sub === 'stats') {
        if (args.includes('--help') || args.includes('-h')) {
          console.log(WORLD_STATS_USAGE);
          return 0;
        }
        await worldStatsCommand(parseWorldStatsArgs(args));
        return 0;
      }
      if (sub !== 'generate' || args.includes('--help') || args.includes('-h')) {
        console.log(sub === 'generate' ? WORLD_GENERATE_USAGE : `${WORLD_GENERATE_USAGE}\n\n${WORLD_STATS_USAGE}\n\n${WORLD_CALIBRATE_USAGE}`);
        return sub === 'generate' ? 0 : 2;
      }
      const { values } = parseArgs({
        args,
        options: {
          out: { type: 'string' },
          pins: { type: 'string' },
          users: { type: 'string' },
          events: { type: 'string' },
          seed: { type: 'string' },
          days: { type: 'string' },
          config: { type: 'string' },
          force: { type: 'boolean', default: false },
        },
      });
      if (!values.out) throw new UsageError('--out is required');
      const config = values.config === undefined ? undefined : readWorldConfig(values.config);
      await worldGenerateCommand({
        out: values.out,
        pins: intOption(values.pins, 'pins', WORLD_DEFAULTS.pins),
        users: intOption(values.users, 'users', WORLD_DEFAULTS.users),
        events: intOption(values.events, 'events', WORLD_DEFAULTS.events, 0),
        seed: intOption(values.seed, 'seed', WORLD_DEFAULTS.seed, 0),
        days: intOption(values.days, 'days', WORLD_DEFAULTS.days),
        config,
        force: values.force,
      });
      return 0;
    }
    case 'build-recall': {
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(BUILD_RECALL_USAGE);
        return 0;
      }
      await buildRecallCommand(parseBuildRecallArgs(rest));
      return 0;
    }
    case 'features': {
      const [sub, ...args] = rest;
      if ((sub !== 'verify' && sub !== 'batch') || args.includes('--help') || args.includes('-h')) {
        console.log(FEATURES_USAGE);
        return sub === 'verify' || sub === 'batch' ? 0 : 1;
      }
      if (sub === 'batch') {
        const opts = parseBatchArgs(args);
        const done = await batchFeatures(opts);
        console.log(`wrote ${done.users} users and ${done.items} items as of ${new Date(opts.atMs).toISOString()} (${done.events} events applied) to ${opts.out}`);
        return 0;
      }
      const opts = parseVerifyArgs(args);
      const report = await verifyServedFeatures(opts);
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(report));
      return report.share === 1 ? 0 : 2;
    }
    case 'simulate': {
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(SIMULATE_USAGE);
        return 0;
      }
      const report = await simulate(parseSimulateArgs(rest));
      console.log(formatSimulation(report));
      return 0;
    }
    case 'experiment': {
      const [sub, ...args] = rest;
      if ((sub !== 'plan' && sub !== 'analyze') || args.includes('--help') || args.includes('-h')) {
        console.log(EXPERIMENT_USAGE);
        return sub === 'plan' || sub === 'analyze' ? 0 : 1;
      }
      if (sub === 'plan') {
        const { plan, json } = planFromArgs(args);
        console.log(json ? JSON.stringify(plan, null, 2) : formatPlan(plan));
        return 0;
      }
      const opts = parseAnalyzeArgs(args);
      const analysis = await analyzeLogs(opts);
      console.log(opts.json ? JSON.stringify(analysis, null, 2) : formatAnalysis(analysis));
      return 0;
    }
    case 'fusion': {
      const [sub, ...args] = rest;
      if (sub !== 'search' || args.includes('--help') || args.includes('-h')) {
        console.log(FUSION_USAGE);
        return sub === 'search' ? 0 : 1;
      }
      await fusionSearchCommand(parseFusionSearchArgs(args));
      return 0;
    }
    case 'eval': {
      if (rest.includes('--help') || rest.includes('-h')) {
        console.log(EVAL_USAGE);
        return 0;
      }
      await evalCommand(parseEvalArgs(rest));
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 1 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error instanceof Error && 'code' in error && String((error as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      console.error(`recsys: ${(error as Error).message}\n\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`recsys: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
