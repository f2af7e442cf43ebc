/** A simulated user's response to one impression, drawn from the engagement model, and its expectation. */
import type { EngagementScratch } from './engagement';
import type { SimRandom } from './random';

/** `Math`, looked up once: global lookups are slow inside vm contexts (jest), and these loops run there too. */
const math = Math;

/** Close-up dwell is log-normal around the model's mean (sigma 0.8), rounded and clamped to [0.5 s, 2 min]. */
export const DWELL_SIGMA = 0.8;
export const DWELL_MIN_MS = 500;
export const DWELL_MAX_MS = 120_000;

/** Response kinds. */
export const NO_RESPONSE = 0;
export const HIDE = 1;
export const CLICK = 2;

/** Scratch result of {@link sampleResponse}. */
export interface ResponseScratch {
  kind: number;
  save: boolean;
  share: boolean;
  dwellMs: number;
}

/** A zeroed response. */
export function emptyResponse(): ResponseScratch {
  return { kind: NO_RESPONSE, save: false, share: false, dwellMs: 0 };
}

/**
 * Draws the response to one impression: hide with P(hide), else click with P(click), else nothing; after a
 * click, a dwell time (log-normal, see {@link DWELL_SIGMA}), then save with P(save | click) and share with
 * P(share | click), independently. Uses 1 draw without a click, 5–6 with one.
 */
export function sampleResponse(rng: SimRandom, e: EngagementScratch, out: ResponseScratch): void {
  const draw = rng.next();
  out.save = false;
  out.share = false;
  out.dwellMs = 0;
  if (draw < e.hide) {
    out.kind = HIDE;
  } else if (draw < e.hide + e.click) {
    out.kind = CLICK;
    out.dwellMs = sampleDwell(rng, e.dwellMeanMs);
    out.save = rng.next() < e.saveGivenClick;
    out.share = rng.next() < e.shareGivenClick;
  } else {
    out.kind = NO_RESPONSE;
  }
}

/** A close-up dwell in ms: exp(mu + sigma z) with mu = ln(mean) − sigma²/2 (so its mean is `meanMs`), rounded and clamped. */
export function sampleDwell(rng: SimRandom, meanMs: number): number {
  const value = meanMs * math.exp(DWELL_SIGMA * rng.normal() - (DWELL_SIGMA * DWELL_SIGMA) / 2);
  return math.min(DWELL_MAX_MS, math.max(DWELL_MIN_MS, math.round(value)));
}

/**
 * The mean of {@link sampleDwell} (rounding aside): for X log-normal with mean m and a = min, b = max,
 * E[clamp(X, a, b)] = a·Φ(α) + b·(1 − Φ(β)) + m·(Φ(β − σ) − Φ(α − σ)), α = (ln a − μ)/σ, β = (ln b − μ)/σ.
 */
export function expectedDwellMs(meanMs: number): number {
  const s = DWELL_SIGMA;
  const mu = math.log(meanMs) - (s * s) / 2;
  const alpha = (math.log(DWELL_MIN_MS) - mu) / s;
  const beta = (math.log(DWELL_MAX_MS) - mu) / s;
  return DWELL_MIN_MS * normalCdf(alpha) + DWELL_MAX_MS * (1 - normalCdf(beta)) + meanMs * (normalCdf(beta - s) - normalCdf(alpha - s));
}

/** Standard normal CDF through erfc (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
function normalCdf(x: number): number {
  return 0.5 * erfc(-x / math.SQRT2);
}

function erfc(x: number): number {
  const z = math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
