/** The items a user must not be shown again: their recent interactions and this session's items. */
import type { RecommendQuery } from '../query';

/** Ids of items already seen or interacted with. */
export function seenItemIds(q: RecommendQuery): Set<string> {
  const seen = new Set(q.user?.recentItemIds ?? []);
  for (const id of q.context.recentItemIds) seen.add(id);
  if (q.context.contextItemId) seen.add(q.context.contextItemId);
  return seen;
}
