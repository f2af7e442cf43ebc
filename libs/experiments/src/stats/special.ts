// Special functions behind the distributions: log-gamma and the regularized incomplete gamma and beta functions.
import { RecsysError } from '@recsys/domain';

/** Relative accuracy the series and continued fractions iterate to. */
const EPS = 1e-15;
/** Stands in for zero in the modified Lentz algorithm, so no denominator is exactly 0. */
const FPMIN = 1e-300;
/**
 * Most terms a series or continued fraction may take. Both converge in O(√max(a, b)) terms, so this covers
 * shape parameters up to about 10^7 (a Student t with some 10^7 degrees of freedom).
 */
const MAX_TERMS = 20_000;

/** Lanczos coefficients for g = 7, n = 9 (relative error below 2e-15 for x > 0). */
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const LN_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0, by the Lanczos approximation (g = 7, n = 9); relative error about 1e-15. */
export function logGamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) throw RecsysError.badRequest('x', `logGamma needs a finite x > 0, got ${x}`);
  if (x < 0.5) {
    // Reflection: Γ(x)Γ(1 − x) = π / sin(πx); the series is accurate for arguments ≥ 0.5.
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + 7.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * The regularized lower incomplete gamma function P(a, x) = γ(a, x) / Γ(a), for a > 0 and x ≥ 0.
 * By its power series when x < a + 1, otherwise as 1 − Q(a, x) from the continued fraction
 * (Numerical Recipes §6.2). P(k/2, x/2) is the chi-square CDF with k degrees of freedom.
 */
export function regularizedGammaP(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 0;
  if (x === Infinity) return 1;
  return x < a + 1 ? gammaSeries(a, x) : 1 - gammaContinuedFraction(a, x);
}

/**
 * The regularized upper incomplete gamma function Q(a, x) = 1 − P(a, x), computed directly in the upper tail so
 * that small values keep their relative accuracy (no 1 − P cancellation).
 */
export function regularizedGammaQ(a: number, x: number): number {
  checkGammaArgs(a, x);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaContinuedFraction(a, x);
}

/**
 * The regularized incomplete beta function I_x(a, b) for a, b > 0 and 0 ≤ x ≤ 1, by the continued fraction of
 * Numerical Recipes §6.4 (evaluated at x or, by I_x(a, b) = 1 − I_{1−x}(b, a), at 1 − x, whichever converges).
 * `complement` is 1 − x; pass it when it can be computed without cancellation (x near 1, as in the t CDF with
 * many degrees of freedom), so the result keeps its relative accuracy there.
 */
export function regularizedBeta(x: number, a: number, b: number, complement = 1 - x): number {
  if (!(a > 0) || !Number.isFinite(a)) throw RecsysError.badRequest('a', `the incomplete beta function needs a finite a > 0, got ${a}`);
  if (!(b > 0) || !Number.isFinite(b)) throw RecsysError.badRequest('b', `the incomplete beta function needs a finite b > 0, got ${b}`);
  if (!(x >= 0 && x <= 1)) throw RecsysError.badRequest('x', `the incomplete beta function needs 0 ≤ x ≤ 1, got ${x}`);
  if (x === 0) return 0;
  if (x === 1) return 1;
  const logX = x > 0.5 ? Math.log1p(-complement) : Math.log(x);
  const log1mX = x > 0.5 ? Math.log(complement) : Math.log1p(-x);
  const front = Math.exp(a * logX + b * log1mX - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(complement, b, a)) / b;
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). When an argument is 10 or more, the large ln Γ terms are cancelled
 * algebraically (Stirling's formula plus its correction {@link stirlingCorrection}, as R's lbeta does), so the
 * result stays accurate to about 1e-15 relative even for a = 10^6, b = ½.
 */
export function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (p >= 10) {
    const corr = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q);
    return -0.5 * Math.log(q) + LN_SQRT_2PI + corr + (p - 0.5) * Math.log(p / (p + q)) + q * Math.log1p(-p / (p + q));
  }
  if (q >= 10) {
    const corr = stirlingCorrection(q) - stirlingCorrection(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

/**
 * ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π] for x ≥ 10: the Stirling series 1/(12x) − 1/(360x³) + … to the x^−13
 * term (the next is below 3e-17 at x = 10).
 */
function stirlingCorrection(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return r * (1 / 12 - r2 * (1 / 360 - r2 * (1 / 1260 - r2 * (1 / 1680 - r2 * (1 / 1188 - r2 * (691 / 360360 - r2 / 156))))));
}

function checkGammaArgs(a: number, x: number): void {
  if (!(a > 0) || !Number.isFinite(a)) throw RecsysError.badRequest('a', `the incomplete gamma function needs a finite a > 0, got ${a}`);
  if (!(x >= 0)) throw RecsysError.badRequest('x', `the incomplete gamma function needs x ≥ 0, got ${x}`);
}

/** P(a, x) by its series Σ x^n / (a (a+1) … (a+n)), times e^{−x} x^a / Γ(a). Converges fast for x < a + 1. */
function gammaSeries(a: number, x: number): number {
  let ap = a;
  let term = 1 / a;
  let sum = term;
  for (let n = 0; n < MAX_TERMS; n++) {
    ap += 1;
    term *= x / ap;
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
  }
  throw notConverged('incomplete gamma series', a, x);
}

/** Q(a, x) by its continued fraction (modified Lentz). Converges fast for x > a + 1. */
function gammaContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_TERMS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
  }
  throw notConverged('incomplete gamma continued fraction', a, x);
}

/** The continued fraction of I_x(a, b) (modified Lentz); converges fast for x < (a + 1) / (a + b + 2). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_TERMS; m++) {
    const m2 = 2 * m;
    // Even step of the recurrence.
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    // Odd step.
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  throw notConverged('incomplete beta continued fraction', a, x);
}

function notConverged(what: string, a: number, x: number): RecsysError {
  return new RecsysError('internal', `${what} did not converge in ${MAX_TERMS} terms (a = ${a}, x = ${x})`);
}
