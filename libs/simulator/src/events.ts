/** Simulates a time-ordered engagement event stream: sessions of logged pages and the users' reactions. */
import { EngagementEvent, EventType, RecsysError } from '@recsys/domain';
import { compile, CompiledWorld } from './compiled';
import { emptyEngagement, engagementAt } from './engagement';
import { createRandom, deriveSeed, lowerBound, sampleCumulative, SimRandom, upperBound } from './random';
import type { World } from './world';

/** Options of {@link simulateEvents}. */
export interface SimulateEventsOptions {
  /** Seed of the stream; also part of every event id (`ev_<seed>_<n>`) and request id (`req_<seed>_<n>`). */
  seed: number;
  /** Exact number of events to produce. */
  events: number;
  /** Earliest event time, ms since the epoch (default: the world's start). */
  startMs?: number;
  /** Every event is earlier than this, ms since the epoch (default: the world's end). */
  endMs?: number;
  /** Pins per logged page (default 10). */
  pageSize?: number;
}

/**
 * The logging policy that fills each page slot, documented so that the propensity of any shown pin can be
 * recomputed: with probability 0.6 an interest draw (a topic from the user's true interest mixture, then a
 * pin of that topic with weight 0.2 + quality), with 0.25 a popularity draw (weight (0.1 + quality)² ·
 * (0.5 + creator quality)), with 0.15 a uniform exploration draw. Only safe pins created at or before the
 * session start are eligible; duplicates within a page are redrawn. Slots are filled in draw order, so
 * position is independent of relevance and the position bias is identifiable from the log.
 */
export const LOGGING_POLICY = Object.freeze({
  interestShare: 0.6,
  popularityShare: 0.25,
  explorationShare: 0.15,
});

/** Session timing, ms: impressions are 30 ms apart, then 0.5–3 s of browsing before each reaction. */
const IMPRESSION_STEP_MS = 30;
const BROWSE_MIN_MS = 500;
const BROWSE_SPAN_MS = 2500;
/** Close-up dwell is log-normal around the model's mean (sigma 0.8), clamped to [0.5 s, 2 min]. */
const DWELL_SIGMA = 0.8;
const DWELL_MIN_MS = 500;
const DWELL_MAX_MS = 120_000;
const SURFACE = 'home_feed';

/** The longest a session of `pageSize` pins can last, in ms: every event of it is within this of its start. */
export function maxSessionSpanMs(pageSize: number): number {
  return pageSize * (IMPRESSION_STEP_MS + BROWSE_MIN_MS + BROWSE_SPAN_MS + DWELL_MAX_MS);
}

/**
 * Simulates `events` engagement events, in non-decreasing timestamp order, between `startMs` and `endMs`.
 *
 * Sessions start as a Poisson process whose rate adapts to the events still to produce, so the stream spans
 * the window whatever the count. Each session: a user, drawn by activity among users signed up by then,
 * is shown one page (see {@link LOGGING_POLICY}); an `impression` per pin (position 0..page−1), then, pin by
 * pin, a reaction drawn from the true model ({@link engagementProbabilities}): `hide`, or `click` followed by
 * an optional `save` (board `board_<user>_<primary topic>`), an optional `share` and a `dwell` event carrying
 * the close-up time; or nothing. Sessions interleave in time; events of one session share a request id.
 *
 * A generator: memory stays bounded by the sessions active at one time, not by `events`. Deterministic for a
 * world and options. Validation happens on the call, before the first event.
 *
 * @throws RecsysError (bad-request) naming the option that is out of range, or `endMs` when no user or safe
 *   pin exists early enough in the window.
 */
export function simulateEvents(world: World, opts: SimulateEventsOptions): Generator<EngagementEvent> {
  if (!Number.isSafeInteger(opts.seed)) throw RecsysError.badRequest('seed', 'must be an integer');
  if (!Number.isSafeInteger(opts.events) || opts.events < 0) throw RecsysError.badRequest('events', 'must be an integer >= 0');
  const pageSize = opts.pageSize ?? 10;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw RecsysError.badRequest('pageSize', 'must be an integer in [1, 1000]');
  }
  const startMs = opts.startMs ?? world.startMs;
  const endMs = opts.endMs ?? world.endMs;
  if (!Number.isSafeInteger(startMs)) throw RecsysError.badRequest('startMs', 'must be an integer (ms since the epoch)');
  if (!Number.isSafeInteger(endMs)) throw RecsysError.badRequest('endMs', 'must be an integer (ms since the epoch)');
  const lastSessionStart = endMs - 1 - maxSessionSpanMs(pageSize);
  if (lastSessionStart <= startMs) {
    throw RecsysError.badRequest('endMs', `must be more than ${maxSessionSpanMs(pageSize)} ms after startMs (one session)`);
  }
  const sampler = samplerOf(world);
  if (opts.events > 0) {
    if (upperBound(sampler.userSignup, lastSessionStart) === 0) {
      throw RecsysError.badRequest('endMs', 'no user of the world has signed up before the window ends');
    }
    if (upperBound(sampler.safeCreated, lastSessionStart) === 0) {
      throw RecsysError.badRequest('endMs', 'no safe pin of the world is created before the window ends');
    }
  }
  return run(world, sampler, { seed: opts.seed, events: opts.events, startMs, lastSessionStart, pageSize });
}

