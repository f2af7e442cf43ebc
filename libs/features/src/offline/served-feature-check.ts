// The replay check: recompute logged served features offline from the event log and compare them value by value.

import type { EngagementEvent, Item, User } from '@recsys/domain';
import { FeatureEngine } from '../engine/feature-engine';
import { busEventRejection } from './bus-event-rules';

/** One engagement message of the log, decoded (or not). */
export interface LoggedEngagement {
  partition: number;
  offset: number;
  /** When the bus accepted it, ms. */
  acceptedAtMs: number;
  /** Undefined when the payload could not be decoded (the processor dead-lettered it). */
  event?: EngagementEvent;
}

/** The feature state one read saw: the time features were computed at and the last applied offset per partition. */
export interface LoggedSnapshot {
  asOfMs: number;
  /** Partition → last applied offset; a partition not listed had nothing applied. */
  positions: ReadonlyMap<number, number>;
}

/** What one request logged: the user features and the item features of every ranked candidate. */
export interface ServedFeatureLog {
  requestId: string;
  userId: string;
  user?: { snapshot: LoggedSnapshot; values: Readonly<Record<string, number>>; defaulted: readonly string[] };
  items?: {
    snapshot: LoggedSnapshot;
    names: readonly string[];
    rows: readonly { itemId: string; values: ArrayLike<number>; defaulted: readonly number[] }[];
    /** The values were served (and logged) as float32: each is compared with the replayed value rounded to float32. */
    float32?: boolean;
  };
}

/** One value that differs. */
export interface FeatureMismatch {
  requestId: string;
  entity: 'user' | 'item';
  id: string;
  feature: string;
  served: number;
  replayed: number;
  /** True when the served value was flagged defaulted and the replayed one not, or the reverse. */
  defaultedDiffers: boolean;
}

/** The result of {@link checkServedFeatures}. */
export interface ServedFeatureReport {
  /** Requests in the log. */
  requests: number;
  /** Reads (user or item) recomputed. */
  reads: number;
  /** Reads whose snapshot lies behind a read already replayed on some partition (cannot be replayed in one pass). */
  skippedReads: number;
  values: number;
  matching: number;
  /** matching / values (1 when there is nothing to compare). */
  share: number;
  /** Mismatching values per feature name. */
  mismatchesByFeature: Record<string, number>;
  /** The largest mismatches, by absolute difference (defaulted-flag differences first). */
  worst: FeatureMismatch[];
}

interface PendingRead {
  log: ServedFeatureLog;
  kind: 'user' | 'item';
  snapshot: LoggedSnapshot;
  order: number;
}

/**
 * Replays the event log offline and recomputes every logged read exactly at the state it saw: the catalog is
 * applied first, then, for each read in snapshot order, the engagement messages of each partition up to the
 * read's position — with the processor's rules (undecodable or {@link busEventRejection} messages are skipped,
 * a repeated event id is applied once) and the same {@link applyEngagement} — and the features are computed at the
 * read's `asOfMs`. Every logged value is compared exactly (and its defaulted flag).
 * Time O(events + reads × logged values); memory: the engine's state.
 */
export function checkServedFeatures(
  catalog: { items: Iterable<Item>; users: Iterable<User> },
  engagement: readonly LoggedEngagement[],
  served: readonly ServedFeatureLog[],
  options: { worst?: number } = {},
): ServedFeatureReport {
  const engine = new FeatureEngine();
  for (const item of catalog.items) engine.applyCatalogItem(item);
  for (const user of catalog.users) engine.applyUser(user);

  const partitions = new Map<number, LoggedEngagement[]>();
  for (const m of engagement) {
    const list = partitions.get(m.partition) ?? [];
    list.push(m);
    partitions.set(m.partition, list);
  }
  for (const list of partitions.values()) list.sort((a, b) => a.offset - b.offset);
  const next = new Map<number, number>([...partitions.keys()].map((p) => [p, 0]));
  const applied = new Map<number, number>();

  const reads: PendingRead[] = [];
  served.forEach((log, order) => {
    if (log.user) reads.push({ log, kind: 'user', snapshot: log.user.snapshot, order });
    if (log.items) reads.push({ log, kind: 'item', snapshot: log.items.snapshot, order });
  });
  const weight = (s: LoggedSnapshot) => [...s.positions.values()].reduce((a, b) => a + b + 1, 0);
  reads.sort((a, b) => weight(a.snapshot) - weight(b.snapshot) || a.order - b.order);

  const report: ServedFeatureReport = {
    requests: served.length,
    reads: 0,
    skippedReads: 0,
    values: 0,
    matching: 0,
    share: 1,
    mismatchesByFeature: {},
    worst: [],
  };
  const mismatches: FeatureMismatch[] = [];
  const compare = (m: Omit<FeatureMismatch, 'defaultedDiffers'>, servedDefaulted: boolean, replayedDefaulted: boolean) => {
    report.values++;
    if (Object.is(m.served, m.replayed) && servedDefaulted === replayedDefaulted) {
      report.matching++;
      return;
    }
    report.mismatchesByFeature[m.feature] = (report.mismatchesByFeature[m.feature] ?? 0) + 1;
    mismatches.push({ ...m, defaultedDiffers: servedDefaulted !== replayedDefaulted });
  };

  for (const read of reads) {
    const behind = [...partitions.keys()].some((p) => (applied.get(p) ?? -1) > (read.snapshot.positions.get(p) ?? -1));
    if (behind) {
      report.skippedReads++;
      continue;
    }
    for (const [p, list] of partitions) {
      const upTo = read.snapshot.positions.get(p) ?? -1;
      let i = next.get(p) ?? 0;
      while (i < list.length && list[i].offset <= upTo) {
        const m = list[i++];
        if (m.event && busEventRejection(m.event, m.acceptedAtMs) === undefined) engine.applyEvent(m.event);
        applied.set(p, m.offset);
      }
      next.set(p, i);
    }
    report.reads++;
    const { log } = read;
    if (read.kind === 'user' && log.user) {
      const view = engine.userFeatures(log.userId, read.snapshot.asOfMs);
      const defaulted = new Set(view.defaulted);
      const servedDefaulted = new Set(log.user.defaulted);
      for (const [feature, value] of Object.entries(log.user.values)) {
        const replayed = view.features[feature] ?? Number.NaN;
        compare({ requestId: log.requestId, entity: 'user', id: log.userId, feature, served: value, replayed }, servedDefaulted.has(feature), defaulted.has(feature));
      }
    } else if (read.kind === 'item' && log.items) {
      const { names, rows, float32 } = log.items;
      for (const row of rows) {
        const view = engine.itemFeatures(row.itemId, read.snapshot.asOfMs);
        const defaulted = new Set(view.defaulted);
        const servedDefaulted = new Set(row.defaulted);
        names.forEach((feature, j) => {
          const exact = view.features[feature] ?? Number.NaN;
          const replayed = float32 ? Math.fround(exact) : exact;
          compare({ requestId: log.requestId, entity: 'item', id: row.itemId, feature, served: row.values[j], replayed }, servedDefaulted.has(j), defaulted.has(feature));
        });
      }
    }
  }
  report.share = report.values === 0 ? 1 : report.matching / report.values;
  const gap = (m: FeatureMismatch) => (m.defaultedDiffers ? Number.POSITIVE_INFINITY : Math.abs(m.served - m.replayed) || Number.POSITIVE_INFINITY);
  report.worst = mismatches.sort((a, b) => gap(b) - gap(a)).slice(0, options.worst ?? 10);
  return report;
}
