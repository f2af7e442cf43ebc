// Popularity per demographic segment (e.g. age × gender), falling back to global popularity for small segments.
import { type InteractionMatrix } from '@recsys/algorithms';
import { type PopularityWeighting } from './popularity';
import { assertFitted, itemCounts, type Recommender, type SideInfo } from './recommender';

/** Options of {@link SegmentPopularityRecommender}. */
export interface SegmentPopularityOptions {
  /** Demographic attributes whose values form a segment (default `['ageBucket', 'gender']`, keys of @recsys/datasets). */
  attributes?: readonly string[];
  /**
   * Smallest segment, in users with at least one training interaction, that gets its own ranking (default 50).
   * A smaller segment's counts are too noisy to beat the global ranking, so its users get the global one; so do
   * users without demographics or missing one of the attributes.
   */
  minSegmentUsers?: number;
  /** How interactions are counted (see {@link PopularityRecommender}); default `binary`. */
  weighting?: PopularityWeighting;
}

/** Defaults of {@link SegmentPopularityOptions}. */
export const SEGMENT_POPULARITY_DEFAULTS = Object.freeze({
  attributes: Object.freeze(['ageBucket', 'gender']),
  minSegmentUsers: 50,
  weighting: 'binary' as PopularityWeighting,
});

/**
 * Ranks items by their popularity among the user's segment: the users sharing the values of `attributes`
 * (raw values compared as strings: exact ages would make one segment per year, hence the bucketed default).
 * Within a segment, equal counts are ordered by global popularity, then by lower item index. Scores are the
 * items' positions counted from the bottom (exact integers), so a segment's ranking costs 4 bytes per item:
 * memory O(segments × items). Needs user demographics (`side.users`): fitting without them throws.
 */
export class SegmentPopularityRecommender implements Recommender {
  readonly name = 'segment-pop';
  readonly params: { readonly attributes: readonly string[]; readonly minSegmentUsers: number; readonly weighting: PopularityWeighting };
  private rankings: Float32Array[] | undefined;
  /** Ranking index per user row; -1 for the global ranking. */
  private userRanking: Int32Array | undefined;
  private global: Float32Array | undefined;
  /** Segment key → users with training interactions, after fit (for reports and tests). */
  segmentSizes: ReadonlyMap<string, number> = new Map();

  constructor(opts: SegmentPopularityOptions = {}) {
    const attributes = opts.attributes ?? SEGMENT_POPULARITY_DEFAULTS.attributes;
    const minSegmentUsers = opts.minSegmentUsers ?? SEGMENT_POPULARITY_DEFAULTS.minSegmentUsers;
    const weighting = opts.weighting ?? SEGMENT_POPULARITY_DEFAULTS.weighting;
    if (attributes.length === 0) throw new RangeError('attributes must name at least one demographic attribute');
    if (!Number.isInteger(minSegmentUsers) || minSegmentUsers < 1) throw new RangeError(`minSegmentUsers must be a positive integer, got ${minSegmentUsers}`);
    if (weighting !== 'binary' && weighting !== 'weighted') throw new RangeError(`weighting must be binary or weighted, got ${String(weighting)}`);
    this.params = { attributes: [...attributes], minSegmentUsers, weighting };
  }

  fit(train: InteractionMatrix, side?: SideInfo): void {
    const demographics = side?.users;
    if (!demographics || demographics.size === 0) {
      throw new Error(`${this.name} needs user demographics (age, gender, ...), and this dataset has none: use pop instead`);
    }
    const { attributes, minSegmentUsers, weighting } = this.params;
    const globalCounts = itemCounts(train, weighting);
    const segmentOf = new Int32Array(train.nUsers).fill(-1);
    const keys: string[] = [];
    const keyIndex = new Map<string, number>();
    const sizes: number[] = [];
    for (let u = 0; u < train.nUsers; u++) {
      const key = segmentKey(demographics.get(train.userIds[u]), attributes);
      if (key === undefined) continue;
      let s = keyIndex.get(key);
      if (s === undefined) {
        s = keys.length;
        keys.push(key);
        keyIndex.set(key, s);
        sizes.push(0);
      }
      segmentOf[u] = s;
      if (train.indptr[u + 1] > train.indptr[u]) sizes[s]++;
    }
    // Count per qualifying segment only.
    const rankingOf = keys.map((_, s): number => (sizes[s] >= minSegmentUsers ? 0 : -1));
    let next = 0;
    for (let s = 0; s < keys.length; s++) if (rankingOf[s] === 0) rankingOf[s] = next++;
    const counts = Array.from({ length: next }, () => new Float64Array(train.nItems));
    for (let u = 0; u < train.nUsers; u++) {
      const r = segmentOf[u] < 0 ? -1 : rankingOf[segmentOf[u]];
      if (r < 0) continue;
      const c = counts[r];
      for (let e = train.indptr[u]; e < train.indptr[u + 1]; e++) c[train.indices[e]] += weighting === 'binary' ? 1 : train.values[e];
    }
    this.global = rankScores(globalCounts, globalCounts);
    this.rankings = counts.map((c) => rankScores(c, globalCounts));
    this.userRanking = Int32Array.from(segmentOf, (s) => (s < 0 ? -1 : rankingOf[s]));
    this.segmentSizes = new Map(keys.map((k, s) => [k, sizes[s]]));
  }

  scoreAll(user: number, out: Float32Array): void {
    const rankings = assertFitted(this.rankings, this.name);
    const r = (this.userRanking as Int32Array)[user];
    out.set(r < 0 ? (this.global as Float32Array) : rankings[r]);
  }

  /** Whether user row `u` gets its own segment's ranking (true) or the global fallback (false). After fit. */
  usesSegment(u: number): boolean {
    return assertFitted(this.userRanking, this.name)[u] >= 0;
  }
}

/** `attr=value|attr=value`, or undefined when the user has no demographics or lacks an attribute. */
function segmentKey(demo: Readonly<Record<string, string>> | undefined, attributes: readonly string[]): string | undefined {
  if (!demo) return undefined;
  const parts: string[] = [];
  for (const a of attributes) {
    const v = demo[a];
    if (v === undefined || v === '') return undefined;
    parts.push(`${a}=${v}`);
  }
  return parts.join('|');
}

/** Scores n − position in the order (primary desc, secondary desc, index asc): exact integers in Float32 up to 2^24 items. */
function rankScores(primary: Float64Array, secondary: Float64Array): Float32Array {
  const n = primary.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => primary[b] - primary[a] || secondary[b] - secondary[a] || a - b);
  const scores = new Float32Array(n);
  for (let p = 0; p < n; p++) scores[order[p]] = n - p;
  return scores;
}
