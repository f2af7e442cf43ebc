/**
 * The statistics of an interaction dataset that shape how recommenders rank on it (`recsys world stats`, and what
 * `recsys world calibrate` matches a world to): how interactions spread over users and items, how heavy the
 * popularity tail is, how strongly co-engaged items share their audiences, how topical a user's positives are, and
 * how often a user comes back to an item. The same function reads a simulated world and a real dataset.
 */
import { giniCoefficient, type InteractionMatrix } from '@recsys/algorithms';
import { evaluate } from './evaluate';
import { createRecommender } from './recommenders/registry';
import { randomHoldoutSplit } from './splits/random-holdout';

/** Quantiles, mean and Gini of a count per user or per item. */
export interface CountSummary {
  mean: number;
  p10: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Gini coefficient of the counts (0: all equal; near 1: a few hold everything). */
  gini: number;
}

/** The statistics of a dataset ({@link datasetStatistics}). */
export interface DatasetStatistics {
  users: number;
  items: number;
  /** Distinct (user, item) pairs with a positive interaction. */
  interactions: number;
  /** interactions / (users × items). */
  density: number;
  /** Positive items per user. */
  perUser: CountSummary;
  /** Users per item (items with at least one interaction). */
  perItem: CountSummary;
  /** Share of all interactions on the most popular 1% of items. */
  top1PercentShare: number;
  /**
   * Exponent s of the rank-frequency law count ∝ rank^−s, by least squares on log count against log rank over the
   * items with at least 2 interactions (the singleton floor left out); NaN with fewer than 10 such items.
   */
  popularityExponent: number;
  /**
   * Cosine between the audiences (binary user sets) of item pairs engaged by at least one common user, one value per
   * unordered pair of items with at least {@link CO_ENGAGEMENT_MIN_USERS} users each: |U_i ∩ U_j| / √(|U_i| |U_j|).
   * High when co-engaged items share much of their audience (clusters a collaborative model can learn), low when
   * co-engagement is incidental. (Pairs of one-user items, cosine 1 by construction, would swamp a sparse dataset.)
   */
  coEngagement: { pairs: number; mean: number; p50: number; p90: number };
  /**
   * Share of a user's positives whose item has at least one topic (genre) among the user's 3 most frequent topics,
   * averaged over users with at least {@link TOP_TOPIC_MIN_POSITIVES} positives; null without item topics.
   */
  topTopicShare: number | null;
  /** 1 − distinct pairs / engagements: the share of engagements that return to an item the user had engaged; null when unknown. */
  repeatRate: number | null;
  /**
   * The collaborative signal, measured: NDCG@10 of item-CF (the registry's defaults) over NDCG@10 of popularity on
   * a per-user random 80/20 holdout (seed 42, full ranking, at most 2,000 users); null unless asked for.
   */
  itemCfLift: number | null;
}

/** What {@link datasetStatistics} reads. */
export interface DatasetStatisticsInput {
  matrix: InteractionMatrix;
  /** Topics (genres) of each item by id, when the dataset has them. */
  itemTopics?: (itemId: string) => readonly string[] | undefined;
  /** Positive engagements counted once per occasion (session, row), before merging repeats; omitted: unknown. */
  engagements?: number;
  /** Also measure {@link DatasetStatistics.itemCfLift} (fits item-CF: seconds on a MovieLens-sized dataset). */
  models?: boolean;
}

/** Items with fewer users do not enter the co-engagement cosines. */
export const CO_ENGAGEMENT_MIN_USERS = 5;

/** Users with fewer positives do not enter the top-topic share (3 topics of 2 positives cover everything). */
export const TOP_TOPIC_MIN_POSITIVES = 10;

/** The statistics of `input` (positives are the matrix's entries, whatever their weight). */
export function datasetStatistics(input: DatasetStatisticsInput): DatasetStatistics {
  const m = input.matrix;
  const perUser = new Float64Array(m.nUsers);
  for (let u = 0; u < m.nUsers; u++) perUser[u] = m.indptr[u + 1] - m.indptr[u];
  const perItem = new Float64Array(m.nItems);
  for (let k = 0; k < m.indices.length; k++) perItem[m.indices[k]]++;
  const interactions = m.indices.length;
  const itemCounts = Array.from(perItem).filter((c) => c > 0);
  return {
    users: m.nUsers,
    items: itemCounts.length,
    interactions,
    density: m.nUsers > 0 && itemCounts.length > 0 ? interactions / (m.nUsers * itemCounts.length) : 0,
    perUser: summarise(Array.from(perUser)),
    perItem: summarise(itemCounts),
    top1PercentShare: topShare(itemCounts, 0.01),
    popularityExponent: rankFrequencyExponent(itemCounts),
    coEngagement: coEngagement(m, perItem),
    topTopicShare: input.itemTopics ? topTopicShare(m, input.itemTopics) : null,
    repeatRate: input.engagements !== undefined && input.engagements > 0 ? Math.max(0, 1 - interactions / input.engagements) : null,
    itemCfLift: input.models ? itemCfLift(m) : null,
  };
}

