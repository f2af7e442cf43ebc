// Public surface of @recsys/algorithms: pure, deterministic algorithms with no I/O (ALS can also run on worker threads).

export { createRng, mulberry32 } from './random/rng';
export type { Rng } from './random/rng';
export { hashString, hash53, mix32 } from './random/hash';
export { RecentIdSet } from './random/recent-ids';
export { LogisticRegression, trainLogisticRegression, predictLogistic, sigmoid } from './linear/logistic-regression';
export type { FeatureRow, LogisticModel, LogisticTrainOptions } from './linear/logistic-regression';
export { aucScore } from './metrics/auc';
export { logLoss } from './metrics/log-loss';
export { DecayedCounter, decayFactor, decayedValue, addDecayed } from './popularity/decayed-counter';
export { TimeDecayedPopularity } from './popularity/time-decayed';
export { IndexedHeap, HeapCursor } from './popularity/indexed-heap';
export { DecayedScoreHeap, DecayedScoreCursor } from './popularity/decayed-score-heap';
export type { DecayedScoreHeapOptions, TopKeys } from './popularity/decayed-score-heap';
export type { ScoredKey, TimeDecayedPopularityOptions } from './popularity/time-decayed';
export { slidingWindowDiversity } from './diversity/sliding-window';
export type { DiversityCandidate, SlidingWindowOptions, SlidingWindowResult } from './diversity/sliding-window';
export { masonryLayout } from './layout/masonry';
export type { MasonryItem, MasonryPlacement, MasonryLayout } from './layout/masonry';
export { bucketOf } from './experiments/bucketing';
export * from './linear/multitask-model';
export * from './linear/fusion';
export { paretoFront } from './metrics/pareto';
export * from './matrix/interaction-matrix';
export { topK, rankAmong, firstRelevantRank, compareRanked, sortedContains } from './metrics/top-k';
export { hitRateAtK, precisionAtK, recallAtK, ndcgAtK, reciprocalRank, averagePrecisionAtK, countHits } from './metrics/ranking';
export { userAuc, aucOfScoreSets } from './metrics/user-auc';
export { exposureCounts, catalogCoverage, novelty, giniCoefficient } from './metrics/catalog';
export { trainAls, alsLoss, recalculateUser, scoreAllItems, ALS_DEFAULTS } from './mf/als';
export type { AlsModel, AlsOptions } from './mf/als';
export { AlsWorkerPool, ALS_WORKER_FILE } from './mf/als-workers';
export type { AlsWorkerScript } from './mf/als-workers';
export { csrOf, transposeCsr, binarizeCsr } from './mf/csr';
export type { CsrRows } from './mf/csr';
export { gramMatrix, gramChunk, reduceGramChunks, GRAM_CHUNK_ROWS, choleskyFactor, choleskySolve, jacobiEigen, tridiagonalEigen, orthonormalizeColumns } from './mf/linalg';
export type { SymmetricEigen } from './mf/linalg';
export {
  cosineSimilarity,
  pearsonSimilarity,
  jaccardSimilarity,
  sparseSimilarity,
  inverseFrequencyWeights,
  shrink,
  checkSimilarityKind,
  SIMILARITY_KINDS,
} from './similarity/sparse-similarity';
export type { SparseVector, SimilarityKind, SimilarityOptions } from './similarity/sparse-similarity';
export { buildItemNeighbors, buildUserNeighbors, buildRowNeighbors, neighborsOf } from './cf/neighbors';
export type { NeighborTable, NeighborOptions } from './cf/neighbors';
export { scoreItemCF, scoreUserCF, accumulateItemCF, accumulateUserCF } from './cf/scoring';
export { SparseScores } from './cf/sparse-scores';
export type { CFScoreOptions, UserCFScoreOptions } from './cf/scoring';
export { TopCandidates } from './cf/top-candidates';
export { BipartiteGraph } from './graph/bipartite-graph';
export type { GraphAdjacency } from './graph/bipartite-graph';
export { PixieWalker, pixieWalk, allocateSteps, PIXIE_DEFAULTS } from './graph/pixie-walk';
export type { PixieQuery, PixieWalkOptions, PixieTopOptions, PixieWalkStats, PixieResult } from './graph/pixie-walk';
export { trainBiasedMf, predictRating, rmse, BIASED_MF_DEFAULTS } from './mf/biased-mf';
export type { BiasedMfModel, BiasedMfOptions } from './mf/biased-mf';
export { randomizedSvd, trainPureSvd, pureSvdScores } from './mf/pure-svd';
export type { RandomizedSvdOptions, TruncatedSvd, PureSvdOptions, PureSvdModel } from './mf/pure-svd';
export {
  RECALL_MODELS,
  RECALL_MODEL_KINDS,
  RECALL_ARTIFACT_FORMAT,
  RECALL_MANIFEST_FILE,
  RECALL_BUILD_DEFAULTS,
  buildRecallArtifacts,
  buildRecallArtifactsOnWorkers,
  nextRecallVersion,
  encodeRecallArtifact,
  decodeRecallArtifact,
} from './artifacts/recall-artifacts';
export type {
  RecallModelKind,
  RecallArtifactInfo,
  ItemCFArtifact,
  UserCFArtifact,
  AlsArtifact,
  RecallArtifact,
  RecallArtifacts,
  RecallBuildOptions,
  RecallBuildProgress,
} from './artifacts/recall-artifacts';
