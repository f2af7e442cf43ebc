// Leave-last-out: each user's latest interaction(s) by timestamp go to test.
import { type InteractionMatrix } from '@recsys/algorithms';
import { splitByMask, type Split } from './split';

/** Options of {@link leaveLastOutSplit}. */
export interface LeaveLastOutOptions {
  /** How many of each user's latest interactions go to test (default 1). */
  count?: number;
}

/**
 * Puts each user's `count` latest interactions (by timestamp) in test and the rest in train. Users with at most
 * `count` interactions stay entirely in train. Equal timestamps are ordered by item index, the higher index
 * counting as later, so the split is deterministic. O(nnz) for count 1, O(nnz log n) otherwise.
 */
export function leaveLastOutSplit(m: InteractionMatrix, opts: LeaveLastOutOptions = {}): Split {
  const count = opts.count ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const isTest = new Uint8Array(m.indptr[m.nUsers]);
  for (let u = 0; u < m.nUsers; u++) {
    const start = m.indptr[u];
    const end = m.indptr[u + 1];
    if (end - start <= count) continue;
    if (count === 1) {
      // Entries are in ascending item order, so ">=" keeps the higher item index on equal timestamps.
      let last = start;
      for (let e = start + 1; e < end; e++) if (m.timestamps[e] >= m.timestamps[last]) last = e;
      isTest[last] = 1;
    } else {
      const order = Array.from({ length: end - start }, (_, j) => start + j);
      order.sort((a, b) => m.timestamps[b] - m.timestamps[a] || b - a);
      for (let j = 0; j < count; j++) isTest[order[j]] = 1;
    }
  }
  return splitByMask(
    m,
    isTest,
    'leave-last-out',
    `each user's latest ${count === 1 ? 'interaction' : `${count} interactions`} by timestamp to test, users with ≤ ${count} interactions all-train`,
  );
}
