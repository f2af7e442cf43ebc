import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EngagementEvent, ServedEvent, Surface, eventToWire, float32MatrixToWire, type ServedItem } from '@recsys/contracts';
import type { EngagementEvent as DomainEvent, EventType } from '@recsys/domain';
import { ITEM_FEATURES, USER_FEATURES } from '@recsys/features';
import { TOPICS, openFileLogEventBus } from '@recsys/stores';
import { freeDataDir } from '@recsys/testing';
import { TRAINING_TASKS } from './export-training-set';
import { exportTrainingSetFromLog } from './export-training-set-from-log';

const MIN = 60_000;
// A day ago: the bus refuses events from its future, so the log's times lie in the past of the machine running it.
const T0 = Math.floor(Date.now() / MIN) * MIN - 86_400_000;
const PAGES = 20;
const INPUTS = ['item_ctr_smoothed', 'item_log1p_impressions', 'user_topic_affinity', 'user_ctr_smoothed', 'item_quality'];
const ITEM_NAMES = ['item_ctr_smoothed', 'item_impressions', 'item_quality'];

/** The item features page k logged for its item at `position`: values no feature engine would compute from this log. */
const itemValues = (k: number, position: number) => [Math.fround(0.01 * (k + 1) + 0.001 * position), 10 * k + position, Math.fround(0.3 + 0.1 * position)];
const affinityOf = (k: number) => (k >= 5 ? { t1: 0.75, t2: 0.25 } : undefined); // pages 0–4: an orchestrator before the field
const DEGRADED = 7; // the feature read failed: no user or item features logged
const UNSEEN = 9; // served, but no client reported showing it (a benchmark's page)

/**
 * Page k, as the orchestrator logs it: user u(k mod 3), pins p_k, p_k+1, p_k+2 shown (topics t1, t2, t1) and x_k
 * ranked but not shown. Even pages log the shown items' features on the items, odd ones only in the ranked columns.
 */
function servedEvent(k: number): ServedEvent {
  const shown = [`p${k}`, `p${k + 1}`, `p${k + 2}`];
  const ranked = [...shown, `x${k}`];
  const degraded = k === DEGRADED;
  const items: ServedItem[] = shown.map((itemId, position) => ({
    itemId,
    position,
    channels: [],
    features: degraded || k % 2 === 1 ? { values: {}, defaulted: [] } : { values: Object.fromEntries(ITEM_NAMES.map((name, j) => [name, itemValues(k, position)[j]])), defaulted: [] },
    topic: degraded ? '' : position === 1 ? 't2' : 't1',
  }));
  const affinity = affinityOf(k);
  return ServedEvent.fromPartial({
    requestId: `r${k}`,
    userId: `u${k % 3}`,
    surface: Surface.SURFACE_HOME_FEED,
    timestampMs: String(T0 + k * MIN),
    items,
    userFeatures: degraded ? undefined : { values: { user_ctr_smoothed: 0.1 + k / 100 }, defaulted: [] },
    userTopicAffinity: degraded || affinity === undefined ? undefined : { values: affinity },
    userSnapshot: degraded ? undefined : { asOfMs: String(T0 + k * MIN), positions: [] },
    itemSnapshot: degraded ? undefined : { asOfMs: String(T0 + k * MIN), positions: [] },
    itemFeatureNames: degraded ? [] : ITEM_NAMES,
    rankedItemIds: degraded ? [] : ranked,
    rankedValues: degraded ? undefined : float32MatrixToWire(ranked.length, 3, Float32Array.from(ranked.flatMap((_, r) => (r < 3 ? itemValues(k, r) : [0.9, 999, 0.9])))),
  });
}

let n = 0;
const reaction = (k: number, itemId: string, type: EventType, atMs: number, dwellMs = 0): DomainEvent => ({
  eventId: `e${n++}`, userId: `u${k % 3}`, itemId, type, timestampMs: atMs, dwellMs, requestId: `r${k}`, position: 0, surface: 'home_feed', boardId: '',
});

/**
 * What the client of page k sent: an impression per pin (none for the unseen page), a click and 3 s of dwell on the
 * first pin, a save on the second of even pages, and events that do not count.
 */
