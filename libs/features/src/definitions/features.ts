// The declared features: name, entity, default, description, and how each is computed from stored state.

import type { Item, User } from '@recsys/domain';
import type { CatalogLookup } from '../state/catalog';
import { windowTotals, type CounterBlock } from '../state/counter-block';
import { COUNTER, COUNTER_COUNT, type CounterName } from './event-updates';
import { RATE_PRIOR, RECENCY_CAP_HOURS, smoothedRate } from './knobs';
import { WINDOW, WINDOWS } from './windows';

/** The entity a feature describes. Creator features are served in the item view (the item's creator). */
export type FeatureEntity = 'user' | 'item' | 'creator' | 'user_topic';

/** A declared feature: what it is and the value used when its source state is missing. */
export interface FeatureDeclaration {
  /** Stable name, `<entity>_<what>`; used on the wire and in trained models. */
  readonly name: string;
  readonly entity: FeatureEntity;
  /** Value served when the state it is computed from does not exist. */
  readonly default: number;
  readonly description: string;
}

/** A declared feature with its computation; `value` returns undefined when its source state is missing. */
export interface FeatureDefinition<S> extends FeatureDeclaration {
  readonly value: (source: S) => number | undefined;
}

/** State a user feature is computed from. */
export interface UserFeatureSource {
  /** The user's counter block (see COUNTER_NAMES); absent before the user's first event. */
  counters?: CounterBlock;
  /** Registration attributes; absent until the user is upserted. */
  user?: User;
  /** The user's recent clicks, saves and shares, most recent first (the record's `recent`); absent without any. */
  recentItemIds?: readonly string[];
  /** Where the recent items' content embeddings come from; without it the history features are defaults. */
  catalog?: CatalogLookup;
  nowMs: number;
  /** Window sums of `counters` at `nowMs`, filled on first use (leave unset). */
  sums?: Float64Array;
  /** The history content vector, filled on first use (leave unset; null: the user has none). */
  history?: Float64Array | null;
}

/** State an item feature is computed from. */
export interface ItemFeatureSource {
  /** The item's counter block; absent before the item's first event. */
  counters?: CounterBlock;
  /** Catalog attributes; absent when the item is not in the catalog. */
  item?: Item;
  nowMs: number;
  /** Window sums of `counters` at `nowMs`, filled on first use (leave unset). */
  sums?: Float64Array;
  /** The item's content vector, filled on first use (leave unset; null: it has none). */
  content?: Float64Array | null;
}

/** State a creator feature is computed from. */
export interface CreatorFeatureSource {
  /** The creator's counter block; absent before the first event on any of the creator's items. */
  counters?: CounterBlock;
  /** Catalog items of the creator; absent when the item (hence its creator) is unknown. */
  items?: number;
  nowMs: number;
  /** Window sums of `counters` at `nowMs`, filled on first use (leave unset). */
  sums?: Float64Array;
}

