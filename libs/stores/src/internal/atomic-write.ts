// Atomic file replacement shared by the embedded adapters.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/**
 * Writes `parts` to a temporary file beside `file` and renames it over `file`, so readers see the old or the new
 * content, never a mix. With `durable` (default) the data is fsynced before the rename and the directory after it.
 */
export async function writeFileAtomic(file: string, parts: Buffer | string | Buffer[], durable = true): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      if (Array.isArray(parts)) await handle.writev(parts);
      else await handle.writeFile(parts);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
  if (!durable) return;
  try {
    const dir = await fs.open(path.dirname(file), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // Directory fsync is not supported everywhere; the rename itself is still atomic.
  }
}
