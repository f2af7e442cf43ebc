/** Starts the five services as separate processes, waits until each reports SERVING, and stops them cleanly. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { healthStatus } from './health';
import { SERVICE_NAMES, SERVICE_NODE_FLAGS, defaultExperimentsFile, serviceEnv, type ServiceName, type SystemLayout } from './services';

/**
 * How long a service may take to report SERVING by default: it replays the event log and loads its models first
 * (tens of seconds for the demo world on two cores, minutes for a world several times larger).
 */
export const READY_TIMEOUT_MS = 600_000;

/** Options of {@link launchSystem}. */
export interface LaunchOptions extends SystemLayout {
  /** Workspace root holding dist/ (bundles must be built). */
  root: string;
  /** Each service's stdout/stderr goes to `<logDir>/<service>.log`. Default `<dataDir>/logs`. */
  logDir?: string;
  /** How long to wait for every service to report SERVING. Default {@link READY_TIMEOUT_MS}. */
  readyTimeoutMs?: number;
  /** Extra environment for every service. */
  env?: Record<string, string>;
  /** Called with progress lines. */
  onProgress?: (line: string) => void;
  /** The services to start now (default: all five); start the others later with {@link RunningSystem.startServices}. */
  only?: readonly ServiceName[];
  /**
   * Called with the system as soon as its first processes are spawned, before they are SERVING: a caller interrupted
   * while it waits (Ctrl-C during start-up) can stop what already runs instead of leaving orphans.
   */
  onSpawned?: (system: RunningSystem) => void;
}

/** A running system. */
export interface RunningSystem {
  /** `127.0.0.1:<port>` of each service. */
  addresses: Record<ServiceName, string>;
  /** Sends SIGTERM to one service and waits for it to exit (for degradation tests and drills). */
  stopService(name: ServiceName): Promise<void>;
  /** Starts a stopped service again and waits until it is SERVING. */
  startService(name: ServiceName): Promise<void>;
  /** Starts services that are not running (at once) and waits until every one is SERVING. */
  startServices(names: readonly ServiceName[]): Promise<void>;
  /** Stops every service (SIGTERM, then SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Launches the system (or the services of `only`); rejects (after stopping whatever started) if a service does not
 * become SERVING in time.
 */
export async function launchSystem(opts: LaunchOptions): Promise<RunningSystem> {
  const logDir = opts.logDir ?? join(opts.dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const register = join(opts.root, 'dist/libs/telemetry/register.js');
  const processes = new Map<ServiceName, ChildProcess>();
  const addresses = Object.fromEntries(SERVICE_NAMES.map((s) => [s, `127.0.0.1:${opts.ports[s]}`])) as Record<ServiceName, string>;

  const experimentsFile = opts.experimentsFile ?? opts.env?.EXPERIMENTS_FILE ?? process.env.EXPERIMENTS_FILE ?? defaultExperimentsFile(opts.root);
  const startOne = (name: ServiceName): ChildProcess => {
    const main = join(opts.root, 'dist/apps', name, 'main.js');
    if (!existsSync(main) || !existsSync(register)) {
      throw new Error(`${main} is not built: run \`node tools/build/build.mjs\` (npm start does this)`);
    }
    const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, ['--enable-source-maps', ...SERVICE_NODE_FLAGS[name], '--require', register, main], {
      cwd: opts.root,
      env: { ...process.env, ...opts.env, ...serviceEnv(name, { ...opts, experimentsFile }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.on('exit', () => log.end());
    processes.set(name, child);
    return child;
  };

  const waitServing = async (name: ServiceName, deadline: number): Promise<void> => {
    const child = processes.get(name);
    for (;;) {
      if (child && child.exitCode !== null) {
        throw new Error(`${name} exited with code ${child.exitCode} during start-up; see ${join(logDir, `${name}.log`)}`);
      }
      if ((await healthStatus(addresses[name], 500)) === 'SERVING') return;
      if (Date.now() > deadline) throw new Error(`${name} did not report SERVING in time; see ${join(logDir, `${name}.log`)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const stopOne = (name: ServiceName, graceMs: number): Promise<void> => {
    const child = processes.get(name);
    processes.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
  };

  const startAll = async (names: readonly ServiceName[]): Promise<void> => {
    for (const name of names) startOne(name);
    const deadline = Date.now() + (opts.readyTimeoutMs ?? READY_TIMEOUT_MS);
    for (const name of names) {
      await waitServing(name, deadline);
      opts.onProgress?.(`  ${name.padEnd(12)} SERVING on ${addresses[name]}`);
    }
  };

  const system: RunningSystem = {
    addresses,
    stopService: (name) => stopOne(name, 10_000),
    startService: async (name) => {
      startOne(name);
      await waitServing(name, Date.now() + (opts.readyTimeoutMs ?? READY_TIMEOUT_MS));
    },
    startServices: async (names) => {
      try {
        await startAll(names);
      } catch (error) {
        await system.stop(2000);
        throw error;
      }
    },
    stop: async (graceMs = 10_000) => {
      // The orchestrator first, so no new requests fan out to services that are going away.
      await stopOne('orchestrator', graceMs);
      await Promise.all([...processes.keys()].map((n) => stopOne(n, graceMs)));
    },
  };

  opts.onSpawned?.(system);
  await system.startServices(SERVICE_NAMES.filter((name) => opts.only === undefined || opts.only.includes(name)));
  return system;
}
