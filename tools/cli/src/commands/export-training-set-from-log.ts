/**
 * `recsys export-training-set --from-log DIR`: the multi-task training set from what a running (or stopped) system
 * logged — every item of a served page that a client showed, with the values the service ranked it with, joined with
 * the reactions that answered it — instead of a replay of the demo world.
 */
import { ServedEvent, decodeEngagement, surfaceFromWire } from '@recsys/contracts';
import type { EngagementEvent } from '@recsys/domain';
import {
  busEventRejection,
  joinServedImpressions,
  modelInputRead,
  modelInputSource,
  servedModelInputs,
  type JoinedImpression,
  type ServedImpressionJoin,
  type ServedPage,
} from '@recsys/features';
import { TOPICS } from '@recsys/stores';
import { forEachMessage, openEventLog, type EventLogSource } from '../event-log';
import { progressBar } from '../progress';
import { DEMO_MODEL_INPUTS, OUTCOME_HORIZON_MS, outputDirectory, writeMultiTaskSet, type TrainingSetSummary } from './export-training-set';
import { servedFeatureLog } from './features';

/** Options of {@link exportTrainingSetFromLog}: the log (`log` or `brokers`) and the set to write. */
export interface ExportFromLogOptions extends EventLogSource {
  out: string;
  force?: boolean;
  /** Model inputs to write (default {@link DEMO_MODEL_INPUTS}). */
  inputs?: readonly string[];
  /** How long after a page its reactions can come, ms (default {@link OUTCOME_HORIZON_MS}); the log's last stretch this long is left out. */
  horizonMs?: number;
  progress?: boolean;
}

/** What was written from the log. */
export interface LogTrainingSetSummary extends TrainingSetSummary {
  /** Distinct served pages in the log. */
  pages: number;
  /** Items of those pages; `impressions` counts those a client reported showing. */
  served: number;
  /** Per input: rows whose value the log did not hold, so the input was computed from its declared default. */
  defaulted: Record<string, number>;
}

/**
 * A logged ServedEvent as a page: each shown item with its logged item features (its own entry's, else its row of the
 * ranked candidates' columns) and primary topic, the logged user features and topic affinity.
 */
export function servedPageOf(event: ServedEvent): ServedPage {
  let ranked: Map<string, Record<string, number>> | undefined;
  const rankedRow = (itemId: string) => {
    if (ranked === undefined) {
      ranked = new Map();
      const items = servedFeatureLog(event).items;
      for (const row of items?.rows ?? []) ranked.set(row.itemId, Object.fromEntries((items?.names ?? []).map((name, j) => [name, row.values[j]])));
    }
    return ranked.get(itemId);
  };
  return {
    requestId: event.requestId,
    userId: event.userId,
    surface: surfaceFromWire(event.surface) ?? '',
    timestampMs: Number(event.timestampMs),
    userFeatures: event.userFeatures?.values,
    topicAffinity: event.userTopicAffinity?.values,
    items: event.items.map((item) => ({
      itemId: item.itemId,
      position: item.position,
      features: item.features !== undefined && Object.keys(item.features.values).length > 0 ? item.features.values : rankedRow(item.itemId),
      topic: item.topic,
    })),
  };
}

/** Why the log holds no value of `inputs` for any row (the error of {@link exportTrainingSetFromLog}), by what they read. */
function neverLogged(inputs: readonly string[], itemFeatures: ReadonlySet<string>): string {
  const reads = inputs.map((name) => ({ name, read: modelInputRead(name) }));
  const named = (kind: string) => reads.filter((r) => r.read.kind === kind).map(({ name, read }) => ('name' in read && read.name !== name ? `${name} (from ${read.name})` : name));
  const parts: string[] = [];
  const topic = named('topic_affinity');
  if (topic.length > 0) parts.push(`${topic.join(', ')}: the user's topic affinity is not in the log (its orchestrator predates ServedEvent.user_topic_affinity, or every page's feature read failed)`);
  const item = named('item');
  if (item.length > 0) parts.push(`${item.join(', ')}: the logged pages carry the item features ${itemFeatures.size > 0 ? [...itemFeatures].sort().join(', ') : '(none)'} only (what the ranking models read)`);
  const user = named('user');
  if (user.length > 0) parts.push(`${user.join(', ')}: no logged page carries these user features`);
  return parts.join('; ');
}