/** NDCG@10 of item-CF over popularity's on a random 80/20 holdout (see {@link DatasetStatistics.itemCfLift}). */
function itemCfLift(m: InteractionMatrix): number {
  const split = randomHoldoutSplit(m, { testFraction: 0.2, seed: 42 });
  const ndcg = (name: string): number => {
    const model = createRecommender(name);
    // Popularity and item-CF fit synchronously.
    if (model.fit(split.train) instanceof Promise) throw new Error(`${name} fits asynchronously`);
    return evaluate(model, split, { protocol: 'full', ks: [10], seed: 42, maxUsers: 2000 }).metrics['ndcg@10'];
  };
  const pop = ndcg('pop');
  return pop > 0 ? ndcg('itemcf') / pop : NaN;
}

/** Quantile q of ascending `sorted` by linear interpolation between order statistics. */
function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  const x = q * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

function summarise(values: number[]): CountSummary {
  const sorted = Float64Array.from(values).sort();
  const mean = values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  return {
    mean,
    p10: quantile(sorted, 0.1),
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : NaN,
    gini: values.length > 0 ? giniCoefficient(sorted) : NaN,
  };
}

function topShare(counts: number[], share: number): number {
  if (counts.length === 0) return NaN;
  const sorted = Float64Array.from(counts).sort().reverse();
  const k = Math.max(1, Math.round(share * sorted.length));
  let top = 0;
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i < k) top += sorted[i];
    total += sorted[i];
  }
  return top / total;
}

function rankFrequencyExponent(counts: number[]): number {
  const sorted = counts.filter((c) => c >= 2).sort((a, b) => b - a);
  if (sorted.length < 10) return NaN;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  const n = sorted.length;
  for (let i = 0; i < n; i++) {
    const x = Math.log(i + 1);
    const y = Math.log(sorted[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return -(n * sxy - sx * sy) / (n * sxx - sx * sx);
}

/**
 * Cosines of every co-engaged pair of items with enough users: for each item i, the common users with every later
 * item j through the users' rows (a dense counter reset per i). O(Σ_u |items of u|²) time, O(items) extra memory.
 */
function coEngagement(m: InteractionMatrix, perItem: Float64Array): DatasetStatistics['coEngagement'] {
  // Columns: the users of each item.
  const colPtr = new Int32Array(m.nItems + 1);
  for (let k = 0; k < m.indices.length; k++) colPtr[m.indices[k] + 1]++;
  for (let i = 0; i < m.nItems; i++) colPtr[i + 1] += colPtr[i];
  const colUsers = new Int32Array(m.indices.length);
  const fill = colPtr.slice(0, m.nItems);
  for (let u = 0; u < m.nUsers; u++) for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) colUsers[fill[m.indices[k]]++] = u;
  const common = new Int32Array(m.nItems);
  const touched = new Int32Array(m.nItems);
  // Cosines are bucketed (1/1000 wide) for the quantiles: the pairs can be many millions.
  const buckets = new Float64Array(1001);
  let pairs = 0;
  let sum = 0;
  for (let i = 0; i < m.nItems; i++) {
    if (perItem[i] < CO_ENGAGEMENT_MIN_USERS) continue;
    let nTouched = 0;
    for (let a = colPtr[i]; a < colPtr[i + 1]; a++) {
      const u = colUsers[a];
      for (let k = m.indptr[u]; k < m.indptr[u + 1]; k++) {
        const j = m.indices[k];
        if (j <= i || perItem[j] < CO_ENGAGEMENT_MIN_USERS) continue;
        if (common[j] === 0) touched[nTouched++] = j;
        common[j]++;
      }
    }
    for (let t = 0; t < nTouched; t++) {
      const j = touched[t];
      const cosine = common[j] / Math.sqrt(perItem[i] * perItem[j]);
      common[j] = 0;
      pairs++;
      sum += cosine;
      buckets[Math.min(1000, Math.round(cosine * 1000))]++;
    }
  }
  const at = (q: number) => {
    if (pairs === 0) return NaN;
    const target = q * pairs;
    let seen = 0;
    for (let b = 0; b <= 1000; b++) {
      seen += buckets[b];
      if (seen >= target) return b / 1000;
    }
    return 1;
  };
  return { pairs, mean: pairs > 0 ? sum / pairs : NaN, p50: at(0.5), p90: at(0.9) };
}

function topTopicShare(m: InteractionMatrix, topicsOf: (itemId: string) => readonly string[] | undefined): number | null {
  const counts = new Map<string, number>();
  let users = 0;
  let sum = 0;
  for (let u = 0; u < m.nUsers; u++) {
    const start = m.indptr[u];
    const end = m.indptr[u + 1];
    if (end - start < TOP_TOPIC_MIN_POSITIVES) continue;
    counts.clear();
    for (let k = start; k < end; k++) for (const t of topicsOf(m.itemIds[m.indices[k]]) ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
    if (counts.size === 0) continue;
    const top = new Set([...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 3).map(([t]) => t));
    let inside = 0;
    for (let k = start; k < end; k++) if ((topicsOf(m.itemIds[m.indices[k]]) ?? []).some((t) => top.has(t))) inside++;
    users++;
    sum += inside / (end - start);
  }
  return users > 0 ? sum / users : null;
}
