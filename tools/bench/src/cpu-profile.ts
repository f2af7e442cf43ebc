/** Reads a V8 `.cpuprofile` (node --cpu-prof) and ranks functions by self time, to name a process's hot spots. */

/** One node of a V8 CPU profile's call tree. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** One function's share of the samples. */
export interface HotSpot {
  /** `name (file:line)`; `(garbage collector)`, `(program)` and `(idle)` are V8's own. */
  where: string;
  /** Share of all samples in which this function was on top of the stack, 0..1. */
  selfShare: number;
  /** Self time, ms (samples × the mean sampling interval). */
  selfMs: number;
}

/** Shortens a script url to the part a reader recognises (from `node_modules/<pkg>` or the workspace folder on). */
function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const match = /\/(apps|libs|tools|dist)\/.*$/.exec(url);
  if (match) return match[0].slice(1);
  return url;
}

/** Share of the profile's samples in which the thread was not idle (busy running JavaScript, GC or native code), 0..1. */
export function busyShare(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  const samples = profile.samples ?? [];
  if (samples.length === 0) return 0;
  return samples.filter((id) => !idle.has(id)).length / samples.length;
}

/**
 * The `top` functions with the most self time (samples on top of the stack), functions of the same name, file and
 * line merged; idle time is left out of the shares.
 */
export function hotSpots(profile: CpuProfile, top = 15): HotSpot[] {
  const byNode = new Map<number, number>();
  if (profile.samples && profile.samples.length > 0) {
    for (const id of profile.samples) byNode.set(id, (byNode.get(id) ?? 0) + 1);
  } else {
    for (const node of profile.nodes) byNode.set(node.id, node.hitCount ?? 0);
  }
  const bySpot = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = byNode.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (hits === 0 || functionName === '(idle)') continue;
    const where = url === '' ? functionName || '(anonymous)' : `${functionName || '(anonymous)'} (${shortUrl(url)}:${lineNumber + 1})`;
    bySpot.set(where, (bySpot.get(where) ?? 0) + hits);
    total += hits;
  }
  const sampleCount = [...byNode.values()].reduce((a, b) => a + b, 0);
  const intervalMs = sampleCount > 0 ? (profile.endTime - profile.startTime) / 1000 / sampleCount : 0;
  return [...bySpot.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, hits]) => ({ where, selfShare: total > 0 ? hits / total : 0, selfMs: hits * intervalMs }));
}
