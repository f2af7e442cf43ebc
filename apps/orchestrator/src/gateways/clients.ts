/** Typed gRPC clients of the four downstream services, with their deadlines and retry policy. */
import {
  FeatureServiceClient,
  RankingServiceClient,
  RecallServiceClient,
  RerankingServiceClient,
} from '@recsys/contracts';
import { createClient, type PromiseClient } from '@recsys/grpc';
import type { OrchestratorConfig } from '../config';

/** The downstream clients. */
export interface Downstreams {
  recall: PromiseClient<RecallServiceClient>;
  feature: PromiseClient<FeatureServiceClient>;
  ranking: PromiseClient<RankingServiceClient>;
  reranking: PromiseClient<RerankingServiceClient>;
}

/** Creates the clients. Every downstream call is a read without side effects, so all may be retried. */
export function createDownstreams(config: OrchestratorConfig): Downstreams {
  return {
    recall: createClient(RecallServiceClient, config.RECALL_ADDR, { timeoutMs: config.RECALL_TIMEOUT_MS, idempotent: ['recall'] }),
    feature: createClient(FeatureServiceClient, config.FEATURE_ADDR, {
      timeoutMs: config.FEATURE_TIMEOUT_MS,
      idempotent: ['getUserFeatures', 'getItemFeatures'],
    }),
    ranking: createClient(RankingServiceClient, config.RANKING_ADDR, { timeoutMs: config.RANKING_TIMEOUT_MS, idempotent: ['preRank', 'rank'] }),
    reranking: createClient(RerankingServiceClient, config.RERANKING_ADDR, { timeoutMs: config.RERANKING_TIMEOUT_MS, idempotent: ['rerank'] }),
  };
}

/** Closes every client's channel. */
export function closeDownstreams(d: Downstreams): void {
  d.recall.close();
  d.feature.close();
  d.ranking.close();
  d.reranking.close();
}
