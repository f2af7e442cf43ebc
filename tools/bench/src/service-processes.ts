/**
 * Finds the processes of a running recsys system (`npm start`, `recsys start`, or services started by hand) from
 * /proc, so a benchmark can read each one's CPU time: the orchestrator listening on a given port, then the four
 * services it calls, by the addresses in its environment.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The five services, in the order benchmarks print them. */
export const SYSTEM_SERVICES = ['orchestrator', 'recall', 'feature', 'ranking', 'reranking'] as const;

/** One of {@link SYSTEM_SERVICES}. */
export type SystemService = (typeof SYSTEM_SERVICES)[number];

/** The orchestrator's environment variable naming each downstream's address, and the default it falls back to. */
const DOWNSTREAM: Readonly<Record<Exclude<SystemService, 'orchestrator'>, { env: string; defaultPort: number }>> = {
  recall: { env: 'RECALL_ADDR', defaultPort: 50052 },
  feature: { env: 'FEATURE_ADDR', defaultPort: 50053 },
  ranking: { env: 'RANKING_ADDR', defaultPort: 50054 },
  reranking: { env: 'RERANKING_ADDR', defaultPort: 50055 },
};

/** A running service process as /proc shows it. */
export interface ServiceProcess {
  pid: number;
  service: string;
  /** Its GRPC_PORT (the services' default when the variable is not set). */
  port: number;
  env: Record<string, string>;
}

const DEFAULT_PORTS: Readonly<Record<SystemService, number>> = {
  orchestrator: 50051,
  recall: 50052,
  feature: 50053,
  ranking: 50054,
  reranking: 50055,
};

/** Parses a NUL-separated /proc file (cmdline, environ). */
function nulSeparated(path: string): string[] {
  return readFileSync(path, 'latin1').split('\0').filter((s) => s.length > 0);
}

/** `KEY=value` lines as a record. */
function environment(entries: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at > 0) env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

/** The port of `host:port` (IPv6 hosts in brackets), or undefined. */
export function portOf(address: string): number | undefined {
  const match = /:(\d+)$/.exec(address.trim());
  return match ? Number(match[1]) : undefined;
}

/**
 * Every process on this machine running a service bundle (`dist/apps/<service>/main.js`), with its port and
 * environment. Processes that vanish or cannot be read while listing are skipped. Linux only (empty elsewhere).
 */
export function listServiceProcesses(): ServiceProcess[] {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const found: ServiceProcess[] = [];
  for (const name of pids) {
    try {
      const args = nulSeparated(`/proc/${name}/cmdline`);
      const main = args.map((a) => /(?:^|\/)dist\/apps\/([a-z-]+)\/main\.js$/.exec(a)).find((m) => m !== null);
      if (!main) continue;
      const service = main[1];
      const env = environment(nulSeparated(`/proc/${name}/environ`));
      const port = env.GRPC_PORT !== undefined ? Number(env.GRPC_PORT) : DEFAULT_PORTS[service as SystemService];
      found.push({ pid: Number(name), service, port, env });
    } catch {
      // The process exited while we looked, or is not ours to read.
    }
  }
  return found;
}

/**
 * The processes of the system whose orchestrator listens on `orchestratorPort`: that orchestrator, and the recall,
 * feature, ranking and re-ranking processes listening on the ports its RECALL_ADDR, FEATURE_ADDR, RANKING_ADDR and
 * RERANKING_ADDR name (the services' default ports when unset). A service that cannot be found is absent from the
 * result, and `missing` names it.
 */
export function findSystemProcesses(orchestratorPort: number, processes: readonly ServiceProcess[] = listServiceProcesses()): {
  pids: Partial<Record<SystemService, number>>;
  missing: SystemService[];
} {
  const pids: Partial<Record<SystemService, number>> = {};
  const byServiceAndPort = (service: string, port: number | undefined) =>
    processes.find((p) => p.service === service && p.port === port);
  const orchestrator = byServiceAndPort('orchestrator', orchestratorPort);
  if (orchestrator) {
    pids.orchestrator = orchestrator.pid;
    for (const [service, { env, defaultPort }] of Object.entries(DOWNSTREAM)) {
      const address = orchestrator.env[env];
      const port = address !== undefined ? portOf(address) : defaultPort;
      const found = byServiceAndPort(service, port);
      if (found) pids[service as SystemService] = found.pid;
    }
  }
  return { pids, missing: SYSTEM_SERVICES.filter((s) => pids[s] === undefined) };
}

/** CPU milliseconds per request of each process over a load window, net of what it burns when idle. */
export interface CpuPerRequest {
  /** CPU ms the process used during the load window, per completed request. */
  rawMs: number;
  /** CPU ms per second the process used in the idle window (its background work). */
  idleMsPerSecond: number;
  /** `rawMs` minus the idle rate over the load window's length, per request; never below 0. */
  netMs: number;
}

/**
 * Per-process CPU per request: `raw = cpu(load) / requests`, `net = max(0, cpu(load) − idleRate × loadSeconds) / requests`
 * where `idleRate = cpu(idle) / idleSeconds`. CPU values are seconds (from {@link cpuSnapshot}); processes missing from
 * any snapshot are left out.
 */
export function cpuPerRequest(
  idle: { before: Record<string, number | undefined>; after: Record<string, number | undefined>; seconds: number },
  load: { before: Record<string, number | undefined>; after: Record<string, number | undefined>; seconds: number },
  requests: number,
): Record<string, CpuPerRequest> {
  const out: Record<string, CpuPerRequest> = {};
  for (const name of Object.keys(load.before)) {
    const [i0, i1, l0, l1] = [idle.before[name], idle.after[name], load.before[name], load.after[name]];
    if (i0 === undefined || i1 === undefined || l0 === undefined || l1 === undefined || requests <= 0) continue;
    const idleRate = idle.seconds > 0 ? (i1 - i0) / idle.seconds : 0;
    const loadCpu = l1 - l0;
    out[name] = {
      rawMs: (loadCpu / requests) * 1000,
      idleMsPerSecond: idleRate * 1000,
      netMs: (Math.max(0, loadCpu - idleRate * load.seconds) / requests) * 1000,
    };
  }
  return out;
}
