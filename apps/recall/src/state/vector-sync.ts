// Helpers for writing derived vectors into a vector store without stalling requests.

/** Points per upsert call: small enough that one synchronous HNSW insert batch stays a few milliseconds. */
export const UPSERT_BATCH = 256;

/** Lets pending I/O (gRPC requests) run between two batches of synchronous index work. */
export function yieldToRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** `v` scaled to unit length as a Float32Array, or undefined when a component is not finite or all are 0. */
export function normalised(v: readonly number[] | Float32Array): Float32Array | undefined {
  let sq = 0;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) return undefined;
    sq += v[i] * v[i];
  }
  if (!(sq > 0)) return undefined;
  const norm = Math.sqrt(sq);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / norm;
  return out;
}

/** True when `a` and `b` have the same length and agree within 1e-6 per component (float32 round-off). */
export function sameVector(a: Float32Array | undefined, b: Float32Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-6) return false;
  return true;
}
