// Greedy re-ranking under sliding-window limits on repeated topics and creators.

/** A candidate for {@link slidingWindowDiversity}. Extra fields are carried through untouched. */
export interface DiversityCandidate {
  id: string;
  topic: string;
  creator: string;
  /** Higher is better. */
  score: number;
}

/** Limits of {@link slidingWindowDiversity}. */
export interface SlidingWindowOptions {
  /** Window length in positions, ≥ 1: every run of `window` consecutive positions is checked. */
  window: number;
  /** Most items of one topic in any window, ≥ 1. */
  maxPerTopic: number;
  /** Most items of one creator in any window, ≥ 1. */
  maxPerCreator: number;
  /** Positions to fill, ≥ 0. */
  size: number;
}

/** Output of {@link slidingWindowDiversity}. */
export interface SlidingWindowResult<C> {
  /** The page, `min(size, candidates.length)` items, in display order. */
  selected: C[];
  /** Candidates left out because the page was full, best score first. */
  removed: C[];
  /**
   * Positions (0-based) at which no remaining candidate satisfied the limits, so the best remaining one
   * was placed anyway. Windows that contain none of these positions satisfy both limits.
   */
  relaxedPositions: number[];
}

/**
 * Fills positions one at a time: each position takes the highest-scoring remaining candidate whose topic
 * and creator appear fewer than `maxPerTopic` / `maxPerCreator` times in the previous `window − 1`
 * positions, so every window of `window` consecutive positions respects both limits. A candidate that
 * would break a limit is deferred to a later position, not dropped. When no remaining candidate fits,
 * the best remaining one is placed (graceful degradation) and the position is reported in
 * `relaxedPositions`. Candidates are ranked by score, descending; equal scores keep input order.
 *
 * Time O(N log N + size · N) in the worst case (each position scans the remaining candidates in score
 * order and stops at the first that fits, usually after a few); memory O(N + window).
 */
export function slidingWindowDiversity<C extends DiversityCandidate>(candidates: readonly C[], opts: SlidingWindowOptions): SlidingWindowResult<C> {
  const { window, maxPerTopic, maxPerCreator, size } = opts;
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  if (!Number.isInteger(maxPerTopic) || maxPerTopic < 1) throw new RangeError(`maxPerTopic must be a positive integer, got ${maxPerTopic}`);
  if (!Number.isInteger(maxPerCreator) || maxPerCreator < 1) throw new RangeError(`maxPerCreator must be a positive integer, got ${maxPerCreator}`);
  if (!Number.isInteger(size) || size < 0) throw new RangeError(`size must be a non-negative integer, got ${size}`);

  const ranked = candidates
    .map((candidate, index) => ({ candidate, index }))
    .sort((a, b) => b.candidate.score - a.candidate.score || a.index - b.index)
    .map((entry) => entry.candidate);

  // Remaining candidates as a singly linked list in score order, so removal is O(1).
  const nextOf = new Int32Array(ranked.length + 1); // index ranked.length is the head sentinel
  const HEAD = ranked.length;
  for (let i = 0; i < ranked.length; i++) nextOf[i] = i + 1 < ranked.length ? i + 1 : -1;
  nextOf[HEAD] = ranked.length > 0 ? 0 : -1;

  const topicCount = new Map<string, number>();
  const creatorCount = new Map<string, number>();
  const bump = (counts: Map<string, number>, key: string, by: number): void => {
    const next = (counts.get(key) ?? 0) + by;
    if (next === 0) counts.delete(key);
    else counts.set(key, next);
  };

  const selected: C[] = [];
  const relaxedPositions: number[] = [];
  const target = Math.min(size, ranked.length);
  while (selected.length < target) {
    const position = selected.length;
    // The window ending at `position` starts at position − window + 1: forget the item that slid out.
    const leaving = position - window;
    if (leaving >= 0) {
      bump(topicCount, selected[leaving].topic, -1);
      bump(creatorCount, selected[leaving].creator, -1);
    }
    let previous = HEAD;
    let chosenPrevious = -1;
    for (let i = nextOf[HEAD]; i !== -1; previous = i, i = nextOf[i]) {
      const c = ranked[i];
      if ((topicCount.get(c.topic) ?? 0) < maxPerTopic && (creatorCount.get(c.creator) ?? 0) < maxPerCreator) {
        chosenPrevious = previous;
        break;
      }
    }
    if (chosenPrevious === -1) {
      chosenPrevious = HEAD; // nothing fits: take the best remaining
      relaxedPositions.push(position);
    }
    const chosen = nextOf[chosenPrevious];
    nextOf[chosenPrevious] = nextOf[chosen];
    const item = ranked[chosen];
    selected.push(item);
    bump(topicCount, item.topic, 1);
    bump(creatorCount, item.creator, 1);
  }

  const removed: C[] = [];
  for (let i = nextOf[HEAD]; i !== -1; i = nextOf[i]) removed.push(ranked[i]);
  return { selected, removed, relaxedPositions };
}
