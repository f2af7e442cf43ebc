/**
 * Final page: keeps the re-ranked page as it is; when re-ranking degraded, applies the business rules itself
 * (never unsafe, never seen), orders by the best available score and lays the page out on the grid.
 */
import { masonryLayout } from '@recsys/algorithms';
import type { Selector } from '@recsys/pipeline';
import { bestScore, type PinCandidate, type RecommendQuery } from '../query';
import { seenItemIds } from './seen';

/** Grid columns of the fallback layout. */
const FALLBACK_COLUMNS = 2;

/** The page selector. */
export const pageSelector: Selector<RecommendQuery, PinCandidate> = {
  id: 'page',
  select: (q, candidates) => finalPage(q, candidates),
};

/**
 * The page rules as a pure, idempotent function: a re-ranked page is cut to the page size; anything else is
 * filtered (unsafe, seen), ordered by the best score and laid out. Also applied after the pipeline when its
 * deadline skipped the page selector, and by the served log, so both always see the page the client got.
 */
export function finalPage(q: RecommendQuery, candidates: readonly PinCandidate[]): PinCandidate[] {
  if (candidates.length > 0 && candidates.every((c) => c.column !== undefined)) return candidates.slice(0, q.pageSize);
  const seen = seenItemIds(q);
  const page = candidates
    .filter((c) => !c.unsafe && !seen.has(c.id))
    .sort((a, b) => bestScore(b) - bestScore(a))
    .slice(0, q.pageSize);
  const layout = masonryLayout(page.map((c) => ({ id: c.id, aspectRatio: c.aspectRatio || 1 })), FALLBACK_COLUMNS);
  return page.map((c, i) => ({ ...c, column: layout.placements[i].column }));
}
