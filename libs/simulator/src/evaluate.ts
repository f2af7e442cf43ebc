/** Ground-truth evaluation of a policy: expected engagement per page from the true model, and a sampled version. */
import { emptyEngagementCounts, RecsysError, type EngagementCounts } from '@recsys/domain';
import type { CompiledWorld } from './compiled';
import { createUserState, emptyEngagement, engagementAt, prepareUser, type EngagementScratch, type UserState } from './engagement';
import { PageResolver, Policy } from './policies/policy';
import { createRandom, deriveSeed, upperBound } from './random';
import { CLICK, emptyResponse, expectedDwellMs, HIDE, sampleResponse } from './response';
import { samplerOf } from './sampler';
import type { World } from './world';

/** Engagement per page: means over the evaluated pages. */
export type PerPage = EngagementCounts;

/** The result of {@link evaluatePolicy}. */
export interface PolicyEvaluation {
  /** The policy's name. */
  policy: string;
  /** Users evaluated. */
  users: number;
  /** Pages evaluated (users × pages per user). */
  pages: number;
  /** Page size asked for. */
  pageSize: number;
  /** Time of every page, ms since the epoch. */
  nowMs: number;
  /** Expected engagement per page under the true model (exact given the pages). */
  expected: PerPage;
  /** Engagement per page of one seeded draw of the users' responses to the same pages. */
  sampled: PerPage;
}

/** Options of {@link evaluatePolicy}. */
export interface EvaluatePolicyOptions {
  /** Seed of the user sample and of the sampled responses. */
  seed: number;
  /** Users to evaluate, sampled uniformly without replacement among those signed up by `nowMs` (default 1,000; all when fewer). */
  users?: number;
  /** Pages asked per user (default 1), each its own session. */
  pagesPerUser?: number;
  /** Pins per page (default 10). */
  pageSize?: number;
  /** Time of the pages, ms since the epoch (default: the world's end, when every pin exists). */
  nowMs?: number;
}

/**
 * Evaluates `policy` against the ground truth. Users are sampled deterministically from `seed` (uniformly,
 * without replacement, among users signed up by `nowMs`; evaluated in user order). Each user asks for
 * `pagesPerUser` pages at `nowMs` (`ctx.sessionIndex` counts the pages of the whole run from 0), resolved by
 * the rules of `Policy`. For each page:
 * - expected: the sum over its positions of the true probabilities ({@link engagementProbabilities} with the
 *   user's interests at `nowMs`, the position bias, and the fatigue of the page's earlier pins): clicks,
 *   saves, shares, hides, and dwell = Σ P(click) · E[close-up dwell] (the mean of the clamped dwell draw);
 * - sampled: one draw of the responses to the same pages, by the same rules as {@link simulateSessions},
 *   from a stream seeded by `seed`.
 * Both are means per page; the sampled means converge to the expected ones as pages grow.
 * O(users × pagesPerUser × (policy's page cost + pageSize)).
 *
 * @throws RecsysError (bad-request) naming an option out of range, or `nowMs` when no user has signed up by
 *   then; (not-found) when the policy returns an id that is not a pin of the world.
 */
