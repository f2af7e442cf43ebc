/**
 * The world as the judge of pages served by any system (the closed loop): the true expected engagement of a page, one
 * sampled reaction to it as engagement events to send back, and the pages of reference policies for the same user
 * and time.
 */
import type { EngagementEvent } from '@recsys/domain';
import { compile, type CompiledWorld } from './compiled';
import { createUserState, emptyEngagement, prepareUser, type UserState } from './engagement';
import { addExpected, zero, type PerPage } from './evaluate';
import { EVENT_TYPE_ORDER, reactionScratch, reactToPage, type ReactionScratch } from './events';
import { PageResolver, type Policy } from './policies/policy';
import { createRandom, deriveSeed, type SimRandom } from './random';
import type { ResolvedWorldOptions, World } from './world';

/** How the world took one served page. */
export interface ServedPageOutcome {
  /** Expected engagement of the page as shown (true model, position bias, fatigue). */
  expected: PerPage;
  /** One sampled reaction: an impression per shown pin, then hides, clicks, saves, shares and dwells. */
  events: EngagementEvent[];
  /** Pin indexes shown, in order. */
  shown: number[];
  /** Ids of the page that were not shown: not pins of the world, created after the page's time, or repeated. */
  skipped: number;
}

/**
 * Judges pages for users of `world`. Reactions are drawn from one stream seeded by `seed`, so the same pages in the
 * same order get the same reactions. Events carry ids `<eventIdPrefix>_<n>`.
 */
export class GroundTruth {
  private readonly c: CompiledWorld;
  private readonly rng: SimRandom;
  private readonly state: UserState;
  private readonly scratch: ReactionScratch;
  private readonly e = emptyEngagement();
  private readonly counts: Int32Array;
  private readonly stamp: Int32Array;
  private generation = 0;
  private eventCount = 0;
  private readonly resolvers = new Map<Policy, PageResolver>();

  constructor(
    readonly world: World,
    seed: number,
    private readonly eventIdPrefix: string,
  ) {
    this.c = compile(world);
    this.rng = createRandom(deriveSeed(seed, 'closed-loop'));
    this.state = createUserState(this.c);
    this.scratch = reactionScratch(this.c);
    this.counts = new Int32Array(this.c.topicCount);
    this.stamp = new Int32Array(world.pins.length);
  }

  /** The index of user `id` in the world, or undefined. */
  userIndex(id: string): number | undefined {
    return this.world.index.users.get(id);
  }

  /**
   * User u is shown `itemIds` (a served page, best first) at simulated time `simMs`: the expected engagement of the
   * pins a client would show (the page rules of {@link Policy}: pins of the world that exist at `simMs`, each once)
   * and one sampled reaction, as events timestamped from `clockMs` (the clock of the system they go to).
   */
  serve(u: number, itemIds: readonly string[], simMs: number, clockMs: number, requestId: string, surface: string): ServedPageOutcome {
    const shown: number[] = [];
    const generation = ++this.generation;
    for (const id of itemIds) {
      const p = this.world.index.pins.get(id);
      if (p === undefined || this.stamp[p] === generation || this.c.pinCreatedAt[p] > simMs) continue;
      this.stamp[p] = generation;
      shown.push(p);
    }
    return { ...this.show(u, shown, simMs, clockMs, requestId, surface), skipped: itemIds.length - shown.length };
  }

  /**
   * User u is shown `shown` (pin indexes a client can show, in order: a page resolved by {@link reference} or checked
   * by {@link serve}) at `simMs`: its expected engagement and one sampled reaction, events timestamped from `clockMs`.
   */
  show(u: number, shown: number[], simMs: number, clockMs: number, requestId: string, surface: string): Omit<ServedPageOutcome, 'skipped'> {
    const [expected] = this.expected(u, [shown], simMs); // prepares u at simMs for the reaction too
    const events: EngagementEvent[] = [];
    const userId = this.world.users[u].id;
    reactToPage(this.c, u, this.state, shown, clockMs, this.rng, this.scratch, (type, p, position, timeMs, dwellMs, board) => {
      events.push({
        eventId: `${this.eventIdPrefix}_${this.eventCount++}`,
        userId,
        itemId: this.world.pins[p].id,
        type: EVENT_TYPE_ORDER[type],
        timestampMs: timeMs,
        dwellMs,
        requestId,
        position,
        surface,
        boardId: board >= 0 ? this.world.boards[board].id : '',
      });
    });
    return { expected, events, shown };
  }

