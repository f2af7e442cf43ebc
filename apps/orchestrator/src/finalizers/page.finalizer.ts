/**
 * The page: the rules every page satisfies, applied last whatever happened before. A re-ranked page is cut to the page
 * size; when re-ranking degraded (or the deadline skipped it) the business rules are applied here (never unsafe, never
 * seen), candidates ordered by their best score and laid out on the grid.
 */
import { masonryLayout } from '@recsys/algorithms';
import type { Finalizer } from '@recsys/pipeline';
import { aspectRatioOf, bestScore, unsafeOf, type PinCandidate, type RecommendQuery } from '../query';
import { seenItemIds } from '../selectors/seen';

/** Grid columns of the fallback layout. */
const FALLBACK_COLUMNS = 2;

/**
 * The page rules as a pure function: a re-ranked page (every candidate has a column) is cut to the page size; anything
 * else is filtered (unsafe, seen), ordered by the best score and laid out.
 */
export function finalPage(q: RecommendQuery, candidates: readonly PinCandidate[]): PinCandidate[] {
  if (candidates.length > 0 && candidates.every((c) => c.column !== undefined)) return candidates.slice(0, q.pageSize);
  const seen = seenItemIds(q);
  const page = candidates
    .filter((c) => !unsafeOf(c) && !seen.has(c.id))
    .sort((a, b) => bestScore(b) - bestScore(a))
    .slice(0, q.pageSize);
  const layout = masonryLayout(page.map((c) => ({ id: c.id, aspectRatio: aspectRatioOf(c) })), FALLBACK_COLUMNS);
  return page.map((c, i) => ({ ...c, column: layout.placements[i].column }));
}

/** The page finalizer: the response and the served log both get its answer. */
export const pageFinalizer: Finalizer<RecommendQuery, PinCandidate> = {
  id: 'page',
  finalize: finalPage,
};
