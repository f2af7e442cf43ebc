/** The reranking pipeline's query and candidate types (domain side; wire types stay in service.ts). */
import type { CandidateBase } from '@recsys/pipeline';

/** One Rerank call as the pipeline sees it. */
export interface RerankQuery {
  userId: string;
  /** Ranked candidates, best first (request order is the ranking). */
  candidates: readonly RerankItem[];
  /** Items on the page, 1..100. */
  pageSize: number;
  /** Items the user has already seen or interacted with. */
  seenItemIds: ReadonlySet<string>;
  /** Grid columns of the layout, 1..8 (the service default already applied). */
  columns: number;
}

/** A ranked candidate with the attributes re-ranking decides on. */
export interface RerankItem extends CandidateBase {
  /** The candidate's position in the request (0 = best ranked). */
  row: number;
  creatorId: string;
  topic: string;
  /** Image width / height, finite and > 0. */
  aspectRatio: number;
  unsafe: boolean;
  /** Ranking order as a score: higher is better (the request order, best first). */
  score: number;
  /** Grid column, 0-based; set by the layout selector. */
  column?: number;
}