function reactions(k: number): DomainEvent[] {
  const at = T0 + k * MIN;
  const shown = k === UNSEEN ? [] : [0, 1, 2].map((position) => reaction(k, `p${k + position}`, 'impression', at + 100 + 30 * position));
  const events = [...shown, reaction(k, `p${k}`, 'click', at + 2000), reaction(k, `p${k}`, 'dwell', at + 5000, 3000)];
  if (k % 2 === 0) events.push(reaction(k, `p${k + 1}`, 'save', at + 3000));
  events.push(reaction(k, `x${k}`, 'click', at + 2500)); // a candidate that was not shown: no row to join
  events.push(reaction(k, `p${k + 2}`, 'hide', at + 2600, 50)); // a dwell on a hide: the stream processor refuses it
  if (k === 0) events.push(reaction(k, `p${k + 2}`, 'share', at + 2 * MIN)); // after the 1 min horizon
  return events;
}

const f32 = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

describe('export-training-set --from-log (a served-feature log written like the orchestrator writes it)', () => {
  const dir = freeDataDir('recsys-served-set');
  const bus = join(dir, 'bus');

  beforeAll(async () => {
    const log = await openFileLogEventBus(bus);
    const pages = Array.from({ length: PAGES }, (_, k) => servedEvent(k));
    await log.publish(TOPICS.served, pages.map((e) => ({ key: e.userId, value: ServedEvent.encode(e).finish() })));
    await log.publish(TOPICS.served, [{ key: 'u0', value: ServedEvent.encode(pages[3]).finish() }]); // redelivered
    const events = Array.from({ length: PAGES }, (_, k) => reactions(k)).flat();
    await log.publish(TOPICS.engagement, events.map((e) => ({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() })));
    await log.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a row per item a client showed, the logged values as inputs, joined labels, defaults counted, split by time', async () => {
    const out = join(dir, 'set');
    const summary = await exportTrainingSetFromLog({ log: bus, out, inputs: INPUTS, horizonMs: MIN, progress: false });
    // Page 19 lies within the horizon of the log's end (its last reaction, 19 min 5 s): left out; page 9 no client showed.
    const kept = Array.from({ length: PAGES - 1 }, (_, k) => k).filter((k) => k !== UNSEEN);
    const rows = 3 * kept.length;
    const split = { train: 3 * 14, validation: 6, test: 6 }; // pages 0–14 but 9 | 15, 16 | 17, 18: cut at 80% and 90% of 18 min
    expect(summary).toMatchObject({ rows, pages: PAGES, served: 3 * PAGES, impressions: 3 * (PAGES - 1), split });
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta).toMatchObject({ format: 'recsys-training-set/1', rows, features: INPUTS, split: { ...split, by: 'time' } });
    expect(meta.source).toMatchObject({ generator: 'served-feature log of a running system', log: bus, pages: PAGES, served: 3 * PAGES, impressions: 3 * (PAGES - 1), horizonMs: MIN });
    // Per input, the rows whose value the log did not hold: the degraded page's 3 for each, and the topic affinity of
    // pages 0–4 too.
    const defaulted = { item_ctr_smoothed: 3, item_log1p_impressions: 3, user_topic_affinity: 18, user_ctr_smoothed: 3, item_quality: 3 };
    expect(meta.source.defaulted).toEqual(defaulted);
    expect(summary.defaulted).toEqual(defaulted);
    expect(meta.source.command).toBe(`npx recsys export-training-set --from-log ${bus} --out ${out} --inputs ${INPUTS.join(',')} --horizon-ms ${MIN}`);

    const features = f32(join(out, 'features.f32'));
    const labels = f32(join(out, 'labels.f32'));
    const tb = readFileSync(join(out, 'time.f64'));
    const time = new Float64Array(tb.buffer, tb.byteOffset, rows);
    const kb = readFileSync(join(out, 'keys.u32'));
    const keys = new Uint32Array(kb.buffer, kb.byteOffset, kb.byteLength / 4);
    const ids = JSON.parse(readFileSync(join(out, 'ids.json'), 'utf8'));
    expect(ids.users).toEqual(['u0', 'u1', 'u2']);
    expect(ids.items).toEqual(Array.from({ length: PAGES + 1 }, (_, i) => `p${i}`)); // never x_k: ranked, not sent
    const width = INPUTS.length;
    const tasks = TRAINING_TASKS.length;
    kept.forEach((k, page) => {
      for (let position = 0; position < 3; position++) {
        const r = 3 * page + position;
        expect([r, time[r], ids.users[keys[r * 3]], ids.items[keys[r * 3 + 1]], keys[r * 3 + 2]]).toEqual([r, T0 + k * MIN, `u${k % 3}`, `p${k + position}`, page]);
        // The inputs are the logged values (from the item's entry on even pages, its ranked row on odd ones), not recomputed.
        const [ctr, impressions, quality] = k === DEGRADED ? [ITEM_FEATURES.item_ctr_smoothed, ITEM_FEATURES.item_impressions, ITEM_FEATURES.item_quality] : itemValues(k, position);
        const affinity = affinityOf(k) === undefined || k === DEGRADED ? 0 : position === 1 ? 0.25 : 0.75;
        const userCtr = k === DEGRADED ? USER_FEATURES.user_ctr_smoothed : 0.1 + k / 100;
        const expected = Float32Array.from([ctr, Math.log1p(impressions), affinity, userCtr, quality]);
        expect([r, Array.from(features.subarray(r * width, (r + 1) * width))]).toEqual([r, Array.from(expected)]);
        // Labels: the click and 3 s dwell on the first pin, the save on the second of even pages; nothing else counts.
        const label = Array.from(labels.subarray(r * tasks, (r + 1) * tasks));
        const want = position === 0 ? [1, 0, 0, 0, Math.fround(Math.log1p(3))] : position === 1 && k % 2 === 0 ? [0, 1, 0, 0, 0] : [0, 0, 0, 0, 0];
        expect([r, label]).toEqual([r, want]);
      }
    });
    expect(summary.positiveRate).toEqual({ click: kept.length / rows, save: 10 / rows, share: 0, hide: 0 });
  });

  it('refuses an input the log holds for no row, naming it and what the log holds, and a log without impressions, writing nothing', async () => {
    const out = join(dir, 'refused');
    await expect(exportTrainingSetFromLog({ log: bus, out, inputs: ['item_ctr_smoothed', 'item_hide_rate_smoothed', 'user_dwell_ms_mean'], horizonMs: MIN, progress: false })).rejects.toThrow(
      /no value of these inputs for any row — item_hide_rate_smoothed: the logged pages carry the item features item_ctr_smoothed, item_impressions, item_quality only \(what the ranking models read\); user_dwell_ms_mean: no logged page carries these user features\. .*leave them out of --inputs/,
    );
    // A log of pages 0–4 (written before the topic affinity was logged) that no client reported showing: no rows.
    const older = join(dir, 'older-bus');
    let log = await openFileLogEventBus(older);
    await log.publish(TOPICS.served, [0, 1, 2, 3, 4].map((k) => ({ key: 'u', value: ServedEvent.encode(servedEvent(k)).finish() })));
    await log.close();
    await expect(exportTrainingSetFromLog({ log: older, out, inputs: INPUTS, horizonMs: 0, progress: false })).rejects.toThrow(
      /no served impression to write; the log holds too few served pages that a client reported showing/,
    );
    // Shown: the topic affinity is the input it cannot provide.
    log = await openFileLogEventBus(older);
    await log.publish(TOPICS.engagement, [0, 1, 2, 3, 4].flatMap(reactions).map((e) => ({ key: e.userId, value: EngagementEvent.encode(eventToWire(e)).finish() })));
    await log.close();
    await expect(exportTrainingSetFromLog({ log: older, out, inputs: INPUTS, horizonMs: MIN, progress: false })).rejects.toThrow(
      /no value of this input for any row — user_topic_affinity: the user's topic affinity is not in the log \(its orchestrator predates ServedEvent.user_topic_affinity, or every page's feature read failed\)\. .*leave it out/,
    );
    await expect(exportTrainingSetFromLog({ log: join(dir, 'nope'), out, inputs: INPUTS, progress: false })).rejects.toThrow(/nope: no such event bus directory/);
    await expect(exportTrainingSetFromLog({ log: bus, out, inputs: ['item_colour'], progress: false })).rejects.toThrow(/unknown model input "item_colour"/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(join(dir, 'nope'))).toBe(false);
    expect(readdirSync(dir).filter((name) => name.includes('.tmp'))).toEqual([]);
  });
});