export function evaluatePolicy(world: World, policy: Policy, opts: EvaluatePolicyOptions): PolicyEvaluation {
  if (!Number.isSafeInteger(opts.seed)) throw RecsysError.badRequest('seed', 'must be an integer');
  const wanted = opts.users ?? 1000;
  if (!Number.isSafeInteger(wanted) || wanted < 1) throw RecsysError.badRequest('users', 'must be an integer >= 1');
  const pagesPerUser = opts.pagesPerUser ?? 1;
  if (!Number.isInteger(pagesPerUser) || pagesPerUser < 1 || pagesPerUser > 100_000) {
    throw RecsysError.badRequest('pagesPerUser', 'must be an integer in [1, 100000]');
  }
  const pageSize = opts.pageSize ?? 10;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) throw RecsysError.badRequest('pageSize', 'must be an integer in [1, 1000]');
  const nowMs = opts.nowMs ?? world.endMs;
  if (!Number.isSafeInteger(nowMs)) throw RecsysError.badRequest('nowMs', 'must be an integer (ms since the epoch)');
  const sampler = samplerOf(world);
  const eligible = upperBound(sampler.userSignup, nowMs);
  if (eligible === 0) throw RecsysError.badRequest('nowMs', 'no user of the world has signed up by then');

  // Partial Fisher–Yates over the users signed up by nowMs.
  const pool = sampler.userOrder.slice(0, eligible);
  const userCount = Math.min(wanted, eligible);
  const pick = createRandom(deriveSeed(opts.seed, 'evaluate-users'));
  for (let i = 0; i < userCount; i++) {
    const j = i + pick.int(eligible - i);
    const swap = pool[i];
    pool[i] = pool[j];
    pool[j] = swap;
  }
  const chosen = pool.slice(0, userCount).sort();

  const c = sampler.compiled;
  const resolver = new PageResolver(world, policy);
  const rng = createRandom(deriveSeed(opts.seed, 'evaluate-sampled'));
  const state = createUserState(c);
  const counts = new Int32Array(c.topicCount);
  const e = emptyEngagement();
  const response = emptyResponse();
  const expected = zero();
  const sampled = zero();
  const page: number[] = [];
  let sessionIndex = 0;
  for (const u of chosen) {
    prepareUser(c, u, nowMs, state);
    for (let k = 0; k < pagesPerUser; k++) {
      resolver.fill(u, { nowMs, pageSize, sessionIndex: sessionIndex++ }, page);
      counts.fill(0);
      expected.impressions += page.length;
      sampled.impressions += page.length;
      for (let position = 0; position < page.length; position++) {
        const p = page[position];
        const primary = c.pinPrimary[p];
        engagementAt(c, state, p, position, primary >= 0 ? counts[primary]++ : 0, e);
        addExpectedAt(e, expected);
        sampleResponse(rng, e, response);
        if (response.kind === HIDE) {
          sampled.hides++;
        } else if (response.kind === CLICK) {
          sampled.clicks++;
          if (response.save) sampled.saves++;
          if (response.share) sampled.shares++;
          sampled.dwellMs += response.dwellMs;
        }
      }
    }
  }
  const pages = userCount * pagesPerUser;
  return { policy: policy.name, users: userCount, pages, pageSize, nowMs, expected: perPage(expected, pages), sampled: perPage(sampled, pages) };
}

/**
 * Adds the expected engagement of `page` (pin indexes, in order) for the prepared user to `into`: per position the
 * true probabilities with the position bias and the fatigue of the page's earlier pins (`counts`: zeroed topic
 * counts, left filled) — clicks, saves = Σ P(click)·P(save | click), shares likewise, hides, dwell = Σ P(click)·E[dwell].
 */
export function addExpected(c: CompiledWorld, state: UserState, page: readonly number[], counts: Int32Array, e: EngagementScratch, into: PerPage): void {
  into.impressions += page.length;
  for (let position = 0; position < page.length; position++) {
    const p = page[position];
    const primary = c.pinPrimary[p];
    engagementAt(c, state, p, position, primary >= 0 ? counts[primary]++ : 0, e);
    addExpectedAt(e, into);
  }
}

/** Adds one impression's expected engagement (the model's probabilities in `e`), impressions aside, to `into`. */
function addExpectedAt(e: EngagementScratch, into: PerPage): void {
  into.clicks += e.click;
  into.saves += e.click * e.saveGivenClick;
  into.shares += e.click * e.shareGivenClick;
  into.hides += e.hide;
  into.dwellMs += e.click * expectedDwellMs(e.dwellMeanMs);
}

/** A per-page record of zeros. */
export const zero: () => PerPage = emptyEngagementCounts;

/** Means per page of a sum over `pages` pages. */
export function perPage(sum: PerPage, pages: number): PerPage {
  return {
    impressions: sum.impressions / pages,
    clicks: sum.clicks / pages,
    saves: sum.saves / pages,
    shares: sum.shares / pages,
    hides: sum.hides / pages,
    dwellMs: sum.dwellMs / pages,
  };
}
