// The embedded ModelStore: versioned model artifacts in a local directory, published by atomic directory rename.
import { randomBytes } from 'node:crypto';
import { promises as fs, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { RecsysError, errorMessage } from '@recsys/domain';
import type { ModelStore, ModelVersion } from '../ports';

/** Options of {@link LocalModelStore}. */
export interface LocalModelStoreOptions {
  /** Receives failures inside `watch` (a poll that failed, a callback that threw). Default: `process.emitWarning`. */
  onWarning?: (message: string) => void;
}

/** Name of the manifest written last into each version directory; its presence marks a published version. */
const MANIFEST = '.manifest.json';
/** Default poll interval of `watch`, ms. */
const DEFAULT_WATCH_MS = 2_000;

const NAME = /^[a-z0-9_-]+(\/[a-z0-9_-]+)*$/;
const VERSION = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const FILE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** What `.manifest.json` holds. */
interface Manifest {
  name: string;
  version: string;
  files: string[];
  publishedAtMs: number;
}

function assertName(name: string): void {
  if (typeof name !== 'string' || name.length > 200 || !NAME.test(name)) {
    throw RecsysError.badRequest('name', `must be segments of a-z, 0-9, '_' or '-' separated by '/', got ${JSON.stringify(name)}`);
  }
}

function assertVersion(version: string): void {
  if (typeof version !== 'string' || version.length > 128 || !VERSION.test(version)) {
    throw RecsysError.badRequest('version', `must be 1-128 letters, digits, '.', '_' or '-', not starting with '.' or '-', got ${JSON.stringify(version)}`);
  }
}

function assertFile(field: string, file: string): void {
  if (typeof file !== 'string' || file.length > 200 || !FILE.test(file)) {
    throw RecsysError.badRequest(field, `must be 1-200 letters, digits, '.', '_' or '-', not starting with '.' or '-', got ${JSON.stringify(file)}`);
  }
}

/** Version directory names, newest first (plain code-unit order, as versions promise to sort). */
function candidates(dirNames: string[]): string[] {
  return dirNames.filter((n) => VERSION.test(n)).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
}

function parseManifest(text: string, file: string): Manifest {
  try {
    const manifest = JSON.parse(text) as Manifest;
    if (!Array.isArray(manifest.files) || typeof manifest.version !== 'string') throw new Error('missing fields');
    return manifest;
  } catch (error) {
    throw new RecsysError('internal', `model manifest ${file} is corrupt: ${errorMessage(error)}`);
  }
}

/**
 * The embedded {@link ModelStore}. Layout: `<root>/<name>/<version>/<file>` plus `<version>/.manifest.json`
 * (written last, listing the files). `publish` writes everything into a hidden temporary directory beside the
 * versions, fsyncs it, then renames it to `<version>`, so readers see all of a version or none of it. A model
 * name may contain `/` (`ranking/logistic`); only directories with a manifest count as versions, so a nested
 * model never looks like a version of its parent. Versions must be published in increasing code-unit order.
 */
export class LocalModelStore implements ModelStore {
  private readonly warn: (message: string) => void;

  constructor(
    /** Root directory of all models. */
    readonly rootDir: string,
    options: LocalModelStoreOptions = {},
  ) {
    this.warn = options.onWarning ?? ((message) => process.emitWarning(message, 'ModelStoreWarning'));
  }

  /** The greatest published version of `name`, or undefined. O(versions) directory entries. */
  async latest(name: string): Promise<ModelVersion | undefined> {
    assertName(name);
    const dir = this.modelDir(name);
    let names: string[];
    try {
      names = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    for (const version of candidates(names)) {
      const file = path.join(dir, version, MANIFEST);
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      return { name, version, files: parseManifest(text, file).files };
    }
    return undefined;
  }

  /** Reads one file of a version; rejects with `not-found` when the version or file does not exist. */
  async read(name: string, version: string, file: string): Promise<Uint8Array> {
    assertName(name);
    assertVersion(version);
    assertFile('file', file);
    try {
      return new Uint8Array(await fs.readFile(path.join(this.modelDir(name), version, file)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new RecsysError('not-found', `model ${name} version ${version} has no file ${file}`);
      }
      throw error;
    }
  }

  /**
   * Publishes a version atomically. Rejects with `bad-request` for invalid names, no files, or a version that does
   * not sort after the latest one (it would never become `latest`), including one already published.
   */
  async publish(name: string, version: string, files: Record<string, Uint8Array>): Promise<ModelVersion> {
    assertName(name);
    assertVersion(version);
    const fileNames = Object.keys(files).sort();
    if (fileNames.length === 0) throw RecsysError.badRequest('files', 'must contain at least one file');
    for (const file of fileNames) {
      assertFile(`files.${file}`, file);
      if (!(files[file] instanceof Uint8Array)) throw RecsysError.badRequest(`files.${file}`, 'must be a Uint8Array');
    }
    const current = await this.latest(name);
    if (current !== undefined && !(version > current.version)) {
      throw RecsysError.badRequest(
        'version',
        version === current.version
          ? `${name} version ${version} is already published`
          : `must sort after the latest version ${current.version} of ${name}, got ${version}`,
      );
    }
    const dir = this.modelDir(name);
    await fs.mkdir(dir, { recursive: true });
    const tmp = path.join(dir, `.tmp-${version}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(tmp);
    try {
      for (const file of fileNames) await writeSynced(path.join(tmp, file), files[file]);
      const manifest: Manifest = { name, version, files: fileNames, publishedAtMs: Date.now() };
      await writeSynced(path.join(tmp, MANIFEST), Buffer.from(JSON.stringify(manifest, null, 2)));
      await syncDir(tmp);
      try {
        await fs.rename(tmp, path.join(dir, version));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOTEMPTY') throw RecsysError.badRequest('version', `${name} version ${version} is already published`);
        throw error;
      }
    } catch (error) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw error;
    }
    await syncDir(dir);
    return { name, version, files: fileNames };
  }

  /**
   * Polls every `pollMs` (default 2,000) and calls `onVersion` for each newly seen version greater than `since`
   * (default: the latest version at the time of the call, read synchronously, so a publish after `watch` returns
   * is always reported). Pass the version you loaded as `since` to close the gap between `latest()` and `watch()`.
   * Returns a stop function. The timer does not keep the process alive.
   */
  watch(name: string, onVersion: (version: ModelVersion) => void, pollMs = DEFAULT_WATCH_MS, since?: string): () => void {
    assertName(name);
    if (!(pollMs > 0)) throw RecsysError.badRequest('pollMs', 'must be a positive number of milliseconds');
    let seen = since ?? this.latestVersionSync(name);
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const poll = async (): Promise<void> => {
      try {
        const latest = await this.latest(name);
        if (!stopped && latest !== undefined && (seen === undefined || latest.version > seen)) {
          seen = latest.version;
          try {
            onVersion(latest);
          } catch (error) {
            this.warn(`model store: watcher of ${name} threw on version ${latest.version}: ${errorMessage(error)}`);
          }
        }
      } catch (error) {
        this.warn(`model store: polling ${name} failed: ${errorMessage(error)}`);
      }
      if (!stopped) timer = setTimeout(() => void poll(), pollMs).unref();
    };
    timer = setTimeout(() => void poll(), pollMs).unref();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }

  private modelDir(name: string): string {
    return path.join(this.rootDir, ...name.split('/'));
  }

  private latestVersionSync(name: string): string | undefined {
    const dir = this.modelDir(name);
    let names: string[];
    try {
      names = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    for (const version of candidates(names)) {
      try {
        readFileSync(path.join(dir, version, MANIFEST));
        return version;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    return undefined;
  }
}

async function writeSynced(file: string, bytes: Uint8Array): Promise<void> {
  const handle = await fs.open(file, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Best-effort directory fsync (makes renames durable where the platform supports it). */
async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Not supported on every platform; the rename is atomic regardless.
  }
}
