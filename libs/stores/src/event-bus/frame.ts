// The on-disk frame of the file-log event bus: encode one message, decode or diagnose the frame at a byte position.
import { crc32 } from '../internal/crc32';
import type { OutgoingMessage } from '../ports';

/**
 * Frame layout (all integers big-endian):
 * ```
 * u8  magic/version   0xE1 (format version 1)
 * u32 body length     bytes after this 9-byte header
 * u32 crc32           CRC-32 (IEEE) of the body
 * body:
 *   u32 key length, key (UTF-8)
 *   u32 headers length, headers (UTF-8 JSON object of string values)
 *   f64 timestamp      ms since the Unix epoch
 *   payload            the rest of the body
 * ```
 */
export const FRAME_MAGIC = 0xe1;
/** Bytes before the body: magic, length, crc. */
export const FRAME_HEADER_BYTES = 9;
/** Largest body accepted by the writer and believed by readers; a larger length means a damaged header. */
export const MAX_FRAME_BODY_BYTES = 64 * 1024 * 1024;

/** The fields stored in a frame. */
export interface DecodedFrame {
  key: string;
  headers: Record<string, string>;
  timestampMs: number;
  value: Uint8Array;
}

/** What is at a byte position of a buffer holding part of a log. */
export type FrameRead =
  /** A whole, intact frame of `length` bytes (header included). */
  | { kind: 'frame'; frame: DecodedFrame; length: number }
  /** Not enough bytes yet: the frame needs `needed` bytes from its start (9 when even the header is cut). */
  | { kind: 'incomplete'; needed: number }
  /** A complete frame of `length` bytes whose crc or body does not check out. */
  | { kind: 'damaged'; length: number; reason: string }
  /** The header itself is wrong (magic or length), so the frame's extent is unknown. */
  | { kind: 'bad-header'; reason: string };

/**
 * Encodes one message as a frame. Throws a RangeError when the body would exceed {@link MAX_FRAME_BODY_BYTES}.
 */
export function encodeFrame(message: OutgoingMessage, timestampMs: number): Buffer {
  const key = Buffer.from(message.key, 'utf8');
  const headers = Buffer.from(JSON.stringify(message.headers ?? {}), 'utf8');
  const value = message.value;
  const bodyLength = 4 + key.length + 4 + headers.length + 8 + value.length;
  if (bodyLength > MAX_FRAME_BODY_BYTES) {
    throw new RangeError(`message of ${bodyLength} bytes exceeds the frame limit of ${MAX_FRAME_BODY_BYTES} bytes`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyLength);
  let at = FRAME_HEADER_BYTES;
  frame.writeUInt32BE(key.length, at);
  at += 4;
  at += key.copy(frame, at);
  frame.writeUInt32BE(headers.length, at);
  at += 4;
  at += headers.copy(frame, at);
  frame.writeDoubleBE(timestampMs, at);
  at += 8;
  frame.set(value, at);
  frame.writeUInt8(FRAME_MAGIC, 0);
  frame.writeUInt32BE(bodyLength, 1);
  frame.writeUInt32BE(crc32(frame, 0, FRAME_HEADER_BYTES, frame.length), 5);
  return frame;
}

/** Reads only the header at `at`: the frame's total length, or why there is no usable header. */
export function frameExtent(buf: Buffer, at: number): FrameRead | { kind: 'extent'; length: number } {
  if (buf.length - at < FRAME_HEADER_BYTES) return { kind: 'incomplete', needed: FRAME_HEADER_BYTES };
  const magic = buf.readUInt8(at);
  if (magic !== FRAME_MAGIC) return { kind: 'bad-header', reason: `bad magic byte 0x${magic.toString(16)}` };
  const bodyLength = buf.readUInt32BE(at + 1);
  if (bodyLength < 16 || bodyLength > MAX_FRAME_BODY_BYTES) {
    return { kind: 'bad-header', reason: `implausible frame length ${bodyLength}` };
  }
  return { kind: 'extent', length: FRAME_HEADER_BYTES + bodyLength };
}

/** Bytes of `{}`, the headers of most frames: decoded without JSON.parse. */
const EMPTY_HEADERS_0 = 0x7b;
const EMPTY_HEADERS_1 = 0x7d;

/**
 * Decodes the frame starting at `at` in `buf`. The returned value is a copy, independent of `buf`, unless `view` is
 * true: then it is a view of `buf` (no allocation; the caller copies, e.g. once per batch).
 */
export function readFrame(buf: Buffer, at: number, view = false): FrameRead {
  const extent = frameExtent(buf, at);
  if (extent.kind !== 'extent') return extent;
  const length = extent.length;
  if (buf.length - at < length) return { kind: 'incomplete', needed: length };
  const end = at + length;
  const expected = buf.readUInt32BE(at + 5);
  const actual = crc32(buf, 0, at + FRAME_HEADER_BYTES, end);
  if (expected !== actual) {
    return { kind: 'damaged', length, reason: `crc mismatch (stored 0x${expected.toString(16)}, computed 0x${actual.toString(16)})` };
  }
  try {
    let p = at + FRAME_HEADER_BYTES;
    const keyLength = buf.readUInt32BE(p);
    p += 4;
    if (p + keyLength > end) throw new RangeError('key overruns the frame');
    const key = buf.toString('utf8', p, p + keyLength);
    p += keyLength;
    const headersLength = buf.readUInt32BE(p);
    p += 4;
    if (p + headersLength + 8 > end) throw new RangeError('headers overrun the frame');
    const headers =
      headersLength === 2 && buf[p] === EMPTY_HEADERS_0 && buf[p + 1] === EMPTY_HEADERS_1
        ? {}
        : (JSON.parse(buf.toString('utf8', p, p + headersLength)) as Record<string, string>);
    p += headersLength;
    const timestampMs = buf.readDoubleBE(p);
    p += 8;
    const value = view ? buf.subarray(p, end) : new Uint8Array(buf.subarray(p, end));
    return { kind: 'frame', length, frame: { key, headers, timestampMs, value } };
  } catch (error) {
    return { kind: 'damaged', length, reason: `malformed body: ${error instanceof Error ? error.message : String(error)}` };
  }
}
