/** CPU time of processes from /proc (Linux), for benchmarks that report how many cores each process used. */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

/**
 * User + system CPU seconds used so far by process `pid` (its threads included, exited children not), or undefined
 * when it is gone or /proc is not available.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')': state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** CPU seconds of several named processes, read at one moment. */
export function cpuSnapshot(pids: Readonly<Record<string, number | undefined>>): Record<string, number | undefined> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? undefined : cpuSeconds(pid)]));
}

/** Cores used by each process between two snapshots `seconds` apart (CPU seconds / wall seconds). */
export function coresUsed(before: Record<string, number | undefined>, after: Record<string, number | undefined>, seconds: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, start] of Object.entries(before)) {
    const end = after[name];
    if (start !== undefined && end !== undefined) out[name] = (end - start) / seconds;
  }
  return out;
}
