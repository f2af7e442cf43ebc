/** Total size of the files a load will read (for byte progress). */
import { existsSync, statSync } from 'node:fs';

/** Sum of the sizes of the files that exist, in bytes. */
export function totalBytes(files: readonly string[]): number {
  let total = 0;
  for (const f of files) if (existsSync(f)) total += statSync(f).size;
  return total;
}
