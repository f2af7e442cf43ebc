/** The true engagement model of the simulated world: click, save, share, hide probabilities and dwell. */
import { Item, RecsysError, User } from '@recsys/domain';
import { compile, CompiledWorld } from './compiled';
import { interestsInto } from './drift';
import type { World } from './world';

/** `Math`, looked up once: global lookups are slow inside vm contexts (jest), and these loops run there too. */
const math = Math;

/** Ground-truth engagement of one user shown one pin at one position. */
export interface EngagementProbabilities {
  /** P(click | impression), in (0, 1). */
  click: number;
  /** P(save | impression), in (0, 1); a save happens only after a click, so save < click. */
  save: number;
  /** P(share | impression), in (0, 1); a share happens only after a click, so share < click. */
  share: number;
  /** P(hide | impression), in (0, 1); hide and click exclude each other (click + hide < 1). */
  hide: number;
  /** Mean close-up dwell time after a click, in ms (4,000 to 30,000). */
  dwellMeanMs: number;
}

/**
 * Coefficients of the engagement model (see {@link engagementProbabilities} for the formulas).
 * `r` is the relevance in [0, 1], `qc` = pin quality − 0.5, `cc` = creator quality − 0.5.
 */
export const ENGAGEMENT_MODEL = Object.freeze({
  /** Share of a sibling topic's interest (same category) that carries over to a topic. */
  siblingSpillover: 0.25,
  /** Weight of the primary topic in relevance; the other topics share the rest equally. */
  primaryTopicWeight: 0.6,
  /** Ceiling of P(click) at the top position, and its logit: bias + relevance·r + quality·qc + creator·cc. */
  clickCeiling: 0.85,
  click: { bias: -3.2, relevance: 3.6, quality: 1.6, creator: 0.6, virality: 0.3 },
  /** Ceiling of P(hide) at the top position, and its logit: bias + relevance·r + quality·qc + unsafe·[unsafe]. */
  hideCeiling: 0.15,
  hide: { bias: -2.0, relevance: -3.0, quality: -2.0, unsafe: 2.5 },
  /** P(save | click) logit: bias + relevance·r + quality·qc + creator·cc. */
  saveGivenClick: { bias: -1.4, relevance: 1.8, quality: 2.0, creator: 0.5 },
  /** Ceiling of P(share | click), and its logit: bias + relevance·r + quality·qc. */
  shareCeiling: 0.5,
  shareGivenClick: { bias: -3.0, relevance: 1.2, quality: 1.5 },
  /** dwellMeanMs = base + span · (0.6·r + 0.4·quality). */
  dwellBaseMs: 4000,
  dwellSpanMs: 26000,
  /**
   * Fatigue from repeated topics within a session (one page): with n the number of earlier impressions of the
   * session whose primary topic is this pin's primary topic, P(click) is multiplied by click^n (0.85: each
   * repeat costs 15% of the clicks, and so of the saves and shares that follow clicks) and P(hide) by
   * min(hideCap, hide^n) (each repeat makes hiding 15% likelier, at most twice). Dwell is unaffected.
   */
  fatigue: { click: 0.85, hide: 1.15, hideCap: 2 },
});

/**
 * Probability that a user examines (looks at) the pin at a 0-based position: 1 / log2(position + 2).
 * 1 at the top, 0.63 at position 1, 0.29 at position 9; strictly decreasing.
 */
export function examinationProbability(position: number): number {
  return 1 / math.log2(position + 2);
}

/** Optional context of {@link engagementProbabilities}. */
export interface EngagementContext {
  /**
   * Earlier impressions of the session by primary topic id (fatigue): the count of the pin's primary topic is
   * the n of `ENGAGEMENT_MODEL.fatigue`. Missing topics count 0.
   */
  topicCounts?: ReadonlyMap<string, number>;
  /** When the pin is shown, ms since the epoch: the user's interests are those at this time (default: the world's start, i.e. the generated interests). */
  tMs?: number;
}

