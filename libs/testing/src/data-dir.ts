// Fresh temporary directories for tests that need real files (event logs, snapshots, models).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Creates a new empty directory `<os tmp>/<prefix>-XXXXXX` and returns its absolute path. The caller removes it. */
export function freeDataDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `${prefix.replace(/[^A-Za-z0-9._-]/g, '_')}-`));
}
