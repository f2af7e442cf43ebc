/** Simulates sessions under any policy: pages shown to simulated users, their reactions as a time-ordered event stream. */
import { EngagementEvent, EventType, RecsysError } from '@recsys/domain';
import { bestBoardAt } from './boards';
import type { CompiledWorld } from './compiled';
import { createUserState, emptyEngagement, engagementAt, prepareUser, type UserState } from './engagement';
import { loggingPolicy } from './policies/logging';
import { PageResolver, Policy } from './policies/policy';
import { createRandom, deriveSeed, sampleCumulative, upperBound, type SimRandom } from './random';
import { CLICK, DWELL_MAX_MS, emptyResponse, HIDE, sampleResponse } from './response';
import { samplerOf } from './sampler';
import type { World } from './world';

/** `Math`, looked up once: global lookups are slow inside vm contexts (jest), and these loops run there too. */
const math = Math;

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

/** Options of {@link simulateSessions}. */
export interface SimulateSessionsOptions {
  /** Seed of the stream; also part of every event id (`ev_<seed>_<n>`) and request id (`req_<seed>_<n>`). */
  seed: number;
  /** Number of sessions (page requests) to simulate. */
  sessions: number;
  /** Pins per page (default 10). */
  pageSize?: number;
  /** Earliest session start, ms since the epoch (default: the world's start). */
  startMs?: number;
  /** Every event is earlier than this, ms since the epoch (default: the world's end). */
  endMs?: number;
}

/** Session timing, ms: impressions are 30 ms apart, then 0.5–3 s of browsing before each reaction. */
const IMPRESSION_STEP_MS = 30;
const BROWSE_MIN_MS = 500;
const BROWSE_SPAN_MS = 2500;
const SURFACE = 'home_feed';
/** Consecutive empty pages after which an event-count run gives up instead of looping forever. */
const MAX_EMPTY_PAGES = 100_000;

/** Event types by their internal code. */
const TYPES: readonly EventType[] = ['impression', 'click', 'save', 'share', 'hide', 'dwell'];
const IMPRESSION = 0;
const CLICK_EVENT = 1;
const SAVE_EVENT = 2;
const SHARE_EVENT = 3;
const HIDE_EVENT = 4;
const DWELL_EVENT = 5;

/** The longest a session of `pageSize` pins can last, in ms: every event of it is within this of its start. */
export function maxSessionSpanMs(pageSize: number): number {
  return pageSize * (IMPRESSION_STEP_MS + BROWSE_MIN_MS + BROWSE_SPAN_MS + DWELL_MAX_MS);
}

/**
 * Simulates `sessions` sessions of `policy`, as engagement events in non-decreasing timestamp order between
 * `startMs` and `endMs`.
 *
 * Sessions start as a Poisson process spread over the window. Each session: a user, drawn by activity among
 * users signed up by then, asks the policy for one page (`ctx.sessionIndex` = the session's number n, also
 * in its request id `req_<seed>_<n>`); the page is resolved by the rules of {@link Policy}; an `impression`
 * per pin (position 0..page−1, 30 ms apart), then, pin by pin after 0.5–3 s of browsing, a reaction drawn
 * from the true model at the session's time with the fatigue of the page's earlier pins
 * ({@link engagementProbabilities}): `hide`, or `click` followed by an optional `save` (on the user's
 * {@link bestBoard} for the pin), an optional `share` and a `dwell` event carrying the close-up time; or
 * nothing. Sessions interleave in time; events of one session share a request id. A session whose page is
 * empty produces no events but counts.
 *
 * A generator: memory stays bounded by the sessions active at one time, not by the number of sessions; no
 * allocation per event beyond the event object itself. Deterministic for a world, policy and options.
 * Validation happens on the call, before the first event.
 *
 * @throws RecsysError (bad-request) naming the option that is out of range, or `endMs` when no user exists
 *   early enough in the window; (not-found) while iterating, when the policy returns an unknown pin id.
 */
