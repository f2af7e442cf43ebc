// installShutdown in a real process: SIGTERM drains the in-flight call, runs onShutdown, and exits 0.
import { RankingServiceClient, RankRequest } from '@recsys/contracts';
import { build } from 'esbuild';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '../src/index';

const repoRoot = join(__dirname, '..', '..', '..');

describe('installShutdown', () => {
  let dir: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'grpc-shutdown-'));
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes the in-flight call, refuses new ones, runs onShutdown and exits 0', async () => {
    const bundle = join(dir, 'server.js');
    await build({
      absWorkingDir: repoRoot,
      entryPoints: [join(__dirname, 'fixtures', 'shutdown-server.ts')],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      packages: 'external',
      tsconfig: join(repoRoot, 'tsconfig.base.json'),
      logLevel: 'error',
    });
    // The bundle lives outside the repo: resolve its external packages from the repo's node_modules.
    const proc = spawn(process.execPath, [bundle], {
      env: { ...process.env, NODE_PATH: join(repoRoot, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const waitForLog = (msg: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const found = () => lines.find((l) => l.msg === msg);
        const onData = () => {
          const line = found();
          if (line) {
            proc.stdout?.off('data', onData);
            resolve(line);
          }
        };
        proc.stdout?.on('data', onData);
        proc.once('exit', () => (found() ? undefined : reject(new Error(`exited before "${msg}": ${stderr}`))));
        onData();
      });
    let pending = '';
    proc.stdout?.on('data', (c: Buffer) => {
      pending += c.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) if (part) lines.push(JSON.parse(part));
    });
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

    const listening = await waitForLog('fixture listening');
    const address = listening.address as string;
    const client = createClient(RankingServiceClient, address, { timeoutMs: 5000 });
    const slow = client.rank(RankRequest.fromPartial({}));
    await waitForLog('rank started');

    proc.kill('SIGTERM');
    await waitForLog('shutdown requested');
    const late = createClient(RankingServiceClient, address, { timeoutMs: 1000 });
    await expect(late.rank(RankRequest.fromPartial({}))).rejects.toMatchObject({ category: 'unavailable' });
    late.close();

    expect((await slow).modelVersion).toBe('finished during drain');
    client.close();
    expect(await exited).toBe(0);
    const order = lines.map((l) => l.msg).filter((m) => m !== 'rank started');
    expect(order).toEqual([
      'fixture listening',
      'shutdown requested',
      'fixture shutting down',
      'fixture stopped',
      'onShutdown ran',
      'shutdown complete',
    ]);
    expect(lines.find((l) => l.msg === 'fixture stopped')?.drained).toBe(true);
  }, 30_000);
});