/** The command that writes the same set (meta.json's `source.command`). */
function commandOf(opts: ExportFromLogOptions, inputs: readonly string[], horizonMs: number): string {
  const from = opts.log !== undefined ? `--from-log ${opts.log}` : `--brokers ${(opts.brokers ?? []).join(',')}`;
  const custom = inputs.length !== DEMO_MODEL_INPUTS.length || inputs.some((name, j) => name !== DEMO_MODEL_INPUTS[j]);
  return `npx recsys export-training-set ${from} --out ${opts.out}${custom ? ` --inputs ${inputs.join(',')}` : ''} --horizon-ms ${horizonMs}`;
}

/** What {@link readServedLog} read: the logged impressions joined with their reactions. */
export interface ServedLog {
  joined: ServedImpressionJoin;
  /** Reactions (clicks, saves, shares, hides, dwells) on the engagement topic to a logged page, within the horizon or not. */
  reactions: number;
  /** Messages left out: undecodable served records and engagement events, and events the stream processor refuses. */
  skipped: { served: number; engagement: number; refused: number };
}

/**
 * Reads the served topic and the engagement topic of `source` and joins them ({@link joinServedImpressions}: every item
 * of a page that a client reported showing, its reactions within `horizonMs`, pages within `horizonMs` of the log's end
 * left out). Keeps only the events that can answer a logged page; an event the stream processor refuses
 * ({@link busEventRejection}) does not count. `say` gets a line per topic read.
 *
 * @throws Error when the log directory does not exist.
 */
export async function readServedLog(source: EventLogSource, horizonMs: number, say: (line: string) => void = () => undefined): Promise<ServedLog> {
  const bus = await openEventLog(source, 'recsys-export-training-set');
  const pages: ServedPage[] = [];
  const answers: EngagementEvent[] = [];
  let reactions = 0;
  const skipped = { served: 0, engagement: 0, refused: 0 };
  let endMs = Number.NEGATIVE_INFINITY;
  try {
    await forEachMessage(bus, TOPICS.served, (batch) => {
      for (const m of batch) {
        try {
          pages.push(servedPageOf(ServedEvent.decode(m.value)));
        } catch {
          skipped.served++; // an undecodable record holds no page
        }
      }
    });
    say(`${TOPICS.served}: ${pages.length} pages${skipped.served > 0 ? ` (${skipped.served} undecodable, skipped)` : ''}`);
    // Only the events that can answer a logged page are kept; the log's end is the latest event of any kind.
    const requests = new Set(pages.map((p) => p.requestId));
    let events = 0;
    await forEachMessage(bus, TOPICS.engagement, (batch) => {
      for (const m of batch) {
        let event: EngagementEvent;
        try {
          event = decodeEngagement(m.value);
        } catch {
          skipped.engagement++;
          continue;
        }
        events++;
        if (busEventRejection(event, m.timestampMs) !== undefined) {
          skipped.refused++; // the stream processor dead-letters it: the system never counted it
          continue;
        }
        endMs = Math.max(endMs, event.timestampMs);
        if (!requests.has(event.requestId)) continue;
        answers.push(event);
        if (event.type !== 'impression') reactions++;
      }
    });
    say(`${TOPICS.engagement}: ${events} events, ${answers.length - reactions} impressions and ${reactions} reactions on logged pages${skipped.engagement + skipped.refused > 0 ? ` (${skipped.engagement} undecodable, ${skipped.refused} refused, skipped)` : ''}`);
  } finally {
    await bus.close();
  }
  return { joined: joinServedImpressions(pages, answers, { horizonMs, endMs }), reactions, skipped };
}

