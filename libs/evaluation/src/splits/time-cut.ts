// Global time cut: every interaction at or after one instant goes to test.
import { type InteractionMatrix } from '@recsys/algorithms';
import { splitByMask, type Split } from './split';

/** Options of {@link timeCutSplit}: a quantile of all timestamps, or an absolute instant. */
export type TimeCutOptions =
  /** Share of interactions (by time) that stays in train, in (0, 1): the cut is that quantile of all timestamps. */
  | { quantile: number }
  /** The cut in ms since the Unix epoch. */
  | { cutMs: number };

/**
 * Interactions with timestamp < cut go to train, those at or after it to test, for all users alike (the past
 * predicts the future). With `quantile` q the cut is the timestamp at position floor(q × nnz) of all timestamps
 * sorted, so about 1 − q of the interactions are in test (more when many share the cut's timestamp). Users whose
 * interactions all fall after the cut are in test with an empty training row (cold users), and are evaluated.
 * O(nnz log nnz) for a quantile (sorts a copy of the timestamps), O(nnz) for an absolute cut.
 */
export function timeCutSplit(m: InteractionMatrix, opts: TimeCutOptions): Split {
  const total = m.indptr[m.nUsers];
  let cut: number;
  let how: string;
  if ('quantile' in opts) {
    const q = opts.quantile;
    if (!(q > 0 && q < 1)) throw new RangeError(`quantile must be in (0, 1), got ${q}`);
    if (total === 0) throw new RangeError('cannot cut an empty matrix by a quantile');
    const sorted = m.timestamps.slice(0, total).sort();
    cut = sorted[Math.min(total - 1, Math.floor(q * total))];
    how = `the ${Math.round(q * 1000) / 10}% time quantile`;
  } else {
    cut = opts.cutMs;
    if (!Number.isFinite(cut)) throw new RangeError(`cutMs must be a finite number, got ${cut}`);
    how = 'an absolute cut';
  }
  const isTest = new Uint8Array(total);
  for (let e = 0; e < total; e++) if (m.timestamps[e] >= cut) isTest[e] = 1;
  return splitByMask(m, isTest, 'time-cut', `interactions at or after ${formatInstant(cut)} (${how}) to test, for all users`);
}

/** An instant as ISO 8601 when it is a representable date, else as ms. */
function formatInstant(ms: number): string {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : `${ms} ms`;
}
