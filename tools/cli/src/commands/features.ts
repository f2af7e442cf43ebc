/** `recsys features verify`: replays the event log and checks the logged served features value by value. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { ServedEvent, decodeCatalogUpsert, decodeEngagement, hasBit, readBitset, readFloat32Matrix, type FeatureSnapshot } from '@recsys/contracts';
import type { Item, User } from '@recsys/domain';
import { FeatureEngine, busEventRejection, checkServedFeatures, type LoggedEngagement, type LoggedSnapshot, type ServedFeatureLog, type ServedFeatureReport } from '@recsys/features';
import { TOPICS, type EventBus } from '@recsys/stores';
import { openEventLog, readTopic } from '../event-log';

export const FEATURES_USAGE = `recsys features verify — replay the event log offline and compare the served-feature log with it

Usage: npx recsys features verify (--log DIR | --brokers HOST:PORT[,...]) [--worst N] [--json]
       npx recsys features batch  (--log DIR | --brokers HOST:PORT[,...]) --at TIME --out FILE.jsonl

  --log DIR        the embedded event bus directory (npm start: .data/bus)
  --brokers LIST   read the topics from Kafka instead (RECSYS_BACKEND=redis-kafka)
  --worst N        how many of the largest mismatches to print (10)
  --json           print the report as JSON
  --at TIME        batch: the point in time (ms since the epoch or an ISO date): only events with
                   timestamp_ms <= TIME are applied, in log order, and features are computed at TIME
  --out FILE       batch: one JSON line per user and per item: {"kind","id","features","defaulted"}

Every Recommend logs, on ${TOPICS.served}, the user features and the item features of every ranked candidate with
the feature-state snapshot they were read from (time + last applied engagement offset per partition). The check
applies the catalog, then the engagement log up to each snapshot with the stream processor's own code, recomputes
the features at the snapshot's time and compares every value exactly. Anything below 100% is a bug.`;

/** Options of `features verify`. */
export interface VerifyOptions {
  log?: string;
  brokers?: string[];
  worst: number;
  json: boolean;
}