interface RunOptions {
  seed: number;
  events: number;
  startMs: number;
  lastSessionStart: number;
  pageSize: number;
}

type PendingEvent = Omit<EngagementEvent, 'eventId'> & { seq: number };

function* run(world: World, sampler: Sampler, opts: RunOptions): Generator<EngagementEvent> {
  const { seed, events: target, pageSize } = opts;
  const rng = createRandom(deriveSeed(seed, 'events'));
  const compiled = sampler.compiled;
  const scratch = emptyEngagement();
  const heap = new EventHeap();
  const page: number[] = [];
  let emitted = 0;
  let seq = 0;
  let sessions = 0;
  let sessionEvents = 0;
  let time = opts.startMs;

  const emit = (e: PendingEvent): EngagementEvent => ({
    eventId: `ev_${seed}_${emitted++}`,
    userId: e.userId,
    itemId: e.itemId,
    type: e.type,
    timestampMs: e.timestampMs,
    dwellMs: e.dwellMs,
    requestId: e.requestId,
    position: e.position,
    surface: e.surface,
    boardId: e.boardId,
  });

  while (emitted < target) {
    if (emitted + heap.size >= target) {
      // Enough events are scheduled: drain in time order up to the exact count.
      yield emit(heap.pop());
      continue;
    }
    const perSession = sessions > 0 ? sessionEvents / sessions : pageSize * 1.2;
    const sessionsLeft = Math.max(1, (target - emitted - heap.size) / perSession);
    const timeLeft = opts.lastSessionStart - time;
    time += Math.min(rng.exponential(timeLeft / sessionsLeft), timeLeft);
    const t0 = Math.floor(time);
    // Everything scheduled up to the new session's start goes out first; later events keep waiting.
    while (heap.size > 0 && heap.peek().timestampMs <= t0 && emitted < target) yield emit(heap.pop());
    if (emitted >= target) break;

    const userCount = upperBound(sampler.userSignup, t0);
    const pinCount = upperBound(sampler.safeCreated, t0);
    if (userCount === 0 || pinCount === 0) continue;
    const u = sampler.userOrder[sampleCumulative(sampler.userActivityCum, userCount, rng.next())];
    fillPage(sampler, rng, u, pinCount, pageSize, page);
    const requestId = `req_${seed}_${sessions}`;
    const userId = world.users[u].id;
    sessions++;
    const base = { userId, requestId, surface: SURFACE, dwellMs: 0, boardId: '' };
    const push = (type: EventType, p: number, position: number, timestampMs: number, extra?: Partial<PendingEvent>): void => {
      heap.push({ ...base, type, itemId: world.pins[p].id, position, timestampMs, seq: seq++, ...extra });
      sessionEvents++;
    };
    page.forEach((p, position) => push('impression', p, position, t0 + position * IMPRESSION_STEP_MS));
    let cursor = t0 + page.length * IMPRESSION_STEP_MS;
    page.forEach((p, position) => {
      cursor += BROWSE_MIN_MS + rng.int(BROWSE_SPAN_MS);
      engagementAt(compiled, u, p, position, scratch);
      const draw = rng.next();
      if (draw < scratch.hide) {
        push('hide', p, position, cursor);
      } else if (draw < scratch.hide + scratch.click) {
        push('click', p, position, cursor);
        const dwell = sampleDwell(rng, scratch.dwellMeanMs);
        if (rng.next() < scratch.saveGivenClick) {
          const topic = world.pins[p].topics[0] ?? 'none';
          push('save', p, position, cursor + Math.round(dwell * 0.5), { boardId: `board_${userId}_${topic}` });
        }
        if (rng.next() < scratch.shareGivenClick) push('share', p, position, cursor + Math.round(dwell * 0.75));
        push('dwell', p, position, cursor + dwell, { dwellMs: dwell });
        cursor += dwell;
      }
    });
  }
}

function sampleDwell(rng: SimRandom, meanMs: number): number {
  // Log-normal with the given mean: exp(mu + sigma z) with mu = ln(mean) - sigma^2 / 2.
  const value = meanMs * Math.exp(DWELL_SIGMA * rng.normal() - (DWELL_SIGMA * DWELL_SIGMA) / 2);
  return Math.min(DWELL_MAX_MS, Math.max(DWELL_MIN_MS, Math.round(value)));
}

