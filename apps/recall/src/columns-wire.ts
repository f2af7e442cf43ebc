// RecallColumnsResponse to protobuf bytes in one pass into one buffer (the answer's item ids dominate its encoding).
import { Degradation, type RecallColumnsResponse } from '@recsys/contracts';

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[at++] = n;
  return at;
}

/** Writes field `tag` holding string `s` at `at`; returns the position after it. ASCII strings are copied by a loop. */
function writeString(buf: Buffer, at: number, tag: number, s: string): number {
  buf[at++] = tag;
  const n = s.length;
  if (n < 0x80) {
    // ASCII (the usual id): one length byte, then one byte per character.
    let p = at + 1;
    for (let k = 0; k < n; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x80) {
        p = -1;
        break;
      }
      buf[p++] = c;
    }
    if (p >= 0) {
      buf[at] = n;
      return p;
    }
  }
  const bytes = Buffer.byteLength(s, 'utf8');
  at = writeVarint(buf, at, bytes);
  return at + buf.write(s, at, 'utf8');
}

function writeBytes(buf: Buffer, at: number, tag: number, b: Uint8Array): number {
  if (b.length === 0) return at;
  buf[at++] = tag;
  at = writeVarint(buf, at, b.length);
  buf.set(b, at);
  return at + b.length;
}

/**
 * The protobuf encoding of a RecallColumnsResponse, byte for byte what the generated `RecallColumnsResponse.encode`
 * writes (fields in number order, empty bytes fields omitted), in one pass into one Buffer sized for the worst case
 * (3 UTF-8 bytes per UTF-16 unit) and returned as a view of the bytes written. The generated writer queues two
 * operations per item id, measures and writes each string separately, and the gRPC serializer copies its result
 * once more.
 */
export function encodeRecallColumnsResponse(m: RecallColumnsResponse): Buffer {
  let bound = 0;
  for (const s of m.itemIds) bound += 6 + 3 * s.length;
  for (const s of m.channelNames) bound += 6 + 3 * s.length;
  for (const b of [m.recallScores, m.hitEnds, m.hitChannels, m.hitScores]) bound += 6 + b.length;
  const degraded = m.degraded.map((d) => Degradation.encode(d).finish());
  for (const d of degraded) bound += 6 + d.length;
  const buf = Buffer.allocUnsafe(bound);
  let at = 0;
  const ids = m.itemIds;
  for (let i = 0; i < ids.length; i++) {
    // writeString's ASCII path, inlined: this loop is the bulk of the encoding.
    const s = ids[i];
    const n = s.length;
    let p = n < 0x80 ? at + 2 : -1;
    for (let k = 0; k < n && p >= 0; k++) {
      const c = s.charCodeAt(k);
      if (c < 0x80) buf[p++] = c;
      else p = -1;
    }
    if (p >= 0) {
      buf[at] = 0x0a;
      buf[at + 1] = n;
      at = p;
    } else {
      at = writeString(buf, at, 0x0a, s);
    }
  }
  at = writeBytes(buf, at, 0x12, m.recallScores);
  for (const name of m.channelNames) at = writeString(buf, at, 0x1a, name);
  at = writeBytes(buf, at, 0x22, m.hitEnds);
  at = writeBytes(buf, at, 0x2a, m.hitChannels);
  at = writeBytes(buf, at, 0x32, m.hitScores);
  for (const d of degraded) at = writeBytes(buf, at, 0x3a, d);
  return buf.subarray(0, at);
}
