/**
 * Ready means ready: `recsys start` (what `npm start` runs) says the system is running only once a Recommend is served
 * whole. The first Recommend after that line is not degraded, on a fresh start (demo loaded, models built) and on a
 * restart with the data of the first.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { FeatureServiceClient, OrchestratorServiceClient, Surface } from '@recsys/contracts';
import { createClient } from '@recsys/grpc';
import { freeDataDir } from '@recsys/testing';

const ROOT = resolve(__dirname, '..', '..', '..');
jest.setTimeout(300_000);

/** Whether a server could listen on `port` now. */
const bindable = (port: number) =>
  new Promise<boolean>((res) => {
    const server = createServer();
    server.once('error', () => res(false));
    server.listen(port, '127.0.0.1', () => server.close(() => res(true)));
  });

/**
 * The first of `count` consecutive ports free now, in 20,000–32,000: below Linux's ephemeral range, where the
 * parallel workers' outgoing connections take their ports (see `freeServicePort` of @recsys/testing).
 */
async function freePorts(count: number): Promise<number> {
  for (;;) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await bindable(p);
    if (free) return base;
  }
}

/**
 * `recsys start` on `dataDir` and `port` with a small demo world; resolves with its output once it says it is running
 * (or prints `until`).
 */
function start(dataDir: string, port: number, until = 'recsys is running.'): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn(
    process.execPath,
    [
      join(ROOT, 'dist/tools/cli/main.js'),
      'start',
      '--data-dir', dataDir,
      '--port', String(port),
      '--demo-pins', '1500',
      '--demo-users', '150',
      '--demo-events', '15000',
      '--demo-days', '14',
    ],
    { cwd: ROOT, env: { ...process.env, RECSYS_BACKEND: 'embedded' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((res, rej) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(until)) res({ child, output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => rej(new Error(`recsys start exited with ${code} before it was running:\n${output}`)));
  });
}

/** Stops `recsys start` as Ctrl-C does and waits for it to exit; resolves with its exit code. */
function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => {
    if (child.exitCode !== null) return res(child.exitCode);
    child.once('exit', (code) => res(code));
    child.kill('SIGINT');
  });
}

describe('recsys start: ready means ready', () => {
  const dataDir = freeDataDir('recsys-ready-');
  let running: ChildProcess | undefined;

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'tools/build/build.mjs')], { cwd: ROOT, stdio: 'ignore' });
  });

  afterAll(async () => {
    if (running) await stop(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /**
   * The first Recommend calls right after "running": a demo user's and an unknown user's, both whole — the demo user's
   * page from the recall models built on the first run, and the user's features hold the demo's events.
   */
  async function expectWholePages(port: number, output: string): Promise<void> {
    const demoUser = /npx recsys recommend --user (\S+)/.exec(output)?.[1];
    expect(demoUser).toMatch(/^user_/);
    const client = createClient(OrchestratorServiceClient, `127.0.0.1:${port}`, { timeoutMs: 10_000 });
    const feature = createClient(FeatureServiceClient, `127.0.0.1:${port + 2}`, { timeoutMs: 10_000 });
    try {
      const user = await feature.getUserFeatures({ userId: demoUser as string });
      expect(user.known).toBe(true);
      expect(user.features?.values.user_clicks).toBeGreaterThan(0);
      for (const userId of [demoUser as string, 'someone-new']) {
        const res = await client.recommend({
          userId,
          surface: Surface.SURFACE_HOME_FEED,
          context: { country: '', device: 'test', locale: '', recentItemIds: [], contextItemId: '' },
          pageSize: 25,
          experimentOverrides: {},
          debug: false,
        });
        expect(res.degraded).toEqual([]);
        expect(res.items).toHaveLength(25);
        if (userId === demoUser) expect(res.items.flatMap((i) => i.channels.map((c) => c.channel))).toEqual(expect.arrayContaining(['itemcf']));
      }
    } finally {
      client.close();
      feature.close();
    }
  }

  it('Ctrl-C during start-up stops the services already started: none is left holding its port', async () => {
    const port = await freePorts(5);
    const interruptedDir = freeDataDir('recsys-interrupted-');
    try {
      // On a first run the orchestrator serves while the demo loads through it; interrupt then.
      const { child } = await start(interruptedDir, port, 'orchestrator SERVING');
      expect(await stop(child)).toBe(130);
      for (let p = port; p < port + 5; p++) expect(await bindable(p)).toBe(true);
    } finally {
      rmSync(interruptedDir, { recursive: true, force: true });
    }
  });

  it('serves the first Recommend after "running" whole on a fresh start, then again after a restart on the same data', async () => {
    const port = await freePorts(5);
    const first = await start(dataDir, port);
    running = first.child;
    expect(first.output).toContain('Loading the demo world');
    expect(first.output).toContain('Published recall models');
    await expectWholePages(port, first.output);
    await stop(first.child);

    const second = await start(dataDir, port);
    running = second.child;
    expect(second.output).not.toContain('Loading the demo world');
    await expectWholePages(port, second.output);
  });
});
