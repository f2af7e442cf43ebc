// Sample ratio mismatch: a chi-square goodness-of-fit test of the users each arm received against the allocation.
import { RecsysError } from '@recsys/domain';
import { chiSquareSurvival } from './stats/distributions';
import { requireOpenUnit, requirePositive } from './validate';

/**
 * Default p-value below which a sample ratio mismatch blocks the analysis. Strict on purpose: the test runs on every
 * experiment, and a mismatch this unlikely is almost always a bug in assignment or logging, not chance.
 */
export const SRM_THRESHOLD = 0.001;

/** The outcome of {@link srmTest}. */
export interface SrmResult {
  /** Users observed per arm. */
  readonly observed: readonly number[];
  /** Users expected per arm: total × share. */
  readonly expected: readonly number[];
  /** Σ (observed − expected)² / expected. */
  readonly chiSquare: number;
  /** arms − 1. */
  readonly df: number;
  readonly pValue: number;
  /** The p-value below which {@link blocked} is true. */
  readonly threshold: number;
  /** True when pValue < threshold: the arms are not the sizes the allocation promised; do not trust the comparison. */
  readonly blocked: boolean;
}

/**
 * Pearson's chi-square goodness-of-fit test of `observed` users per arm against `expectedShares` (weights, any
 * positive scale: [1, 1] and [0.5, 0.5] are the same 50/50 split), with arms − 1 degrees of freedom; blocked when
 * p < `threshold`. The chi-square approximation wants every expected count ≥ 5; below that the p-value is rough.
 * Example: 4,800 against 5,200 users on a 50/50 split gives χ² = 16, p = 6.3e-5: blocked.
 */
export function srmTest(observed: readonly number[], expectedShares: readonly number[], threshold = SRM_THRESHOLD): SrmResult {
  requireOpenUnit('srmThreshold', threshold);
  if (observed.length < 2) throw RecsysError.badRequest('observed', `needs at least 2 arms, got ${observed.length}`);
  if (expectedShares.length !== observed.length) {
    throw RecsysError.badRequest('expectedShares', `needs one share per arm (${observed.length}), got ${expectedShares.length}`);
  }
  observed.forEach((count, i) => {
    if (!Number.isInteger(count) || count < 0) throw RecsysError.badRequest(`observed[${i}]`, `must be a count of users, got ${count}`);
  });
  expectedShares.forEach((share, i) => requirePositive(`expectedShares[${i}]`, share));
  const total = observed.reduce((a, b) => a + b, 0);
  if (total === 0) throw RecsysError.badRequest('observed', 'no users in any arm');
  const shareSum = expectedShares.reduce((a, b) => a + b, 0);
  const expected = expectedShares.map((share) => (total * share) / shareSum);
  let chiSquare = 0;
  for (let i = 0; i < observed.length; i++) chiSquare += (observed[i] - expected[i]) ** 2 / expected[i];
  const df = observed.length - 1;
  const pValue = chiSquareSurvival(chiSquare, df);
  return { observed: [...observed], expected, chiSquare, df, pValue, threshold, blocked: pValue < threshold };
}
