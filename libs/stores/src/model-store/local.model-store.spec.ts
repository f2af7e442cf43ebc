import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { RecsysError } from '@recsys/domain';
import type { ModelVersion } from '../ports';
import { LocalModelStore } from './local.model-store';

const root = mkdtempSync(path.join(tmpdir(), 'recsys-model-store-'));
let dirCount = 0;
const freshStore = (): LocalModelStore => new LocalModelStore(path.join(root, `models-${++dirCount}`), { onWarning: () => undefined });

afterAll(() => rmSync(root, { recursive: true, force: true }));

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const asText = (v: Uint8Array): string => new TextDecoder().decode(v);
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

describe('LocalModelStore', () => {
  it('publishes a version that latest() reports and read() returns byte for byte', async () => {
    const store = freshStore();
    expect(await store.latest('ranking/logistic')).toBeUndefined();
    const published = await store.publish('ranking/logistic', 'v0001', { 'weights.json': bytes('{"w":[1,2]}'), 'model.onnx': new Uint8Array([0, 1, 255]) });
    expect(published).toEqual({ name: 'ranking/logistic', version: 'v0001', files: ['model.onnx', 'weights.json'] });
    expect(await store.latest('ranking/logistic')).toEqual(published);
    expect(asText(await store.read('ranking/logistic', 'v0001', 'weights.json'))).toBe('{"w":[1,2]}');
    expect(Array.from(await store.read('ranking/logistic', 'v0001', 'model.onnx'))).toEqual([0, 1, 255]);
    const onDisk = await fs.readdir(path.join(store.rootDir, 'ranking', 'logistic', 'v0001'));
    expect(onDisk.sort()).toEqual(['.manifest.json', 'model.onnx', 'weights.json']);
  });

  it('reports the greatest version as latest and keeps older versions readable', async () => {
    const store = freshStore();
    await store.publish('cf', '2024-01-01T00-00', { 'table.bin': bytes('old') });
    await store.publish('cf', '2024-02-01T00-00', { 'table.bin': bytes('new') });
    expect((await store.latest('cf'))?.version).toBe('2024-02-01T00-00');
    expect(asText(await store.read('cf', '2024-01-01T00-00', 'table.bin'))).toBe('old');
  });

  it('refuses a version that does not sort after the latest, including a republish', async () => {
    const store = freshStore();
    await store.publish('m', 'v2', { f: bytes('x') });
    await expect(store.publish('m', 'v2', { f: bytes('y') })).rejects.toThrow('m version v2 is already published');
    await expect(store.publish('m', 'v1', { f: bytes('y') })).rejects.toThrow('must sort after the latest version v2');
    expect(asText(await store.read('m', 'v2', 'f'))).toBe('x');
  });

  it('does not mistake a nested model for a version of its parent', async () => {
    const store = freshStore();
    await store.publish('ranking/zeta', 'v1', { a: bytes('nested') });
    expect(await store.latest('ranking')).toBeUndefined();
    await store.publish('ranking', 'v1', { b: bytes('parent') });
    expect(await store.latest('ranking')).toEqual({ name: 'ranking', version: 'v1', files: ['b'] });
    expect(await store.latest('ranking/zeta')).toEqual({ name: 'ranking/zeta', version: 'v1', files: ['a'] });
  });

  it('validates names, versions and file names so nothing escapes the root', async () => {
    const store = freshStore();
    for (const name of ['../x', 'A', 'a//b', '/a', 'a/', 'a/../b', 'a b', '']) {
      await expect(store.latest(name)).rejects.toThrow(/^name: /);
    }
    for (const version of ['..', '.hidden', 'a/b', '', '-x']) {
      await expect(store.publish('m', version, { f: bytes('x') })).rejects.toThrow(/^version: /);
    }
    await expect(store.publish('m', 'v1', { '.manifest.json': bytes('x') })).rejects.toThrow(/^files\.\.manifest\.json: /);
    await expect(store.publish('m', 'v1', { '../x': bytes('x') })).rejects.toThrow(/^files\.\.\.\/x: /);
    await expect(store.publish('m', 'v1', {})).rejects.toThrow(/^files: /);
    await expect(store.read('m', 'v1', '../../etc/passwd')).rejects.toThrow(/^file: /);
    expect(() => store.watch('../x', () => undefined)).toThrow(/^name: /);
  });

  it('read() of a missing version or file fails with a not-found error', async () => {
    const store = freshStore();
    await store.publish('m', 'v1', { f: bytes('x') });
    for (const [version, file] of [
      ['v1', 'g'],
      ['v9', 'f'],
    ]) {
      const error = await store.read('m', version, file).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecsysError);
      expect((error as RecsysError).category).toBe('not-found');
    }
  });

  it('publishes atomically: a concurrent reader never sees a partial version, and no temporary directory remains', async () => {
    const store = freshStore();
    const payload = (version: number, file: number): Uint8Array => new Uint8Array(64 * 1024).fill((version * 7 + file) % 256);
    let publishing = true;
    const problems: string[] = [];
    let observed = 0;
    const reader = (async () => {
      while (publishing) {
        const latest = await store.latest('big');
        if (latest !== undefined) {
          observed += 1;
          if (latest.files.length !== 12) problems.push(`${latest.version} lists ${latest.files.length} files`);
          const v = Number(latest.version.slice(1));
          for (const [i, file] of latest.files.entries()) {
            const data = await store.read('big', latest.version, file);
            if (data.length !== 64 * 1024 || data[0] !== (v * 7 + Number(file.slice(1, 3))) % 256) problems.push(`${latest.version}/${file} (${i}) wrong`);
          }
        }
        await delay(1);
      }
    })();
    for (let v = 1; v <= 6; v++) {
      const files: Record<string, Uint8Array> = {};
      for (let f = 0; f < 12; f++) files[`f${String(f).padStart(2, '0')}.bin`] = payload(v, f);
      await store.publish('big', `v${v}`, files);
    }
    publishing = false;
    await reader;
    expect(problems).toEqual([]);
    expect(observed).toBeGreaterThan(0);
    expect((await fs.readdir(path.join(store.rootDir, 'big'))).sort()).toEqual(['v1', 'v2', 'v3', 'v4', 'v5', 'v6']);
  });

  it('watch() reports each newer version once, not the one current at the call, and stops when asked', async () => {
    const store = freshStore();
    await store.publish('w', 'v1', { f: bytes('1') });
    const seen: ModelVersion[] = [];
    const stop = store.watch('w', (version) => seen.push(version), 20);
    await delay(80);
    expect(seen).toEqual([]);
    await store.publish('w', 'v2', { f: bytes('2') });
    await waitUntil(() => seen.length === 1, 'v2 to be reported');
    expect(seen[0]).toEqual({ name: 'w', version: 'v2', files: ['f'] });
    await delay(80);
    expect(seen).toHaveLength(1);
    stop();
    await store.publish('w', 'v3', { f: bytes('3') });
    await delay(100);
    expect(seen.map((v) => v.version)).toEqual(['v2']);
  });

  it('watch() with `since` reports a version published before the watch started', async () => {
    const store = freshStore();
    await store.publish('s', 'v1', { f: bytes('1') });
    await store.publish('s', 'v2', { f: bytes('2') });
    const seen: string[] = [];
    const stop = store.watch('s', (version) => seen.push(version.version), 20, 'v1');
    try {
      await waitUntil(() => seen.length === 1, 'v2 to be reported');
      expect(seen).toEqual(['v2']);
    } finally {
      stop();
    }
  });

  it('watch() of a model with no versions reports the first one published', async () => {
    const store = freshStore();
    const seen: string[] = [];
    const stop = store.watch('fresh', (version) => seen.push(version.version), 20);
    try {
      await store.publish('fresh', 'v1', { f: bytes('1') });
      await waitUntil(() => seen.length === 1, 'v1 to be reported');
      expect(seen).toEqual(['v1']);
    } finally {
      stop();
    }
  });
});
