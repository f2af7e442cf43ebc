// Public surface of @recsys/experiments: the statistics of A/B experiments, design and analysis.

export { normalCdf, normalPdf, normalQuantile, studentTCdf, studentTPdf, studentTQuantile, chiSquareCdf, chiSquareSurvival } from './stats/distributions';
export { logGamma, logBeta, regularizedGammaP, regularizedGammaQ, regularizedBeta } from './stats/special';