export function simulateSessions(world: World, policy: Policy, opts: SimulateSessionsOptions): Generator<EngagementEvent> {
  if (!Number.isSafeInteger(opts.sessions) || opts.sessions < 0) throw RecsysError.badRequest('sessions', 'must be an integer >= 0');
  const spec = resolveWindow(world, opts.seed, opts.pageSize, opts.startMs, opts.endMs, opts.sessions > 0, false);
  return run(world, policy, { ...spec, target: opts.sessions, countEvents: false });
}

/**
 * Simulates exactly `events` engagement events: sessions of the logging policy (`LOGGING_POLICY`, seeded by
 * `seed`) as in {@link simulateSessions}, with a session rate that adapts to the events still to produce so
 * the stream spans the window whatever the count; the last session may be cut at the exact count.
 *
 * @throws RecsysError (bad-request) naming the option that is out of range, or `endMs` when no user or safe
 *   pin exists early enough in the window.
 */
export function simulateEvents(world: World, opts: SimulateEventsOptions): Generator<EngagementEvent> {
  if (!Number.isSafeInteger(opts.events) || opts.events < 0) throw RecsysError.badRequest('events', 'must be an integer >= 0');
  const spec = resolveWindow(world, opts.seed, opts.pageSize, opts.startMs, opts.endMs, opts.events > 0, true);
  return run(world, loggingPolicy(world, deriveSeed(opts.seed, 'logging')), { ...spec, target: opts.events, countEvents: true });
}

interface RunSpec {
  seed: number;
  pageSize: number;
  startMs: number;
  lastSessionStart: number;
  /** Events (countEvents) or sessions to produce. */
  target: number;
  countEvents: boolean;
}

function resolveWindow(
  world: World,
  seed: number,
  pageSizeOpt: number | undefined,
  startOpt: number | undefined,
  endOpt: number | undefined,
  nonEmpty: boolean,
  needSafePins: boolean,
): Omit<RunSpec, 'target' | 'countEvents'> {
  if (!Number.isSafeInteger(seed)) throw RecsysError.badRequest('seed', 'must be an integer');
  const pageSize = pageSizeOpt ?? 10;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
    throw RecsysError.badRequest('pageSize', 'must be an integer in [1, 1000]');
  }
  const startMs = startOpt ?? world.startMs;
  const endMs = endOpt ?? world.endMs;
  if (!Number.isSafeInteger(startMs)) throw RecsysError.badRequest('startMs', 'must be an integer (ms since the epoch)');
  if (!Number.isSafeInteger(endMs)) throw RecsysError.badRequest('endMs', 'must be an integer (ms since the epoch)');
  const lastSessionStart = endMs - 1 - maxSessionSpanMs(pageSize);
  if (lastSessionStart <= startMs) {
    throw RecsysError.badRequest('endMs', `must be more than ${maxSessionSpanMs(pageSize)} ms after startMs (one session)`);
  }
  if (nonEmpty) {
    const sampler = samplerOf(world);
    if (upperBound(sampler.userSignup, lastSessionStart) === 0) {
      throw RecsysError.badRequest('endMs', 'no user of the world has signed up before the window ends');
    }
    if (needSafePins && upperBound(sampler.safeCreated, lastSessionStart) === 0) {
      throw RecsysError.badRequest('endMs', 'no safe pin of the world is created before the window ends');
    }
  }
  return { seed, pageSize, startMs, lastSessionStart };
}

