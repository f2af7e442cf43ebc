// Public surface of @recsys/experiments: the statistics of A/B experiments, design and analysis.

export { normalCdf, normalPdf, normalQuantile, studentTCdf, studentTPdf, studentTQuantile, chiSquareCdf, chiSquareSurvival } from './stats/distributions';
export { logGamma, logBeta, regularizedGammaP, regularizedGammaQ, regularizedBeta } from './stats/special';

export { DESIGN_DEFAULTS, sampleSize, powerAt, minimumDetectableEffect, experimentDuration, planExperiment } from './design';
export type { MetricDesign, EffectSize, ProportionVariance, DesignOptions, ArmSizes, SampleSize, MdeOptions, TrafficOptions, Duration, PlanOptions, ExperimentPlan } from './design';
export { momentsOf, meanOf, covarianceOf } from './moments';
export type { Moments } from './moments';

export { analyzeExperiment, summarizeArm, summarizeRatioArm } from './analysis';
export type { MetricKind, ValueArm, RatioArm, AnalyzeInput, ArmSummary, CupedReport, VerdictBasis, Verdict, ExperimentReport } from './analysis';
export { welchTTest, twoProportionZTest, deltaMethodZTest, relativeLift } from './comparison';
export type { Interval, Estimate, TestMethod, TestResult, Comparison } from './comparison';
export { cupedAdjust } from './cuped';
export type { CupedArm, CupedAdjustment } from './cuped';
export { SRM_THRESHOLD, srmTest } from './srm';
export type { SrmResult } from './srm';
export { MsprtMonitor, mixtureSprt, msprtLogLikelihoodRatio } from './msprt';
export type { SequentialLook, MsprtOptions, MsprtResult, MonitorLook } from './msprt';

export { CALIBRATION_DEFAULTS, runCalibration, simulateAaTests, simulateSrm, simulatePower, simulateSequential } from './calibration';
export type {
  SyntheticMetric,
  RateEstimate,
  AaOptions,
  AaResult,
  SrmSimulationOptions,
  PowerSimulationOptions,
  PowerResult,
  SequentialSimulationOptions,
  SequentialResult,
  CalibrationOptions,
  CalibrationReport,
} from './calibration';

export { planTable, reportTable } from './tables';
export type { TextTable } from './tables';
export { formatNumber, formatP, formatPercent } from './format';

export { ENGAGEMENT_METRICS, addToTally, analyzeEngagement, emptyTally, engagementMetric } from './engagement-metrics';
export type { EngagementAnalysisOptions, EngagementMetric, EngagementMetricName, EngagementTally, TallyArm, TallyEventType } from './engagement-metrics';

export { ARM_PARAM_NAMES, HOLDOUT_ARM, armShare, assignArms, isHeldOut, layerBucket } from './layers';
export type { Arm, ArmParams, Assignment, ExperimentConfig, Holdout, Layer } from './layers';
export { noExperiments, parseExperimentConfig, readExperimentConfig, watchExperimentConfig } from './config-file';
export type { ExperimentSource, VersionedConfig } from './config-file';
