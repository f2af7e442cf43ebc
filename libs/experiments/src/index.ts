// Public surface of @recsys/experiments: the statistics of A/B experiments, design and analysis.

export { normalCdf, normalPdf, normalQuantile, studentTCdf, studentTPdf, studentTQuantile, chiSquareCdf, chiSquareSurvival } from './stats/distributions';
export { logGamma, logBeta, regularizedGammaP, regularizedGammaQ, regularizedBeta } from './stats/special';

export { DESIGN_DEFAULTS, sampleSize, powerAt, minimumDetectableEffect, experimentDuration, planExperiment } from './design';
export type { MetricDesign, EffectSize, ProportionVariance, DesignOptions, ArmSizes, SampleSize, MdeOptions, TrafficOptions, Duration, PlanOptions, ExperimentPlan } from './design';
export { momentsOf, meanOf, covarianceOf } from './moments';
export type { Moments } from './moments';