function* run(world: World, policy: Policy, spec: RunSpec): Generator<EngagementEvent> {
  const { seed, pageSize, target, countEvents } = spec;
  const sampler = samplerOf(world);
  const c = sampler.compiled;
  const rng = createRandom(deriveSeed(seed, 'events'));
  const resolver = new PageResolver(world, policy);
  const user = createUserState(c);
  const scratch = reactionScratch(c);
  const pending = new PendingEvents();
  const page: number[] = [];
  let emitted = 0;
  let sessions = 0;
  let sessionEvents = 0;
  let emptyPages = 0;
  let time = spec.startMs;

  const emit = (): EngagementEvent => {
    const slot = pending.pop();
    const board = pending.board[slot];
    return {
      eventId: `ev_${seed}_${emitted++}`,
      userId: pending.userId[slot],
      itemId: world.pins[pending.pin[slot]].id,
      type: TYPES[pending.type[slot]],
      timestampMs: pending.time[slot],
      dwellMs: pending.dwell[slot],
      requestId: pending.requestId[slot],
      position: pending.position[slot],
      surface: SURFACE,
      boardId: board >= 0 ? world.boards[board].id : '',
    };
  };

  for (;;) {
    if (countEvents) {
      if (emitted >= target) return;
      if (emitted + pending.size >= target) {
        // Enough events are scheduled: drain in time order up to the exact count.
        yield emit();
        continue;
      }
    } else if (sessions >= target) {
      while (pending.size > 0) yield emit();
      return;
    }
    const unitsLeft = countEvents
      ? (target - emitted - pending.size) / (sessionEvents > 0 ? sessionEvents / sessions : pageSize * 1.2)
      : target - sessions;
    const timeLeft = spec.lastSessionStart - time;
    time += math.min(rng.exponential(timeLeft / math.max(1, unitsLeft)), timeLeft);
    const t0 = math.floor(time);
    // Everything scheduled up to the new session's start goes out first; later events keep waiting.
    while (pending.size > 0 && pending.peekTime() <= t0 && !(countEvents && emitted >= target)) yield emit();
    if (countEvents && emitted >= target) return;

    const userCount = upperBound(sampler.userSignup, t0);
    if (userCount === 0) continue;
    const u = sampler.userOrder[sampleCumulative(sampler.userActivityCum, userCount, rng.next())];
    const sessionIndex = sessions++;
    resolver.fill(u, { nowMs: t0, pageSize, sessionIndex }, page);
    if (page.length === 0) {
      if (countEvents && ++emptyPages >= MAX_EMPTY_PAGES) {
        throw new RecsysError('internal', `policy ${policy.name} returned ${MAX_EMPTY_PAGES} empty pages in a row: cannot produce ${target} events`);
      }
      continue;
    }
    emptyPages = 0;
    const requestId = `req_${seed}_${sessionIndex}`;
    const userId = world.users[u].id;
    prepareUser(c, u, t0, user);
    sessionEvents += reactToPage(c, u, user, page, t0, rng, scratch, (type, p, position, timeMs, dwellMs, board) =>
      pending.push(type, p, position, timeMs, dwellMs, board, userId, requestId),
    );
  }
}

/** Receives one session event: its type (an index into {@link EVENT_TYPE_ORDER}), pin, position, time, dwell and board (−1: none). */
export type SessionEventSink = (type: number, pin: number, position: number, timeMs: number, dwellMs: number, board: number) => void;

/** Event types by the code a {@link SessionEventSink} receives. */
export const EVENT_TYPE_ORDER = TYPES;

/** Reusable buffers of {@link reactToPage}. */
export interface ReactionScratch {
  engagement: ReturnType<typeof emptyEngagement>;
  response: ReturnType<typeof emptyResponse>;
  topicCounts: Int32Array;
}

/** Buffers for {@link reactToPage} on a compiled world. */
export function reactionScratch(c: CompiledWorld): ReactionScratch {
  return { engagement: emptyEngagement(), response: emptyResponse(), topicCounts: new Int32Array(c.topicCount) };
}

/**
 * A session of prepared user u (state prepared at `t0`) shown `page` (pin indexes, in order) at `t0`: an `impression`
 * per pin (30 ms apart), then pin by pin, after 0.5–3 s of browsing, a reaction drawn from the true model with the
 * fatigue of the page's earlier pins — `hide`, or `click` then an optional `save` (on the user's best board), an
 * optional `share` and a `dwell`, or nothing. Events go to `sink` in time order (each reaction starts after the
 * previous one's dwell). Returns the number of events. The one session model of {@link simulateSessions} and the closed loop.
 */
