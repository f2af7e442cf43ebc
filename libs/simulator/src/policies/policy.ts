/** The policy interface (user and context → a ranked page of pin ids) and how pages are resolved against a world. */
import { RecsysError, User } from '@recsys/domain';
import { compile, CompiledWorld } from '../compiled';
import type { World } from '../world';

/** What a policy knows when asked for a page. */
export interface PolicyContext {
  /** When the page is requested, ms since the epoch: only pins created at or before it can be shown. */
  nowMs: number;
  /** How many pins the page shows; a longer answer is cut. */
  pageSize: number;
  /** 0-based number of this page request within the run that asks (a session of `simulateSessions`, a page of `evaluatePolicy`). */
  sessionIndex: number;
}

/**
 * Any recommender under evaluation: a function from a user and a context to a ranked page of pin ids, best
 * first. A page is shown as: the first `pageSize` distinct ids that exist at `nowMs` (ids of pins created
 * later, and repeats, are skipped); an id that is not a pin of the world is an error.
 */
export interface Policy {
  /** Short name, printed in reports. */
  name: string;
  /** The ranked page for `user` (a user of the world) in `ctx`. */
  page(user: User, ctx: PolicyContext): string[];
}

/** Index-level page of a policy built by this library: pin indexes, best first, into `out`. */
export type IndexedPage = (u: number, ctx: PolicyContext, out: number[]) => void;

const indexedPages = new WeakMap<Policy, { world: World; page: IndexedPage }>();

/**
 * A policy over `world` from an index-level page function. Its `page` speaks ids; the simulator and the
 * evaluator call the index-level function directly (no id round trip) when given the same world.
 */
export function definePolicy(world: World, name: string, page: IndexedPage): Policy {
  const policy: Policy = {
    name,
    page: (user, ctx) => {
      const u = world.index.users.get(user.id);
      if (u === undefined) throw new RecsysError('not-found', `user ${user.id} is not part of the simulated world`);
      const out: number[] = [];
      page(u, ctx, out);
      return out.map((p) => world.pins[p].id);
    },
  };
  indexedPages.set(policy, { world, page });
  return policy;
}

/** Resolves any policy's pages to pin indexes under the page rules of {@link Policy}. One per run. */
export class PageResolver {
  private readonly compiled: CompiledWorld;
  private readonly direct: IndexedPage | undefined;
  private readonly stamp: Int32Array;
  private generation = 0;
  private readonly raw: number[] = [];

  constructor(
    private readonly world: World,
    private readonly policy: Policy,
  ) {
    this.compiled = compile(world);
    const indexed = indexedPages.get(policy);
    this.direct = indexed?.world === world ? indexed.page : undefined;
    this.stamp = new Int32Array(world.pins.length);
  }

  /**
   * Fills `out` with the page the user at index u is shown in `ctx`.
   * @throws RecsysError (not-found) when the policy returns an id that is not a pin of the world.
   */
  fill(u: number, ctx: PolicyContext, out: number[]): void {
    out.length = 0;
    const generation = ++this.generation;
    const created = this.compiled.pinCreatedAt;
    const keep = (p: number): void => {
      if (out.length < ctx.pageSize && this.stamp[p] !== generation && created[p] <= ctx.nowMs) {
        this.stamp[p] = generation;
        out.push(p);
      }
    };
    if (this.direct) {
      this.direct(u, ctx, this.raw);
      for (let i = 0; i < this.raw.length && out.length < ctx.pageSize; i++) keep(this.raw[i]);
      return;
    }
    const ids = this.policy.page(this.world.users[u], ctx);
    for (let i = 0; i < ids.length && out.length < ctx.pageSize; i++) {
      const p = this.world.index.pins.get(ids[i]);
      if (p === undefined) {
        throw new RecsysError('not-found', `policy ${this.policy.name} returned ${ids[i]}, which is not a pin of the simulated world`);
      }
      keep(p);
    }
  }
}
