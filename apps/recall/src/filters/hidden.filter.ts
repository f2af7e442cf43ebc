// Filter `filter/hidden`: removes items the user hid.
import type { Filter } from '@recsys/pipeline';
import type { RecallIndex } from '../state/recall-index';
import type { RecallCandidate, RecallQuery } from '../types';

/** Dependencies of {@link hiddenFilter}. */
export interface HiddenFilterDeps {
  index: RecallIndex;
}

/** Removes candidates the user hid (a `hide` event; the index keeps the last 1000 per user). O(candidates). */
export function hiddenFilter(deps: HiddenFilterDeps): Filter<RecallQuery, RecallCandidate> {
  return {
    id: 'filter/hidden',
    filter: (query, candidates) => {
      const hidden = deps.index.hidden(query.userId);
      const kept: RecallCandidate[] = [];
      const removed: RecallCandidate[] = [];
      for (const c of candidates) (hidden.has(c.id) ? removed : kept).push(c);
      return { kept, removed };
    },
  };
}