/**
 * Writes the multi-task training set of docs/model-card.md from the served-feature log of `opts.log` (or Kafka
 * `opts.brokers`), atomically like the world export:
 *
 * - rows: every item of a served page (topic `recsys.served.v1`) that a client reported showing (an impression event
 *   with the page's request id and the item's id), at its position and the page's time; candidates ranked but not
 *   sent, and pages no client showed, are not rows;
 * - inputs: `opts.inputs` computed by {@link servedModelInputs} from the logged values (item features, user features,
 *   topic affinity, primary topic); a value the log lacks takes its declared default and is counted per input;
 * - labels: the click, save, share, hide and dwell on the engagement topic with the row's (request id, item id), at most
 *   the horizon after the page ({@link readServedLog}); pages within the horizon of the log's end are left out;
 * - split by time 80/10/10; ids.json lists the rows' users and pins in order of first appearance.
 *
 * @throws Error on an unknown input, an input the log holds for no row, an existing directory without `force`, a
 *   missing log directory, or a split without rows.
 */
export async function exportTrainingSetFromLog(opts: ExportFromLogOptions): Promise<LogTrainingSetSummary> {
  const started = Date.now();
  const inputs = opts.inputs ?? DEMO_MODEL_INPUTS;
  inputs.forEach(modelInputSource); // fails on an unknown name before any work
  const horizonMs = opts.horizonMs ?? OUTCOME_HORIZON_MS;
  if (!(Number.isFinite(horizonMs) && horizonMs >= 0)) throw new Error(`export-training-set: --horizon-ms must be a number of ms ≥ 0 (got ${horizonMs})`);
  const out = outputDirectory(opts);
  const { joined, reactions, skipped } = await readServedLog(opts, horizonMs, (line) => {
    if (opts.progress !== false) process.stderr.write(`${line}\n`);
  });

  const rows = joined.examples.length;
  const counts = new Array<number>(inputs.length).fill(0);
  const itemFeatures = new Set<string>();
  const bar = opts.progress === false ? undefined : progressBar('rows   ', rows);
  const examples: JoinedImpression<Float32Array>[] = joined.examples.map(({ record, event, outcomes: answered }, r) => {
    const row = servedModelInputs(inputs, record);
    for (const j of row.defaulted) counts[j]++;
    for (const name of Object.keys(record.item.features ?? {})) itemFeatures.add(name);
    if (r % 5000 === 0) bar?.update(r);
    return { record: Float32Array.from(row.values), event, outcomes: answered };
  });
  bar?.done();
  const never = inputs.filter((_, j) => rows > 0 && counts[j] === rows);
  if (never.length > 0) {
    throw new Error(
      `export-training-set: the log holds no value of ${never.length === 1 ? 'this input' : 'these inputs'} for any row — ${neverLogged(never, itemFeatures)}. ` +
        `A model trained on the declared default in every row would be served real values: leave ${never.length === 1 ? 'it' : 'them'} out of --inputs`,
    );
  }
  const defaulted = Object.fromEntries(inputs.map((name, j) => [name, counts[j]]));

  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  for (const { event } of examples) {
    if (!userIndex.has(event.userId)) userIndex.set(event.userId, userIndex.size);
    if (!itemIndex.has(event.itemId)) itemIndex.set(event.itemId, itemIndex.size);
  }
  const written = writeMultiTaskSet(
    out,
    inputs,
    examples,
    { users: [...userIndex.keys()], items: [...itemIndex.keys()], userIndex, itemIndex },
    {
      what: 'served impression',
      advice: `the log holds too few served pages that a client reported showing (impression events with the page's request id) older than the horizon (${horizonMs} ms before its end)`,
      source: {
        generator: 'served-feature log of a running system',
        log: opts.log ?? `kafka ${(opts.brokers ?? []).join(',')}`,
        join:
          'every item of a served page that a client reported showing (an impression event with its request id and item id), model inputs ' +
          'from the values the service ranked it with; outcomes by (request id, item id) within the horizon after the page; pages within ' +
          'the horizon of the log end left out',
        pages: joined.pages,
        served: joined.served,
        impressions: joined.impressions,
        reactions,
        horizonMs,
        skipped,
        defaulted,
        command: commandOf(opts, inputs, horizonMs),
      },
    },
  );
  return { ...written, impressions: joined.impressions, pages: joined.pages, served: joined.served, defaulted, seconds: (Date.now() - started) / 1000 };
}