/**
 * The true engagement probabilities of `user` shown `item` at the 0-based `position` (examination model:
 * position only scales the chance the pin is seen, then relevance and quality decide what the user does),
 * optionally at a time (interest drift) and after earlier impressions of the session (fatigue).
 *
 * With I the user's interest mixture at `context.tMs` ({@link interestAt}), M = max I, and σ the logistic function:
 * - affinity(t) = min(1, (I[t] + 0.25 · Σ I[s] over sibling topics s of t) / M)
 * - topical = 0.6 · affinity(primary topic) + 0.4 · mean affinity(other topics)   (affinity(primary) alone if one topic)
 * - r = topical · (1 − w + w · m), w the world's `themeWeight`, m the user's weight of the pin's theme (1 for the
 *   user's best theme of a topic, 0 off their favourite themes; r = topical in a world without themes)
 * - exam = 1 / log2(position + 2)
 * - n = earlier impressions of the session on the pin's primary topic (`context.topicCounts`, default 0)
 * - click = exam · 0.85^n · 0.85 · σ(−3.2 + 3.6 r + 1.6 qc + 0.6 cc + 0.3 ln v), v the pin's virality
 * - hide  = exam · min(2, 1.15^n) · 0.15 · σ(−2.0 − 3.0 r − 2.0 qc + 2.5 unsafe)
 * - save  = click · σ(−1.4 + 1.8 r + 2.0 qc + 0.5 cc)
 * - share = click · 0.5 · σ(−3.0 + 1.2 r + 1.5 qc)
 * - dwellMeanMs = 4000 + 26000 · (0.6 r + 0.4 quality)
 * where qc = quality − 0.5 and cc = creator quality − 0.5. click + hide < 1 for every n.
 * O(topics × siblings) (the user's affinities at tMs are computed per call).
 *
 * @throws RecsysError (not-found) when the user or the item is not part of `world`; (bad-request) when
 *   position is not a non-negative integer, tMs is not finite or a topic count is negative.
 */
export function engagementProbabilities(
  world: World,
  user: Pick<User, 'id'>,
  item: Pick<Item, 'id'>,
  position: number,
  context: EngagementContext = {},
): EngagementProbabilities {
  if (!Number.isInteger(position) || position < 0) throw RecsysError.badRequest('position', 'must be an integer >= 0');
  const { u, p } = resolve(world, user, item);
  const c = compile(world);
  const state = createUserState(c);
  prepareUser(c, u, timeOf(world, context.tMs), state);
  const primary = c.pinPrimary[p];
  const repeats = primary < 0 ? 0 : (context.topicCounts?.get(world.topics[primary].id) ?? 0);
  if (!Number.isFinite(repeats) || repeats < 0) throw RecsysError.badRequest('topicCounts', 'must hold counts >= 0');
  const out = emptyEngagement();
  engagementAt(c, state, p, position, repeats, out);
  return {
    click: out.click,
    save: out.click * out.saveGivenClick,
    share: out.click * out.shareGivenClick,
    hide: out.hide,
    dwellMeanMs: out.dwellMeanMs,
  };
}

/**
 * The relevance r in [0, 1] of a pin to a user under the true model at time `tMs` (default: the world's
 * start), the quantity the engagement model is built on; useful as a ground-truth label.
 * @throws RecsysError (not-found) when the user or the item is not part of `world`; (bad-request) when tMs is not finite.
 */
export function trueRelevance(world: World, user: Pick<User, 'id'>, item: Pick<Item, 'id'>, tMs?: number): number {
  const { u, p } = resolve(world, user, item);
  const c = compile(world);
  const state = createUserState(c);
  prepareUser(c, u, timeOf(world, tMs), state);
  return relevanceOf(c, state, p);
}

function resolve(world: World, user: Pick<User, 'id'>, item: Pick<Item, 'id'>): { u: number; p: number } {
  const u = world.index.users.get(user.id);
  if (u === undefined) throw new RecsysError('not-found', `user ${user.id} is not part of the simulated world`);
  const p = world.index.pins.get(item.id);
  if (p === undefined) throw new RecsysError('not-found', `item ${item.id} is not part of the simulated world`);
  return { u, p };
}

function timeOf(world: World, tMs: number | undefined): number {
  if (tMs === undefined) return world.startMs;
  if (!Number.isFinite(tMs)) throw RecsysError.badRequest('tMs', 'must be a finite time in ms since the epoch');
  return tMs;
}

/** Scratch result of {@link engagementAt}: conditional save/share rates, reused to avoid allocation. */
export interface EngagementScratch {
  click: number;
  hide: number;
  saveGivenClick: number;
  shareGivenClick: number;
  dwellMeanMs: number;
}

/** A zeroed scratch object. */
export function emptyEngagement(): EngagementScratch {
  return { click: 0, hide: 0, saveGivenClick: 0, shareGivenClick: 0, dwellMeanMs: 0 };
}

