/** The true engagement model of the simulated world: click, save, share, hide probabilities and dwell. */
import { Item, RecsysError, User } from '@recsys/domain';
import { compile, CompiledWorld } from './compiled';
import type { World } from './world';

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
  click: { bias: -3.2, relevance: 3.6, quality: 1.6, creator: 0.6 },
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
});

/**
 * Probability that a user examines (looks at) the pin at a 0-based position: 1 / log2(position + 2).
 * 1 at the top, 0.63 at position 1, 0.29 at position 9; strictly decreasing.
 */
export function examinationProbability(position: number): number {
  return 1 / Math.log2(position + 2);
}

/**
 * The true engagement probabilities of `user` shown `item` at the 0-based `position` (examination model:
 * position only scales the chance the pin is seen, then relevance and quality decide what the user does).
 *
 * With I the user's interest mixture, M = max I, and σ the logistic function:
 * - affinity(t) = min(1, (I[t] + 0.25 · Σ I[s] over sibling topics s of t) / M)
 * - r = 0.6 · affinity(primary topic) + 0.4 · mean affinity(other topics)   (r = affinity(primary) alone if one topic)
 * - exam = 1 / log2(position + 2)
 * - click = exam · 0.85 · σ(−3.2 + 3.6 r + 1.6 qc + 0.6 cc)
 * - hide  = exam · 0.15 · σ(−2.0 − 3.0 r − 2.0 qc + 2.5 unsafe)
 * - save  = click · σ(−1.4 + 1.8 r + 2.0 qc + 0.5 cc)
 * - share = click · 0.5 · σ(−3.0 + 1.2 r + 1.5 qc)
 * - dwellMeanMs = 4000 + 26000 · (0.6 r + 0.4 quality)
 * where qc = quality − 0.5 and cc = creator quality − 0.5. O(topics of the item × siblings).
 *
 * @throws RecsysError (not-found) when the user or the item is not part of `world`;
 *   (bad-request) when position is not a non-negative integer.
 */
export function engagementProbabilities(
  world: World,
  user: Pick<User, 'id'>,
  item: Pick<Item, 'id'>,
  position: number,
): EngagementProbabilities {
  if (!Number.isInteger(position) || position < 0) throw RecsysError.badRequest('position', 'must be an integer >= 0');
  const u = world.index.users.get(user.id);
  if (u === undefined) throw new RecsysError('not-found', `user ${user.id} is not part of the simulated world`);
  const p = world.index.pins.get(item.id);
  if (p === undefined) throw new RecsysError('not-found', `item ${item.id} is not part of the simulated world`);
  const out = emptyEngagement();
  engagementAt(compile(world), u, p, position, out);
  return {
    click: out.click,
    save: out.click * out.saveGivenClick,
    share: out.click * out.shareGivenClick,
    hide: out.hide,
    dwellMeanMs: out.dwellMeanMs,
  };
}

/**
 * The relevance r in [0, 1] of a pin to a user under the true model (the quantity the engagement model is
 * built on; useful as a ground-truth label for offline evaluation).
 * @throws RecsysError (not-found) when the user or the item is not part of `world`.
 */
export function trueRelevance(world: World, user: Pick<User, 'id'>, item: Pick<Item, 'id'>): number {
  const u = world.index.users.get(user.id);
  if (u === undefined) throw new RecsysError('not-found', `user ${user.id} is not part of the simulated world`);
  const p = world.index.pins.get(item.id);
  if (p === undefined) throw new RecsysError('not-found', `item ${item.id} is not part of the simulated world`);
  return relevanceAt(compile(world), u, p);
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

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

function affinity(c: CompiledWorld, u: number, t: number): number {
  const row = u * c.topicCount;
  let value = c.userInterests[row + t];
  const siblings = c.siblings[t];
  for (let k = 0; k < siblings.length; k++) value += ENGAGEMENT_MODEL.siblingSpillover * c.userInterests[row + siblings[k]];
  const max = c.userMaxInterest[u];
  return max > 0 ? Math.min(1, value / max) : 0;
}

/** Relevance r in [0, 1] of pin p to user u (indexes into the world). */
export function relevanceAt(c: CompiledWorld, u: number, p: number): number {
  const start = c.pinTopicStart[p];
  const end = c.pinTopicStart[p + 1];
  const n = end - start;
  if (n === 0) return 0;
  const primary = affinity(c, u, c.pinTopics[start]);
  if (n === 1) return primary;
  let others = 0;
  for (let k = start + 1; k < end; k++) others += affinity(c, u, c.pinTopics[k]);
  const w = ENGAGEMENT_MODEL.primaryTopicWeight;
  return w * primary + ((1 - w) * others) / (n - 1);
}

/** The engagement model by world indexes, written into `out` (the simulator's allocation-free path). */
export function engagementAt(c: CompiledWorld, u: number, p: number, position: number, out: EngagementScratch): void {
  const m = ENGAGEMENT_MODEL;
  const r = relevanceAt(c, u, p);
  const quality = c.pinQuality[p];
  const qc = quality - 0.5;
  const cc = c.pinCreatorQuality[p] - 0.5;
  const exam = examinationProbability(position);
  out.click = exam * m.clickCeiling * sigmoid(m.click.bias + m.click.relevance * r + m.click.quality * qc + m.click.creator * cc);
  out.hide = exam * m.hideCeiling * sigmoid(m.hide.bias + m.hide.relevance * r + m.hide.quality * qc + m.hide.unsafe * c.pinUnsafe[p]);
  const s = m.saveGivenClick;
  out.saveGivenClick = sigmoid(s.bias + s.relevance * r + s.quality * qc + s.creator * cc);
  const sh = m.shareGivenClick;
  out.shareGivenClick = m.shareCeiling * sigmoid(sh.bias + sh.relevance * r + sh.quality * qc);
  out.dwellMeanMs = m.dwellBaseMs + m.dwellSpanMs * (0.6 * r + 0.4 * quality);
}
