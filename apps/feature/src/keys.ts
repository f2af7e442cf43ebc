/**
 * Feature-store keys of the feature service: `u:<user>` user records, `i:<item>` item records, `c:<creator>` creator
 * records, `e:<event id>` applied-event markers and `wm:<topic>:<partition>` the last applied bus offset.
 */

/** The store key of a user's record. */
export const userKey = (userId: string): string => `u:${userId}`;

/** The store key of an item's record. */
export const itemKey = (itemId: string): string => `i:${itemId}`;

/** The store key of a creator's record. */
export const creatorKey = (creatorId: string): string => `c:${creatorId}`;

/** The store key marking an event id as applied. */
export const markerKey = (eventId: string): string => `e:${eventId}`;

/** The store key of the last offset of `topic`/`partition` applied to the records. */
export const watermarkKey = (topic: string, partition: number): string => `wm:${topic}:${partition}`;

/** Bytes of a watermark value (the offset as a little-endian float64). */
export function encodeWatermark(offset: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, offset, true);
  return bytes;
}

/** The offset of a watermark value; −1 when absent or not 8 bytes. */
export function decodeWatermark(bytes: Uint8Array | undefined): number {
  if (bytes === undefined || bytes.length !== 8) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getFloat64(0, true);
}

/** One byte: the value of an applied-event marker. */
export const MARKER_VALUE = new Uint8Array([1]);