  /** The page `policy` shows user u at `simMs` (resolved by the rules of {@link Policy}) and its expected engagement. */
  reference(policy: Policy, u: number, simMs: number, pageSize: number, sessionIndex: number): { page: number[]; expected: PerPage } {
    let resolver = this.resolvers.get(policy);
    if (resolver === undefined) this.resolvers.set(policy, (resolver = new PageResolver(this.world, policy)));
    const page: number[] = [];
    resolver.fill(u, { nowMs: simMs, pageSize, sessionIndex }, page);
    const [expected] = this.expected(u, [page], simMs);
    return { page, expected };
  }

  /**
   * The true expected engagement of each of `pages` (pin indexes a client can show, in order) if it were shown to user
   * u at `simMs` (position bias, and fatigue within the page, included), without drawing a reaction; the user is
   * prepared once for all of them, so judging many orderings of one page costs little more than one.
   * O(topics × siblings + Σ page lengths).
   */
  expected(u: number, pages: readonly (readonly number[])[], simMs: number): PerPage[] {
    prepareUser(this.c, u, simMs, this.state);
    return pages.map((page) => {
      const expected = zero();
      this.counts.fill(0);
      addExpected(this.c, this.state, page, this.counts, this.e, expected);
      return expected;
    });
  }
}

/** First line of a closed-loop pages file (`recsys simulate --pages-out`): the world judged against and the run. */
export interface ClosedLoopHeader {
  /** Options the world was generated with (regenerate it with `generateWorld(world)`). */
  world: ResolvedWorldOptions;
  /** The demo history npm start loaded: its seed and event count. */
  demo: { seed: number; events: number };
  /** The layer the arms are of (null: the first layer the responses named). */
  layer: string | null;
  seed: number;
}

/** One served page of a closed-loop pages file. */
export interface ClosedLoopPage {
  /** Simulated day, 1-based. */
  day: number;
  /** World index of the user. */
  user: number;
  /** The user's arm of the layer ('all' without one). */
  arm: string;
  /** Simulated time the page was judged at. */
  simMs: number;
  /** Pin indexes shown, in order (what {@link GroundTruth.show} takes). */
  shown: number[];
  /** True expected engagement of the page. */
  expected: PerPage;
  /** Saves in the one reaction that went back to the system. */
  sampledSaves: number;
}

/** Reads a closed-loop pages file; a malformed line is an error naming its number. */
export function parseClosedLoopPages(text: string): { header: ClosedLoopHeader; pages: ClosedLoopPage[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error('empty closed-loop pages file');
  const parse = <T>(i: number): T => {
    try {
      return JSON.parse(lines[i]) as T;
    } catch (error) {
      throw new Error(`closed-loop pages file, line ${i + 1}: ${(error as Error).message}`);
    }
  };
  const header = parse<ClosedLoopHeader>(0);
  if (typeof header.world?.seed !== 'number') throw new Error('closed-loop pages file: line 1 is not a header (no world options)');
  const pages: ClosedLoopPage[] = [];
  for (let i = 1; i < lines.length; i++) {
    const page = parse<ClosedLoopPage>(i);
    if (!Number.isInteger(page.user) || !Array.isArray(page.shown) || typeof page.arm !== 'string') {
      throw new Error(`closed-loop pages file, line ${i + 1}: not a page (user, arm, shown)`);
    }
    pages.push(page);
  }
  return { header, pages };
}
