// Public surface of @recsys/evaluation: splits, offline recommenders, protocols, the harness and its reports.

export { splitByMask, sameIdSpace } from './splits/split';
export type { Split } from './splits/split';
export { randomHoldoutSplit } from './splits/random-holdout';
export type { RandomHoldoutOptions } from './splits/random-holdout';
export { leaveLastOutSplit } from './splits/leave-last-out';
export type { LeaveLastOutOptions } from './splits/leave-last-out';
export { timeCutSplit } from './splits/time-cut';
export type { TimeCutOptions } from './splits/time-cut';
export { splitFromFiles } from './splits/from-files';
export { alignSplit } from './splits/align';
export type { SplitFromFilesOptions } from './splits/from-files';
export { STREAM, userSeed } from './random-streams';

export { itemCounts } from './recommenders/recommender';
export type { Recommender, RecommenderParams, RecommenderResources, ParamValue, SideInfo } from './recommenders/recommender';
export { RandomRecommender } from './recommenders/random';
export { PopularityRecommender } from './recommenders/popularity';
export type { PopularityWeighting } from './recommenders/popularity';
export { SegmentPopularityRecommender, SEGMENT_POPULARITY_DEFAULTS } from './recommenders/segment-popularity';
export type { SegmentPopularityOptions } from './recommenders/segment-popularity';
export { createRecommender, parseModelSpec, RECOMMENDERS, RECOMMENDER_ALIASES } from './recommenders/registry';
export type { RecommenderEntry } from './recommenders/registry';

export { FullRankingRun } from './protocols/full-ranking';
export { SampledRun, DEFAULT_NEGATIVES } from './protocols/sampled';
export { PooledAuc, POOLED_AUC_MAX_NEGATIVES } from './protocols/pooled-auc';
export type { ProtocolRun, UserCase } from './protocols/protocol';
export { evaluate, PROTOCOL_DESCRIPTIONS } from './evaluate';
export type { EvalOptions, EvalReport, ProtocolName } from './evaluate';
export { formatReport, formatComparison } from './report/format';
export { AlsRecommender, ALS_MODEL_DEFAULTS, alsOptionsOf } from './models/als';
export type { AlsRecommenderOptions, AlsParams, MfValues } from './models/als';
export { SvdRecommender, SVD_MODEL_DEFAULTS, svdOptionsOf } from './models/svd';
export type { SvdRecommenderOptions, SvdParams, RatingPredictor } from './models/svd';
export { PureSvdRecommender, PURESVD_MODEL_DEFAULTS, pureSvdOptionsOf } from './models/puresvd';
export type { PureSvdRecommenderOptions, PureSvdParams } from './models/puresvd';
export { evaluateRmse, formatRmseReport } from './models/svd-rmse';
export type { RmseReport } from './models/svd-rmse';
export { ItemCFRecommender, ITEMCF_DEFAULTS, neighborhoodOptionsOf, popularityFallback } from './models/itemcf';
export type { NeighborhoodOptions, NeighborhoodParams, CFValues } from './models/itemcf';
export { UserCFRecommender, USERCF_DEFAULTS } from './models/usercf';
export { GraphRecommender, GRAPH_DEFAULTS, graphOptionsOf } from './models/graph';
export type { GraphOptions } from './models/graph';
export { CHART_PALETTE, lineChartPng } from './report/png-chart';
export type { ChartSeries, LineChart, Rgb } from './report/png-chart';
export { CO_ENGAGEMENT_MIN_USERS, datasetStatistics, TOP_TOPIC_MIN_POSITIVES } from './dataset-stats';
export type { CountSummary, DatasetStatistics, DatasetStatisticsInput } from './dataset-stats';
