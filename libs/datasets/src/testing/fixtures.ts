/** Test helpers: tiny dataset files written into a fresh temporary folder (tests never read real datasets). */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { InteractionMatrix } from '@recsys/algorithms';

/** A temporary folder and a writer of files into it. */
export interface Fixture {
  dir: string;
  /** Writes `text` to `dir/name` (Latin-1 when asked) and returns the path. */
  write(name: string, text: string, encoding?: 'utf8' | 'latin1'): string;
  /** Removes the folder. */
  remove(): void;
}

/** Creates an empty temporary folder. */
export function fixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'recsys-datasets-'));
  return {
    dir,
    write(name, text, encoding = 'utf8') {
      const file = join(dir, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, Buffer.from(text, encoding));
      return file;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The matrix's entries as `user item value time` strings, in row order (to compare with expected values). */
export function entries(m: InteractionMatrix): string[] {
  const out: string[] = [];
  for (let u = 0; u < m.nUsers; u++) {
    for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) {
      out.push(`${m.userIds[u]} ${m.itemIds[m.indices[k]]} ${m.values[k]} ${m.timestamps[k]}`);
    }
  }
  return out;
}

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
export async function thrown(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}