/** State a user×topic feature is computed from. */
export interface UserTopicFeatureSource {
  /** The user×topic counter block; absent before the user's first event on an item of the topic. */
  counters?: CounterBlock;
  /** The topic's share of the user's normalised affinity; absent when the user has no affinity at all. */
  affinity?: number;
  nowMs: number;
  /** Window sums of `counters` at `nowMs`, filled on first use (leave unset). */
  sums?: Float64Array;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const PRIOR_MEAN = RATE_PRIOR.alpha / (RATE_PRIOR.alpha + RATE_PRIOR.beta);
const PRIOR_TEXT = `Beta(${RATE_PRIOR.alpha}, ${RATE_PRIOR.beta}) prior`;

const read = (counters: CounterBlock | undefined, name: CounterName): number | undefined => (counters ? counters.totals[COUNTER[name]] : undefined);
const rate = (counters: CounterBlock | undefined, successes: CounterName): number | undefined =>
  counters ? smoothedRate(counters.totals[COUNTER[successes]], counters.totals[COUNTER.impressions]) : undefined;
const meanDwell = (counters: CounterBlock | undefined): number | undefined =>
  counters ? (counters.totals[COUNTER.dwells] > 0 ? counters.totals[COUNTER.dwell_ms] / counters.totals[COUNTER.dwells] : 0) : undefined;

/** Counter `name` of window `window` from a source's window sums (see {@link windowTotals}). */
const windowSum = (sums: Float64Array, window: number, name: CounterName): number => sums[window * COUNTER_COUNT + COUNTER[name]];

/** The window sums of a source's block at its `nowMs`: computed once per source, shared by every windowed feature. */
function sumsOf(s: { counters?: CounterBlock; nowMs: number; sums?: Float64Array }): Float64Array | undefined {
  if (!s.counters) return undefined;
  s.sums ??= windowTotals(s.counters, s.nowMs);
  return s.sums;
}

/** Components of a content embedding served as features (`item_content_<i>`, `user_history_content_<i>`). */
export const CONTENT_FEATURE_DIM = 16;

/** Recent positive items (most recent first) whose content vectors a user's history vector averages. */
export const HISTORY_ITEMS = 20;

/**
 * The content vector of an embedding: the embedding scaled to unit length, its first {@link CONTENT_FEATURE_DIM}
 * components (0 beyond its length). Undefined for an empty, all-zero or non-finite embedding.
 */
export function contentVector(embedding: ArrayLike<number>): Float64Array | undefined {
  let sq = 0;
  for (let i = 0; i < embedding.length; i++) {
    if (!Number.isFinite(embedding[i])) return undefined;
    sq += embedding[i] * embedding[i];
  }
  if (!(sq > 0)) return undefined;
  const norm = Math.sqrt(sq);
  const out = new Float64Array(CONTENT_FEATURE_DIM);
  for (let i = 0; i < Math.min(CONTENT_FEATURE_DIM, embedding.length); i++) out[i] = embedding[i] / norm;
  return out;
}

/**
 * A user's history vector: the mean of the content vectors of the first {@link HISTORY_ITEMS} of `itemIds` (most recent
 * first) that have one. Undefined when none has. The feature service serves it as `user_history_content_<i>`; recall's
 * `two-tower` channel computes it from its own recent positives with this same function. O(HISTORY_ITEMS · dim).
 */
export function historyContentVector(itemIds: readonly string[], embeddingOf: (itemId: string) => ArrayLike<number> | undefined): Float64Array | undefined {
  const mean = new Float64Array(CONTENT_FEATURE_DIM);
  let n = 0;
  for (let i = 0; i < itemIds.length && i < HISTORY_ITEMS; i++) {
    const embedding = embeddingOf(itemIds[i]);
    const unit = embedding === undefined ? undefined : contentVector(embedding);
    if (unit === undefined) continue;
    for (let f = 0; f < CONTENT_FEATURE_DIM; f++) mean[f] += unit[f];
    n++;
  }
  if (n === 0) return undefined;
  for (let f = 0; f < CONTENT_FEATURE_DIM; f++) mean[f] /= n;
  return mean;
}

/** {@link CONTENT_FEATURE_DIM} features `<prefix>_<i>`: component i of a source's vector, default 0 without one. */
function vectorFeatures<S>(entity: FeatureEntity, prefix: string, description: string, vectorOf: (s: S) => Float64Array | undefined): FeatureDefinition<S>[] {
  return Array.from({ length: CONTENT_FEATURE_DIM }, (_, i) => ({
    name: `${prefix}_${i}`,
    entity,
    default: 0,
    description: `${description}: component ${i} of ${CONTENT_FEATURE_DIM}`,
    value: (s: S) => vectorOf(s)?.[i],
  }));
}

const itemContent = (s: ItemFeatureSource): Float64Array | undefined => {
  if (s.content === undefined) s.content = (s.item && contentVector(s.item.embedding)) ?? null;
  return s.content ?? undefined;
};

const userHistory = (s: UserFeatureSource): Float64Array | undefined => {
  if (s.history === undefined) {
    const { recentItemIds, catalog } = s;
    s.history = (recentItemIds && catalog && historyContentVector(recentItemIds, (id) => catalog.item(id)?.embedding)) ?? null;
  }
  return s.history ?? undefined;
};

/** The `user_history_content_<i>` features: component i of the user's history vector ({@link historyContentVector}). */
const USER_HISTORY_DEFINITIONS: readonly FeatureDefinition<UserFeatureSource>[] = vectorFeatures<UserFeatureSource>(
  'user',
  'user_history_content',
  `Mean unit content embedding of the user’s ${HISTORY_ITEMS} most recent clicked, saved or shared pins (0 without any)`,
  userHistory,
);

/** The counters served per window (all counters are kept per window; these are the ones worth a feature). */
const WINDOWED_COUNTERS: readonly CounterName[] = ['impressions', 'clicks', 'saves'];

/** Counter features shared by every entity with a counter block: all-time, windowed, rates, recency. */
function counterFeatures<S extends { counters?: CounterBlock; nowMs: number; sums?: Float64Array }>(entity: FeatureEntity, what: string): FeatureDefinition<S>[] {
  const count = (name: CounterName, description: string): FeatureDefinition<S> => ({
    name: `${entity}_${name}`,
    entity,
    default: 0,
    description: `${description} ${what}, all time`,
    value: (s) => read(s.counters, name),
  });
  const windowed: FeatureDefinition<S>[] = [];
  for (const [w, window] of WINDOWS.entries()) {
    for (const name of WINDOWED_COUNTERS) {
      windowed.push({
        name: `${entity}_${name}_${window.name}`,
        entity,
        default: 0,
        description: `${name} ${what} in the last ${window.name} (${window.buckets} buckets of ${window.bucketMs / 60_000} min, the current one partial)`,
        value: (s) => {
          const sums = sumsOf(s);
          return sums ? windowSum(sums, w, name) : undefined;
        },
      });
    }
  }
  return [
    count('impressions', 'Impressions'),
    count('clicks', 'Clicks (closeups)'),
    count('saves', 'Saves'),
    count('shares', 'Shares'),
    count('hides', 'Hides'),
    count('dwell_ms', 'Total dwell time (ms)'),
    {
      name: `${entity}_ctr_smoothed`,
      entity,
      default: PRIOR_MEAN,
      description: `Click-through rate ${what} with a ${PRIOR_TEXT}: (clicks + a) / (impressions + a + b)`,
      value: (s) => rate(s.counters, 'clicks'),
    },
    {
      name: `${entity}_save_rate_smoothed`,
      entity,
      default: PRIOR_MEAN,
      description: `Save rate per impression ${what} with a ${PRIOR_TEXT}`,
      value: (s) => rate(s.counters, 'saves'),
    },
    ...windowed,
    {
      name: `${entity}_ctr_24h_smoothed`,
      entity,
      default: PRIOR_MEAN,
      description: `Click-through rate ${what} in the last 24h with a ${PRIOR_TEXT}`,
      value: (s) => {
        const sums = sumsOf(s);
        return sums ? smoothedRate(windowSum(sums, WINDOW['24h'], 'clicks'), windowSum(sums, WINDOW['24h'], 'impressions')) : undefined;
      },
    },
    {
      name: `${entity}_dwell_ms_mean_7d`,
      entity,
      default: 0,
      description: `Mean dwell time (ms) ${what} over dwell events of the last 7d; 0 without any`,
      value: (s) => {
        const sums = sumsOf(s);
        if (!sums) return undefined;
        const dwells = windowSum(sums, WINDOW['7d'], 'dwells');
        return dwells > 0 ? windowSum(sums, WINDOW['7d'], 'dwell_ms') / dwells : 0;
      },
    },
    {
      name: `${entity}_hours_since_engaged`,
      entity,
      default: RECENCY_CAP_HOURS,
      description: `Hours since the latest click, save or share ${what}, capped at ${RECENCY_CAP_HOURS} (also without any)`,
      value: (s) =>
        s.counters ? Math.min(RECENCY_CAP_HOURS, Math.max(0, (s.nowMs - s.counters.lastEngagedAtMs) / HOUR_MS)) : undefined,
    },
  ];
}

/** User features (entity `user`), computed in the user view. */
export const USER_FEATURE_DEFINITIONS: readonly FeatureDefinition<UserFeatureSource>[] = [
  ...counterFeatures<UserFeatureSource>('user', 'by the user'),
  {
    name: 'user_dwell_ms_mean',
    entity: 'user',
    default: 0,
    description: 'Mean dwell time (ms) over the user’s dwell events; 0 without any',
    value: (s) => meanDwell(s.counters),
  },
  {
    name: 'user_account_age_days',
    entity: 'user',
    default: 0,
    description: 'Days since sign-up (floored at 0)',
    value: (s) => (s.user ? Math.max(0, (s.nowMs - s.user.signupAtMs) / DAY_MS) : undefined),
  },
  ...USER_HISTORY_DEFINITIONS,
];

/** Item features (entity `item`), computed in the item view. */
export const ITEM_FEATURE_DEFINITIONS: readonly FeatureDefinition<ItemFeatureSource>[] = [
  ...counterFeatures<ItemFeatureSource>('item', 'of the item'),
  {
    name: 'item_hide_rate_smoothed',
    entity: 'item',
    default: PRIOR_MEAN,
    description: `Hide rate per impression of the item with a ${PRIOR_TEXT}`,
    value: (s) => rate(s.counters, 'hides'),
  },
  {
    name: 'item_dwell_ms_mean',
    entity: 'item',
    default: 0,
    description: 'Mean dwell time (ms) over the item’s dwell events; 0 without any',
    value: (s) => meanDwell(s.counters),
  },
  {
    name: 'item_age_hours',
    entity: 'item',
    default: 168,
    description: 'Hours since the pin was created (floored at 0); unknown pins count as one week old',
    value: (s) => (s.item ? Math.max(0, (s.nowMs - s.item.createdAtMs) / HOUR_MS) : undefined),
  },
  {
    name: 'item_quality',
    entity: 'item',
    default: 0.5,
    description: 'Editorial quality in [0, 1] from the catalog',
    value: (s) => s.item?.quality,
  },
  {
    name: 'item_aspect_ratio',
    entity: 'item',
    default: 1,
    description: 'Image width / height from the catalog',
    value: (s) => s.item?.aspectRatio,
  },
  ...vectorFeatures<ItemFeatureSource>('item', 'item_content', 'The pin’s content embedding scaled to unit length (0 outside the catalog)', itemContent),
];

/** Creator features (entity `creator`), served in the item view for the item's creator. */
export const CREATOR_FEATURE_DEFINITIONS: readonly FeatureDefinition<CreatorFeatureSource>[] = [
  ...counterFeatures<CreatorFeatureSource>('creator', 'over all of the creator’s pins'),
  {
    name: 'creator_items',
    entity: 'creator',
    default: 0,
    description: 'Pins of the creator in the catalog',
    value: (s) => s.items,
  },
];

/** User×topic features (entity `user_topic`), for one user and one topic. */
export const USER_TOPIC_FEATURE_DEFINITIONS: readonly FeatureDefinition<UserTopicFeatureSource>[] = [
  ...counterFeatures<UserTopicFeatureSource>('user_topic', 'by the user on pins of the topic'),
  {
    name: 'user_topic_affinity',
    entity: 'user_topic',
    default: 0,
    description:
      'The topic’s share of the user’s affinity: decayed (half-life 7 days) sum of click 1, save 3, share 3, hide −2 ' +
      '(floored at 0), primary topic weight 1 and other topics 0.5, normalised to sum 1 over topics',
    value: (s) => s.affinity,
  },
];

/** Every declared feature, all entities. */
export const FEATURE_DEFINITIONS: readonly FeatureDeclaration[] = [
  ...USER_FEATURE_DEFINITIONS,
  ...ITEM_FEATURE_DEFINITIONS,
  ...CREATOR_FEATURE_DEFINITIONS,
  ...USER_TOPIC_FEATURE_DEFINITIONS,
];

const defaultsOf = (defs: readonly FeatureDeclaration[]): Readonly<Record<string, number>> =>
  Object.freeze(Object.fromEntries(defs.map((d) => [d.name, d.default])));

/** Name → default of every feature in a user view's `features`. */
export const USER_FEATURES: Readonly<Record<string, number>> = defaultsOf(USER_FEATURE_DEFINITIONS);

/** Name → default of every feature in an item view's `features` (item and creator features). */
export const ITEM_FEATURES: Readonly<Record<string, number>> = defaultsOf([...ITEM_FEATURE_DEFINITIONS, ...CREATOR_FEATURE_DEFINITIONS]);

/** Name → default of every user×topic feature. */
export const USER_TOPIC_FEATURES: Readonly<Record<string, number>> = defaultsOf(USER_TOPIC_FEATURE_DEFINITIONS);

/**
 * The `user_history_content_<i>` features (name → value) of a user whose history vector is `history` (computed by
 * {@link historyContentVector}); their declared defaults when it is undefined. For a service that keeps the user's
 * recent items itself and feeds a model reading these features (recall's `two-tower` channel). O(CONTENT_FEATURE_DIM).
 */
export function userHistoryFeatures(history: Float64Array | undefined): Record<string, number> {
  const features: Record<string, number> = {};
  computeFeatures(USER_HISTORY_DEFINITIONS, { nowMs: 0, history: history ?? null }, features, []);
  return features;
}

/**
 * Computes `defs` from `source` into `into`, pushing onto `defaulted` the names whose source state is
 * missing (they get their declared default).
 */
export function computeFeatures<S>(defs: readonly FeatureDefinition<S>[], source: S, into: Record<string, number>, defaulted: string[]): void {
  for (const def of defs) {
    const value = def.value(source);
    if (value === undefined) {
      into[def.name] = def.default;
      defaulted.push(def.name);
    } else {
      into[def.name] = value;
    }
  }
}
