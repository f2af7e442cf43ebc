// RecallColumnsResponse to protobuf bytes in one pass into one buffer (the answer's item ids dominate its encoding).
import { Degradation, type RecallColumnsResponse } from '@recsys/contracts';

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function writeVarint(buf: Buffer, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[at++] = n;
  return at;
}

/** UTF-8 byte length of `s`, and whether it is plain ASCII (then it is `s.length`). */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return -Buffer.byteLength(s, 'utf8');
  return s.length;
}

/**
 * The protobuf encoding of a RecallColumnsResponse, byte for byte what the generated `RecallColumnsResponse.encode`
 * writes (fields in number order, empty bytes fields omitted), computed in two passes over the message into one
 * Buffer: sizes, then bytes, ASCII ids copied by a loop. The generated writer queues two operations per item id and
 * copies the result once more in the gRPC serializer; for a 1,500-row answer this is several times cheaper.
 */
export function encodeRecallColumnsResponse(m: RecallColumnsResponse): Buffer {
  const strings = [...m.itemIds, ...m.channelNames];
  const lengths = new Int32Array(strings.length);
  let size = 0;
  for (let i = 0; i < strings.length; i++) {
    const n = utf8Length(strings[i]);
    lengths[i] = n;
    const bytes = Math.abs(n);
    size += 1 + varintSize(bytes) + bytes;
  }
  const bytesFields: [number, Uint8Array][] = [
    [0x12, m.recallScores],
    [0x22, m.hitEnds],
    [0x2a, m.hitChannels],
    [0x32, m.hitScores],
  ];
  for (const [, b] of bytesFields) if (b.length > 0) size += 1 + varintSize(b.length) + b.length;
  const degraded = m.degraded.map((d) => Degradation.encode(d).finish());
  for (const d of degraded) size += 1 + varintSize(d.length) + d.length;

  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  const writeString = (tag: number, s: string, n: number) => {
    buf[at++] = tag;
    if (n < 0) {
      at = writeVarint(buf, at, -n);
      at += buf.write(s, at, 'utf8');
      return;
    }
    at = writeVarint(buf, at, n);
    for (let k = 0; k < n; k++) buf[at++] = s.charCodeAt(k);
  };
  const writeBytes = (tag: number, b: Uint8Array) => {
    if (b.length === 0) return;
    buf[at++] = tag;
    at = writeVarint(buf, at, b.length);
    buf.set(b, at);
    at += b.length;
  };
  const ids = m.itemIds.length;
  for (let i = 0; i < ids; i++) writeString(0x0a, strings[i], lengths[i]);
  writeBytes(0x12, m.recallScores);
  for (let i = ids; i < strings.length; i++) writeString(0x1a, strings[i], lengths[i]);
  writeBytes(0x22, m.hitEnds);
  writeBytes(0x2a, m.hitChannels);
  writeBytes(0x32, m.hitScores);
  for (const d of degraded) writeBytes(0x3a, d);
  if (at !== size) throw new Error(`RecallColumnsResponse encoding wrote ${at} of ${size} bytes`);
  return buf;
}
