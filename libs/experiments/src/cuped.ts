// CUPED (Deng et al. 2013): a pre-period covariate regressed out of the metric, with one θ for both arms.
import { coDeviation, meanOf } from './moments';

/** One arm's per-user metric and the same users' pre-period covariate (parallel arrays). */
export interface CupedArm {
  readonly values: ArrayLike<number>;
  readonly covariate: ArrayLike<number>;
}

/** The CUPED-adjusted metric of both arms. */
export interface CupedAdjustment {
  /** θ = pooled within-arm cov(Y, X) / var(X); 0 when the covariate does not vary. */
  readonly theta: number;
  /** Mean of the covariate over both arms' users: the adjusted metric keeps each arm's mean comparable. */
  readonly covariateMean: number;
  /**
   * 1 − Σ_arms SS(Y_adj) / Σ_arms SS(Y), with SS the sum of squared deviations from the arm's mean: the share of
   * the within-arm variance removed. With this θ it equals the squared within-arm correlation of Y and X.
   */
  readonly varianceReduction: number;
  /** Y − θ(X − covariateMean) for each control user. */
  readonly control: Float64Array;
  /** The same for each treatment user. */
  readonly treatment: Float64Array;
}

/**
 * Adjusts the metric: Y_adj = Y − θ(X − X̄), with X̄ the covariate's mean over both arms and
 * θ = Σ_arms Σ_i (Y_i − Ȳ_arm)(X_i − X̄_arm) / Σ_arms Σ_i (X_i − X̄_arm)², the least-squares slope pooled within
 * arms (so a treatment effect on Y does not leak into θ). The difference of adjusted means is unbiased for the
 * treatment effect as long as X is measured before assignment (the treatment cannot move it); its variance is
 * (1 − ρ²) times the unadjusted one. Arrays must be parallel and non-empty (the caller checks). O(n).
 */
export function cupedAdjust(control: CupedArm, treatment: CupedArm): CupedAdjustment {
  const arms = [control, treatment].map((arm) => {
    const meanY = meanOf(arm.values);
    const meanX = meanOf(arm.covariate);
    return {
      sxy: coDeviation(arm.covariate, arm.values, meanX, meanY),
      sxx: coDeviation(arm.covariate, arm.covariate, meanX, meanX),
      syy: coDeviation(arm.values, arm.values, meanY, meanY),
    };
  });
  const sxx = arms[0].sxx + arms[1].sxx;
  const sxy = arms[0].sxy + arms[1].sxy;
  const syy = arms[0].syy + arms[1].syy;
  const theta = sxx > 0 ? sxy / sxx : 0;
  const n = control.covariate.length + treatment.covariate.length;
  const covariateMean = (meanOf(control.covariate) * control.covariate.length + meanOf(treatment.covariate) * treatment.covariate.length) / n;
  const adjust = (arm: CupedArm): Float64Array => {
    const out = new Float64Array(arm.values.length);
    for (let i = 0; i < out.length; i++) out[i] = arm.values[i] - theta * (arm.covariate[i] - covariateMean);
    return out;
  };
  const adjusted = [adjust(control), adjust(treatment)];
  let ssAdjusted = 0;
  for (const values of adjusted) {
    const m = meanOf(values);
    ssAdjusted += coDeviation(values, values, m, m);
  }
  return { theta, covariateMean, varianceReduction: syy > 0 ? 1 - ssAdjusted / syy : 0, control: adjusted[0], treatment: adjusted[1] };
}
