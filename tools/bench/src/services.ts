/**
 * Starts some of the services from their bundles in dist/ for a benchmark, with the environment it chooses, and
 * stops them (SIGTERM, so `--cpu-prof` profiles are written). The CLI's launcher is part of an application project
 * and cannot be imported here; `recsys start` is the way to run all five.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, makeGenericClientConstructor, type Client } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';

const HealthClient = makeGenericClientConstructor(healthService, 'Health');

/** True when the grpc.health.v1 endpoint at `address` says SERVING. */
function serving(address: string): Promise<boolean> {
  const client = new HealthClient(address, credentials.createInsecure()) as unknown as Client & {
    check(req: { service: string }, opts: { deadline: number }, cb: (err: Error | null, res?: { status: string | number }) => void): void;
  };
  return new Promise((resolve) => {
    client.check({ service: '' }, { deadline: Date.now() + 500 }, (err, res) => {
      client.close();
      resolve(!err && (res?.status === 'SERVING' || res?.status === 1));
    });
  });
}

/** One service to start: its folder under apps/, its port and its whole environment (added to this process's). */
export interface BenchServiceSpec {
  name: string;
  port: number;
  env: Record<string, string>;
}

/** Started services. */
export interface BenchServices {
  /** `127.0.0.1:<port>` by service name. */
  addresses: Record<string, string>;
  /** Process id by service name. */
  pids: Record<string, number>;
  /** SIGTERM to every service, SIGKILL after `graceMs`; resolves when all exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns `node [nodeArgs] --require dist/libs/telemetry/register.js dist/apps/<name>/main.js` for each spec in order (stdout and stderr to
 * `<logDir>/<name>.log`) and waits until each has logged that it listens and reports SERVING; on failure (the
 * process exits, e.g. because its port is taken, or the timeout passes) stops what started and rejects.
 */
export async function startServices(opts: { root: string; specs: readonly BenchServiceSpec[]; logDir: string; nodeArgs?: readonly string[]; readyTimeoutMs?: number }): Promise<BenchServices> {
  mkdirSync(opts.logDir, { recursive: true });
  const children = new Map<string, ChildProcess>();
  const addresses: Record<string, string> = {};
  const stop = async (graceMs = 15_000) => {
    await Promise.all(
      [...children.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    for (const spec of opts.specs) {
      const main = join(opts.root, 'dist/apps', spec.name, 'main.js');
      if (!existsSync(main)) throw new Error(`${main} is not built (node tools/build/build.mjs apps/${spec.name})`);
      const log = createWriteStream(join(opts.logDir, `${spec.name}.log`), { flags: 'a' });
      // As `recsys start` runs them: tracing registered before the app (exporter chosen by OTEL_TRACES_EXPORTER).
      const register = join(opts.root, 'dist/libs/telemetry/register.js');
      const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--enable-source-maps', '--require', register, main], {
        cwd: opts.root,
        env: { ...process.env, ...spec.env, GRPC_PORT: String(spec.port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      // SERVING on the port is not enough: another process may hold it. The service's own "<name> listening" log
      // line says this child bound it.
      // (The service must log at level info or lower.)
      let listening = false;
      let tail = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        if (listening) return;
        tail = (tail + chunk.toString()).slice(-4096);
        listening = tail.includes(`"${spec.name} listening"`);
      });
      child.on('exit', () => log.end());
      children.set(spec.name, child);
      addresses[spec.name] = `127.0.0.1:${spec.port}`;
      const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
      while (!listening || !(await serving(addresses[spec.name]))) {
        if (child.exitCode !== null) throw new Error(`${spec.name} exited with code ${child.exitCode}; see ${join(opts.logDir, `${spec.name}.log`)}`);
        if (Date.now() > deadline) throw new Error(`${spec.name} did not report SERVING in time; see ${join(opts.logDir, `${spec.name}.log`)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    await stop(2_000);
    throw error;
  }
  const pids = Object.fromEntries([...children].map(([name, child]) => [name, child.pid ?? -1]));
  return { addresses, pids, stop };
}
