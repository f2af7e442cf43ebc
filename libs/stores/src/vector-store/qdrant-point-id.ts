// Qdrant point ids: our string ids mapped to deterministic name-based UUIDs (RFC 9562 version 5, SHA-1).
import { createHash } from 'node:crypto';

/** The namespace of recsys point ids (a fixed random UUID; changing it would orphan every stored point). */
export const POINT_ID_NAMESPACE = '6f1c2b0e-5d0a-4c59-9a43-7a1a4c3f2e10';

/**
 * The version-5 UUID of `name` in `namespace`: SHA-1 over the namespace's 16 bytes followed by the UTF-8 name, the
 * first 16 bytes kept, version nibble 5, variant bits 10. Lower-case, hyphenated (the form Qdrant returns).
 * Qdrant accepts only unsigned integers and UUIDs as point ids, so every adapter call maps ids through this.
 */
export function uuidV5(name: string, namespace: string = POINT_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`namespace must be a UUID, got ${JSON.stringify(namespace)}`);
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The Qdrant point id of one of our ids. */
export function qdrantPointId(id: string): string {
  return uuidV5(id);
}
