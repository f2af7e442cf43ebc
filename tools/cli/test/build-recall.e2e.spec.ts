/**
 * `recsys build-recall` as a user runs it: the bundled CLI (tools/build/build.mjs), whose ALS worker threads run the
 * als-worker.js bundled next to it. The factors published with --threads 2 are the ones of --threads 1.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
jest.setTimeout(120_000);

describe('recsys build-recall (bundled CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recsys-build-recall-e2e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'tools/build/build.mjs'), 'tools/cli'], { cwd: ROOT, stdio: 'ignore' });
    const lines = ['user,item,weight'];
    for (let u = 0; u < 300; u++) for (let i = 0; i < 120; i++) if ((u * 13 + i * 7) % 11 < 2) lines.push(`u${u},i${i},${1 + ((u + i) % 4)}`);
    writeFileSync(join(dir, 'data.csv'), `${lines.join('\n')}\n`);
  });

  /** Runs the bundle; returns its output and the published ALS factor files. */
  function build(threads: number): { output: string; files: Record<string, Buffer> } {
    const out = join(dir, `models-${threads}`);
    const output = execFileSync(
      process.execPath,
      [join(ROOT, 'dist/tools/cli/main.js'), 'build-recall', '--data', join(dir, 'data.csv'), '--format', 'interactions-csv', '--out', out, '--factors', '9', '--iterations', '5', '--threads', String(threads)],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const als = join(out, 'recall', 'als');
    const [version] = readdirSync(als);
    const files: Record<string, Buffer> = {};
    for (const f of readdirSync(join(als, version))) if (f.endsWith('.f32')) files[f] = readFileSync(join(als, version, f));
    return { output, files };
  }

  it('trains ALS on worker threads to the same factor bytes as on one thread', () => {
    const two = build(2);
    const one = build(1);
    expect(two.output).toMatch(/published recall\/als v\d{14}-\d{4} \([\d.]+ MB, built in [\d.]+ s on 2 threads\)/);
    expect(one.output).toMatch(/built in [\d.]+ s on 1 thread\)/);
    expect(Object.keys(two.files).sort()).toEqual(['item-factors.f32', 'user-factors.f32']);
    expect(two.files).toEqual(one.files);
  });
});