export function reactToPage(c: CompiledWorld, u: number, user: UserState, page: readonly number[], t0: number, rng: SimRandom, scratch: ReactionScratch, sink: SessionEventSink): number {
  const { engagement, response, topicCounts } = scratch;
  topicCounts.fill(0);
  for (let position = 0; position < page.length; position++) sink(IMPRESSION, page[position], position, t0 + position * IMPRESSION_STEP_MS, 0, -1);
  let events = page.length;
  let cursor = t0 + page.length * IMPRESSION_STEP_MS;
  for (let position = 0; position < page.length; position++) {
    const p = page[position];
    cursor += BROWSE_MIN_MS + rng.int(BROWSE_SPAN_MS);
    const primary = c.pinPrimary[p];
    engagementAt(c, user, p, position, primary >= 0 ? topicCounts[primary]++ : 0, engagement);
    sampleResponse(rng, engagement, response);
    if (response.kind === HIDE) {
      sink(HIDE_EVENT, p, position, cursor, 0, -1);
      events++;
    } else if (response.kind === CLICK) {
      const dwell = response.dwellMs;
      sink(CLICK_EVENT, p, position, cursor, 0, -1);
      if (response.save) sink(SAVE_EVENT, p, position, cursor + math.round(dwell * 0.5), 0, bestBoardAt(c, u, p));
      if (response.share) sink(SHARE_EVENT, p, position, cursor + math.round(dwell * 0.75), 0, -1);
      sink(DWELL_EVENT, p, position, cursor + dwell, dwell, -1);
      events += 2 + (response.save ? 1 : 0) + (response.share ? 1 : 0);
      cursor += dwell;
    }
  }
  return events;
}

/**
 * Pending events as a struct of typed arrays (slots reused through a free list) with a binary min-heap of
 * slots by (timestamp, sequence): time order, ties in scheduling order. No allocation per event.
 */
class PendingEvents {
  time = new Float64Array(256);
  type = new Uint8Array(256);
  pin = new Int32Array(256);
  position = new Int32Array(256);
  dwell = new Int32Array(256);
  board = new Int32Array(256);
  userId: string[] = [];
  requestId: string[] = [];
  size = 0;
  private seq = new Float64Array(256);
  private heap = new Int32Array(256);
  private free = new Int32Array(256);
  private freeCount = 0;
  private slots = 0;
  private nextSeq = 0;

  push(type: number, pin: number, position: number, timeMs: number, dwell: number, board: number, userId: string, requestId: string): void {
    let slot: number;
    if (this.freeCount > 0) {
      slot = this.free[--this.freeCount];
    } else {
      if (this.slots === this.time.length) this.grow();
      slot = this.slots++;
    }
    this.time[slot] = timeMs;
    this.seq[slot] = this.nextSeq++;
    this.type[slot] = type;
    this.pin[slot] = pin;
    this.position[slot] = position;
    this.dwell[slot] = dwell;
    this.board[slot] = board;
    this.userId[slot] = userId;
    this.requestId[slot] = requestId;
    const heap = this.heap;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(slot, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = slot;
  }

  /** Timestamp of the earliest pending event; size must be > 0. */
  peekTime(): number {
    return this.time[this.heap[0]];
  }

  /** Removes the earliest pending event and returns its slot, readable until the next push. */
  pop(): number {
    const heap = this.heap;
    const top = heap[0];
    const last = heap[--this.size];
    const n = this.size;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && this.before(heap[right], heap[left]) ? right : left;
        if (!this.before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    this.free[this.freeCount++] = top;
    return top;
  }

  private before(a: number, b: number): boolean {
    return this.time[a] < this.time[b] || (this.time[a] === this.time[b] && this.seq[a] < this.seq[b]);
  }

  private grow(): void {
    const capacity = this.time.length * 2;
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.time = grown(this.time, (n) => new Float64Array(n));
    this.seq = grown(this.seq, (n) => new Float64Array(n));
    this.type = grown(this.type, (n) => new Uint8Array(n));
    this.pin = grown(this.pin, (n) => new Int32Array(n));
    this.position = grown(this.position, (n) => new Int32Array(n));
    this.dwell = grown(this.dwell, (n) => new Int32Array(n));
    this.board = grown(this.board, (n) => new Int32Array(n));
    this.heap = grown(this.heap, (n) => new Int32Array(n));
    this.free = grown(this.free, (n) => new Int32Array(n));
  }
}