/** Parses `features verify` arguments. */
export function parseVerifyArgs(args: string[]): VerifyOptions {
  const { values } = parseArgs({
    args,
    options: { log: { type: 'string' }, brokers: { type: 'string' }, worst: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if ((values.log === undefined) === (values.brokers === undefined)) throw new Error('give exactly one of --log DIR or --brokers HOST:PORT');
  const worst = values.worst === undefined ? 10 : Number(values.worst);
  if (!Number.isInteger(worst) || worst < 0) throw new Error(`--worst must be an integer ≥ 0 (got "${values.worst}")`);
  return { log: values.log, brokers: values.brokers?.split(',').map((b) => b.trim()).filter(Boolean), worst, json: values.json };
}

function snapshotOf(s: FeatureSnapshot | undefined): LoggedSnapshot | undefined {
  if (!s) return undefined;
  const positions = new Map<number, number>();
  for (const p of s.positions) if (p.topic === TOPICS.engagement) positions.set(p.partition, Number(p.offset));
  return { asOfMs: Number(s.asOfMs), positions };
}

/** The served-feature log of one ServedEvent (undefined parts when the request degraded and logged none). */
export function servedFeatureLog(event: ServedEvent): ServedFeatureLog {
  const log: ServedFeatureLog = { requestId: event.requestId, userId: event.userId };
  const userSnapshot = snapshotOf(event.userSnapshot);
  if (userSnapshot && event.userFeatures) {
    log.user = { snapshot: userSnapshot, values: event.userFeatures.values, defaulted: event.userFeatures.defaulted };
  }
  const itemSnapshot = snapshotOf(event.itemSnapshot);
  if (itemSnapshot && event.rankedItemIds.length > 0) {
    // Columnar (the orchestrator's current form): float32 values.
    const names = event.itemFeatureNames;
    const rows = event.rankedItemIds.length;
    const values = readFloat32Matrix(event.rankedValues, rows, names.length, 'ranked_values', 'internal').values;
    const defaulted = readBitset(event.rankedDefaulted, rows * names.length, 'ranked_defaulted', 'internal');
    log.items = {
      snapshot: itemSnapshot,
      names,
      float32: true,
      rows: event.rankedItemIds.map((itemId, r) => ({
        itemId,
        values: values.subarray(r * names.length, (r + 1) * names.length),
        defaulted: names.flatMap((_, j) => (hasBit(defaulted, r * names.length + j) ? [j] : [])),
      })),
    };
  } else if (itemSnapshot && event.ranked.length > 0) {
    // One message per candidate (events logged before the columnar fields): float64 values.
    log.items = { snapshot: itemSnapshot, names: event.itemFeatureNames, rows: event.ranked };
  }
  return log;
}

/** The catalog (last upsert of each id) and the decoded engagement log. */
async function readLogs(bus: EventBus): Promise<{ items: Map<string, Item>; users: Map<string, User>; engagement: LoggedEngagement[] }> {
  const items = new Map<string, Item>();
    const users = new Map<string, User>();
  for (const m of await readTopic(bus, TOPICS.catalog)) {
      try {
        const upsert = decodeCatalogUpsert(m.value);
        if (upsert.kind === 'item') items.set(upsert.item.id, upsert.item);
        else users.set(upsert.user.id, upsert.user);
      } catch {
        // an undecodable catalog message is skipped online too
      }
    }
    const engagement: LoggedEngagement[] = (await readTopic(bus, TOPICS.engagement)).map((m) => {
      let event;
      try {
        event = decodeEngagement(m.value);
      } catch {
        event = undefined;
      }
      return { partition: m.partition, offset: m.offset, acceptedAtMs: m.timestampMs, event };
    });
  return { items, users, engagement };
}

/** Reads the catalog, engagement and served topics and runs the check. */
export async function verifyServedFeatures(opts: VerifyOptions): Promise<ServedFeatureReport> {
  const bus = await openEventLog(opts, 'recsys-features');
  try {
    const { items, users, engagement } = await readLogs(bus);
    const served = (await readTopic(bus, TOPICS.served)).map((m) => servedFeatureLog(ServedEvent.decode(m.value)));
    return checkServedFeatures({ items: items.values(), users: users.values() }, engagement, served, { worst: opts.worst });
  } finally {
    await bus.close();
  }
}

/** Prints a report for a person. */
export function formatReport(r: ServedFeatureReport): string {
  const lines = [
    `requests ${r.requests}, reads replayed ${r.reads}, skipped ${r.skippedReads}`,
    `values ${r.values}, matching ${r.matching} (${(100 * r.share).toFixed(4)}%)`,
  ];
  const byFeature = Object.entries(r.mismatchesByFeature).sort((a, b) => b[1] - a[1]);
  if (byFeature.length > 0) lines.push('mismatches by feature:', ...byFeature.map(([name, n]) => `  ${name}: ${n}`));
  if (r.worst.length > 0) {
    lines.push('worst mismatches:');
    for (const m of r.worst) {
      lines.push(`  request ${m.requestId} ${m.entity} ${m.id} ${m.feature}: served ${m.served}, replayed ${m.replayed}${m.defaultedDiffers ? ' (defaulted flag differs)' : ''}`);
    }
  }
  return lines.join('\n');
}

/** Options of `features batch`. */
export interface BatchOptions {
  log?: string;
  brokers?: string[];
  atMs: number;
  out: string;
}

/** Parses `features batch` arguments. */
export function parseBatchArgs(args: string[]): BatchOptions {
  const { values } = parseArgs({ args, options: { log: { type: 'string' }, brokers: { type: 'string' }, at: { type: 'string' }, out: { type: 'string' } } });
  if ((values.log === undefined) === (values.brokers === undefined)) throw new Error('give exactly one of --log DIR or --brokers HOST:PORT');
  if (values.out === undefined) throw new Error('--out FILE is required');
  if (values.at === undefined) throw new Error('--at TIME is required (ms since the epoch or an ISO date)');
  const atMs = /^\d+$/.test(values.at) ? Number(values.at) : Date.parse(values.at);
  if (!Number.isFinite(atMs)) throw new Error(`--at must be ms since the epoch or an ISO date (got "${values.at}")`);
  return { log: values.log, brokers: values.brokers?.split(',').map((b) => b.trim()).filter(Boolean), atMs, out: values.out };
}

/**
 * The batch side of the feature definitions: every user's and item's features as of `atMs`, computed from the
 * catalog and the engagement events with `timestamp_ms <= atMs` (applied in log order with the stream processor's
 * rules: rejected and repeated events are skipped). Nothing after `atMs` is used. Returns the lines written.
 */
export async function batchFeatures(opts: BatchOptions): Promise<{ users: number; items: number; events: number }> {
  const bus = await openEventLog(opts, 'recsys-features');
  let logs;
  try {
    logs = await readLogs(bus);
  } finally {
    await bus.close();
  }
  const engine = new FeatureEngine();
  for (const item of logs.items.values()) engine.applyCatalogItem(item);
  for (const user of logs.users.values()) engine.applyUser(user);
  const ordered = [...logs.engagement].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const userIds = new Set(logs.users.keys());
  let events = 0;
  for (const m of ordered) {
    if (!m.event || m.event.timestampMs > opts.atMs || busEventRejection(m.event, m.acceptedAtMs) !== undefined) continue;
    if (engine.applyEvent(m.event)) events++;
    userIds.add(m.event.userId);
  }
  const out = createWriteStream(opts.out);
  const write = async (line: unknown) => {
    if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
  };
  for (const id of userIds) {
    const view = engine.userFeatures(id, opts.atMs);
    await write({ kind: 'user', id, features: view.features, defaulted: view.defaulted });
  }
  for (const id of logs.items.keys()) {
    const view = engine.itemFeatures(id, opts.atMs);
    await write({ kind: 'item', id, features: view.features, defaulted: view.defaulted });
  }
  out.end();
  await once(out, 'finish');
  return { users: userIds.size, items: logs.items.size, events };
}