/** A user's interests and topic affinities at one time: what the model needs per user, computed once per session. */
export interface UserState {
  /** Interest mixture at the prepared time. */
  interests: Float64Array;
  /** affinity(t) per topic at the prepared time (see {@link engagementProbabilities}). */
  affinity: Float64Array;
  /** Per theme: the prepared user's weight of it (their favourites' weights, 0 elsewhere). */
  themeMatch: Float64Array;
  /** The user whose themes `themeMatch` holds (−1: none). */
  themeUser: number;
}

/** An unprepared state sized for the world's topics and themes. */
export function createUserState(c: CompiledWorld): UserState {
  return { interests: new Float64Array(c.topicCount), affinity: new Float64Array(c.topicCount), themeMatch: new Float64Array(c.themeCount), themeUser: -1 };
}

/** Fills `state` with user u's interests and affinities at `tMs`. O(topics × siblings). */
export function prepareUser(c: CompiledWorld, u: number, tMs: number, state: UserState): void {
  const interests = state.interests;
  interestsInto(c, u, tMs, interests);
  let max = 0;
  for (let t = 0; t < c.topicCount; t++) if (interests[t] > max) max = interests[t];
  for (let t = 0; t < c.topicCount; t++) {
    let value = interests[t];
    const siblings = c.siblings[t];
    for (let k = 0; k < siblings.length; k++) value += ENGAGEMENT_MODEL.siblingSpillover * interests[siblings[k]];
    state.affinity[t] = max > 0 ? math.min(1, value / max) : 0;
  }
  if (state.themeUser !== u && c.themeCount > 0) {
    if (state.themeUser >= 0) for (let k = c.userThemeStart[state.themeUser]; k < c.userThemeStart[state.themeUser + 1]; k++) state.themeMatch[c.userThemes[k]] = 0;
    for (let k = c.userThemeStart[u]; k < c.userThemeStart[u + 1]; k++) state.themeMatch[c.userThemes[k]] = c.userThemeWeights[k];
    state.themeUser = u;
  }
}

const sigmoid = (x: number): number => 1 / (1 + math.exp(-x));

/** Relevance r in [0, 1] of pin p to the prepared user: topical relevance times the theme factor 1 − w + w · match. */
export function relevanceOf(c: CompiledWorld, state: UserState, p: number): number {
  const start = c.pinTopicStart[p];
  const end = c.pinTopicStart[p + 1];
  const n = end - start;
  if (n === 0) return 0;
  const theme = c.pinTheme[p];
  const factor = c.themeWeight > 0 && theme >= 0 ? 1 - c.themeWeight + c.themeWeight * state.themeMatch[theme] : 1;
  const primary = state.affinity[c.pinTopics[start]];
  if (n === 1) return factor * primary;
  let others = 0;
  for (let k = start + 1; k < end; k++) others += state.affinity[c.pinTopics[k]];
  const w = ENGAGEMENT_MODEL.primaryTopicWeight;
  return factor * (w * primary + ((1 - w) * others) / (n - 1));
}

/**
 * The engagement model for the prepared user, pin p at `position`, after `repeats` earlier impressions of the
 * pin's primary topic in the session; written into `out` (the simulator's allocation-free path).
 */
export function engagementAt(c: CompiledWorld, state: UserState, p: number, position: number, repeats: number, out: EngagementScratch): void {
  const m = ENGAGEMENT_MODEL;
  const r = relevanceOf(c, state, p);
  const quality = c.pinQuality[p];
  const qc = quality - 0.5;
  const cc = c.pinCreatorQuality[p] - 0.5;
  const exam = examinationProbability(position);
  const clickFatigue = repeats > 0 ? math.pow(m.fatigue.click, repeats) : 1;
  const hideFatigue = repeats > 0 ? math.min(m.fatigue.hideCap, math.pow(m.fatigue.hide, repeats)) : 1;
  out.click =
    exam * clickFatigue * m.clickCeiling * sigmoid(m.click.bias + m.click.relevance * r + m.click.quality * qc + m.click.creator * cc + m.click.virality * c.pinLogVirality[p]);
  out.hide = exam * hideFatigue * m.hideCeiling * sigmoid(m.hide.bias + m.hide.relevance * r + m.hide.quality * qc + m.hide.unsafe * c.pinUnsafe[p]);
  const s = m.saveGivenClick;
  out.saveGivenClick = sigmoid(s.bias + s.relevance * r + s.quality * qc + s.creator * cc);
  const sh = m.shareGivenClick;
  out.shareGivenClick = m.shareCeiling * sigmoid(sh.bias + sh.relevance * r + sh.quality * qc);
  out.dwellMeanMs = m.dwellBaseMs + m.dwellSpanMs * (0.6 * r + 0.4 * quality);
}
