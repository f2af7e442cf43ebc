// Decoding store values for the read sources: a corrupt record is logged and served as missing (defaults).
import { errorMessage } from '@recsys/domain';
import type { Logger } from '@recsys/logger';
import { TOPICS } from '@recsys/stores';
import { decodeWatermark, watermarkKey } from '../keys';
import type { ReadPosition } from '../types';

/** The watermark keys read with every request: engagement partitions 0..partitions−1. */
export function watermarkKeys(partitions: number): string[] {
  return Array.from({ length: partitions }, (_, p) => watermarkKey(TOPICS.engagement, p));
}

/** The positions of the watermark values read for {@link watermarkKeys} (partitions never written are left out). */
export function positionsOf(values: readonly (Uint8Array | undefined)[]): ReadPosition[] {
  const positions: ReadPosition[] = [];
  values.forEach((bytes, partition) => {
    const offset = decodeWatermark(bytes);
    if (offset >= 0) positions.push({ topic: TOPICS.engagement, partition, offset });
  });
  return positions;
}

/** `decode(bytes)`, or undefined (logged) when the bytes are missing or corrupt. */
export function decodeOrWarn<T>(bytes: Uint8Array | undefined, decode: (b: Uint8Array) => T, logger: Logger, what: Record<string, string>): T | undefined {
  if (bytes === undefined) return undefined;
  try {
    return decode(bytes);
  } catch (error) {
    logger.warn('undecodable feature record, serving defaults', { ...what, error: errorMessage(error) });
    return undefined;
  }
}
