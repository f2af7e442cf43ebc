// Public surface of @recsys/algorithms: pure, deterministic algorithms with no I/O.

export { createRng, mulberry32 } from './random/rng';
export type { Rng } from './random/rng';
export { hashString, hash53, mix32 } from './random/hash';
export { LogisticRegression, trainLogisticRegression, predictLogistic, sigmoid } from './linear/logistic-regression';
export type { FeatureRow, LogisticModel, LogisticTrainOptions } from './linear/logistic-regression';
export { aucScore } from './metrics/auc';
export { logLoss } from './metrics/log-loss';
export { DecayedCounter, decayFactor, decayedValue, addDecayed } from './popularity/decayed-counter';
export { TimeDecayedPopularity } from './popularity/time-decayed';
export type { ScoredKey, TimeDecayedPopularityOptions } from './popularity/time-decayed';
export { slidingWindowDiversity } from './diversity/sliding-window';
export type { DiversityCandidate, SlidingWindowOptions, SlidingWindowResult } from './diversity/sliding-window';
export { masonryLayout } from './layout/masonry';
export type { MasonryItem, MasonryPlacement, MasonryLayout } from './layout/masonry';
export { bucketOf } from './experiments/bucketing';
export * from './linear/multitask-model';
export * from './matrix/interaction-matrix';
export { topK, rankAmong, firstRelevantRank, compareRanked, sortedContains } from './metrics/top-k';
export { hitRateAtK, precisionAtK, recallAtK, ndcgAtK, reciprocalRank, averagePrecisionAtK, countHits } from './metrics/ranking';
export { userAuc, aucOfScoreSets } from './metrics/user-auc';
export { exposureCounts, catalogCoverage, novelty, giniCoefficient } from './metrics/catalog';