/** Fills `page` with up to `pageSize` distinct eligible pins drawn by the logging policy. */
function fillPage(s: Sampler, rng: SimRandom, u: number, eligible: number, pageSize: number, page: number[]): void {
  page.length = 0;
  const size = Math.min(pageSize, eligible);
  const topicCount = s.compiled.topicCount;
  for (let attempt = 0; page.length < size && attempt < size * 20; attempt++) {
    const x = rng.next();
    let slot: number;
    if (x < LOGGING_POLICY.explorationShare) {
      slot = rng.int(eligible);
    } else if (x < LOGGING_POLICY.explorationShare + LOGGING_POLICY.popularityShare) {
      slot = sampleCumulative(s.popularityCum, eligible, rng.next());
    } else {
      const row = s.userInterestCum.subarray(u * topicCount, (u + 1) * topicCount);
      const topic = sampleCumulative(row, topicCount, rng.next());
      const list = s.topicSlots[topic];
      const count = lowerBound(list, eligible);
      slot = count > 0 ? list[sampleCumulative(s.topicCum[topic], count, rng.next())] : sampleCumulative(s.popularityCum, eligible, rng.next());
    }
    const pin = s.safePins[slot];
    if (!page.includes(pin)) page.push(pin);
  }
}

/** Sampling structures of a world, ordered by time so "eligible at t" is always a prefix. */
interface Sampler {
  compiled: CompiledWorld;
  /** Safe pin indexes in creation order, their creation times and prefix sums of popularity weights. */
  safePins: Int32Array;
  safeCreated: Float64Array;
  popularityCum: Float64Array;
  /** Per topic: ascending positions in `safePins` of the pins with that topic, and prefix sums of weights. */
  topicSlots: Int32Array[];
  topicCum: Float64Array[];
  /** User indexes in sign-up order, their sign-up times and prefix sums of activity. */
  userOrder: Int32Array;
  userSignup: Float64Array;
  userActivityCum: Float64Array;
  /** users × topics prefix sums of interests, row-major. */
  userInterestCum: Float64Array;
}

const samplers = new WeakMap<World, Sampler>();

function samplerOf(world: World): Sampler {
  const cached = samplers.get(world);
  if (cached) return cached;
  const compiled = compile(world);
  const pinOrder = world.pins.map((_, i) => i).sort((a, b) => compiled.pinCreatedAt[a] - compiled.pinCreatedAt[b] || a - b);
  const safe = pinOrder.filter((p) => compiled.pinUnsafe[p] === 0);
  const safePins = Int32Array.from(safe);
  const safeCreated = Float64Array.from(safe, (p) => compiled.pinCreatedAt[p]);
  const popularityCum = prefixSums(safe.map((p) => (0.1 + compiled.pinQuality[p]) ** 2 * (0.5 + compiled.pinCreatorQuality[p])));
  const slotsByTopic: number[][] = world.topics.map(() => []);
  const weightsByTopic: number[][] = world.topics.map(() => []);
  safe.forEach((p, slot) => {
    for (let k = compiled.pinTopicStart[p]; k < compiled.pinTopicStart[p + 1]; k++) {
      slotsByTopic[compiled.pinTopics[k]].push(slot);
      weightsByTopic[compiled.pinTopics[k]].push(0.2 + compiled.pinQuality[p]);
    }
  });
  const userOrder = world.users.map((_, i) => i).sort((a, b) => world.users[a].signupAtMs - world.users[b].signupAtMs || a - b);
  const topicCount = compiled.topicCount;
  const userInterestCum = new Float64Array(world.users.length * topicCount);
  for (let u = 0; u < world.users.length; u++) {
    let total = 0;
    for (let t = 0; t < topicCount; t++) {
      total += compiled.userInterests[u * topicCount + t];
      userInterestCum[u * topicCount + t] = total;
    }
  }
  const sampler: Sampler = {
    compiled,
    safePins,
    safeCreated,
    popularityCum,
    topicSlots: slotsByTopic.map((slots) => Int32Array.from(slots)),
    topicCum: weightsByTopic.map(prefixSums),
    userOrder: Int32Array.from(userOrder),
    userSignup: Float64Array.from(userOrder, (u) => world.users[u].signupAtMs),
    userActivityCum: prefixSums(userOrder.map((u) => world.userLatents[u].activity)),
    userInterestCum,
  };
  samplers.set(world, sampler);
  return sampler;
}

function prefixSums(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => (out[i] = total += w));
  return out;
}

/** Binary min-heap of pending events by (timestamp, sequence): time order, ties in creation order. */
class EventHeap {
  private readonly items: PendingEvent[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): PendingEvent {
    return this.items[0];
  }

  push(item: PendingEvent): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): PendingEvent {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as PendingEvent;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < items.length && before(items[left], items[smallest])) smallest = left;
        if (right < items.length && before(items[right], items[smallest])) smallest = right;
        if (smallest === i) break;
        [items[i], items[smallest]] = [items[smallest], items[i]];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: PendingEvent, b: PendingEvent): boolean {
  return a.timestampMs < b.timestampMs || (a.timestampMs === b.timestampMs && a.seq < b.seq);
}
