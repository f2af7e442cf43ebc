/** The oracle reference policy: each user's truly best page under the true engagement model. */
import { ENGAGEMENT_MODEL, createUserState, emptyEngagement, engagementAt, prepareUser } from '../engagement';
import { compile, CompiledWorld } from '../compiled';
import type { World } from '../world';
import { definePolicy, Policy } from './policy';

/** `Math`, looked up once: global lookups are slow inside vm contexts (jest), and these loops run there too. */
const math = Math;

/** Candidate generation of {@link oraclePolicy}. */
export interface OracleOptions {
  /** How many of the user's topics, by true affinity at the page's time, supply candidates (default 6). */
  topTopics?: number;
  /** Candidates per topic: its safe pins (by primary topic) of highest quality term (default 100). */
  candidatesPerTopic?: number;
}

/**
 * A policy named `oracle` that knows the true model: the page that (greedily) maximises the user's true
 * expected engagement value click + save + share − hide (probabilities at the page's time, fatigue
 * included).
 *
 * Efficiently, not exhaustively: relevance depends on a pin's topics and theme and the click logit grows with
 * the quality term q = 1.6·(quality − 0.5) + 0.6·(creator quality − 0.5) + 0.3·ln virality; so the candidates
 * are, for each of the user's favourite themes and then each of the user's `topTopics` topics of highest affinity
 * (more topics while fewer than a page of candidates), the `candidatesPerTopic` safe pins of that theme or primary
 * topic, existing at `ctx.nowMs`, of highest q (for single-topic pins exactly the best ones of the group). Each candidate's value is computed exactly; slot by
 * slot the candidate of highest value given the topics already on the page (fatigue) is placed, so the best
 * pins take the most examined positions. Per page O(topics · log topics + candidates · pageSize); the
 * per-topic orders are built once, O(pins log pins).
 */
export function oraclePolicy(world: World, opts: OracleOptions = {}): Policy {
  const topTopics = opts.topTopics ?? 6;
  const perTopic = opts.candidatesPerTopic ?? 100;
  const c = compile(world);
  const state = createUserState(c);
  const scratch = emptyEngagement();
  let lists: TopicLists | undefined;
  let themeLists: TopicLists | undefined;
  const stamp = new Int32Array(c.pinQuality.length);
  let generation = 0;
  const topicOrder = Array.from({ length: c.topicCount }, (_, t) => t);
  const candidates: number[] = [];
  let click = new Float64Array(0);
  let hide = new Float64Array(0);
  let gain = new Float64Array(0);
  let used = new Uint8Array(0);
  let topics = new Int32Array(0);
  // Fatigue factors by number of repeats (index n), grown on demand.
  const clickFatigue: number[] = [];
  const hideFatigue: number[] = [];
  const counts = new Int32Array(c.topicCount);
  const f = ENGAGEMENT_MODEL.fatigue;
  return definePolicy(world, 'oracle', (u, ctx, out) => {
    out.length = 0;
    lists ??= buildLists(c, c.topicCount, (p) => c.pinPrimary[p]);
    themeLists ??= buildLists(c, c.themeCount, (p) => c.pinTheme[p]);
    prepareUser(c, u, ctx.nowMs, state);
    topicOrder.sort((a, b) => state.affinity[b] - state.affinity[a] || a - b);
    candidates.length = 0;
    const mark = ++generation;
    const take = (l: TopicLists, group: number) => {
      let taken = 0;
      for (let i = l.start[group]; i < l.start[group + 1] && taken < perTopic; i++) {
        const p = l.pins[i];
        if (c.pinCreatedAt[p] > ctx.nowMs || stamp[p] === mark) continue;
        stamp[p] = mark;
        candidates.push(p);
        taken++;
      }
    };
    // The user's favourite themes first (their pins are the most relevant of their topics), then the best topics.
    for (let k = c.userThemeStart[u]; k < c.userThemeStart[u + 1]; k++) take(themeLists, c.userThemes[k]);
    for (let k = 0; k < topicOrder.length && (k < topTopics || candidates.length < ctx.pageSize); k++) take(lists, topicOrder[k]);
    const n = candidates.length;
    if (click.length < n) {
      click = new Float64Array(n);
      hide = new Float64Array(n);
      gain = new Float64Array(n);
      used = new Uint8Array(n);
      topics = new Int32Array(n);
    }
    for (let i = 0; i < n; i++) {
      engagementAt(c, state, candidates[i], 0, 0, scratch);
      click[i] = scratch.click;
      hide[i] = scratch.hide;
      gain[i] = 1 + scratch.saveGivenClick + scratch.shareGivenClick;
      used[i] = 0;
    }
    counts.fill(0);
    const size = math.min(ctx.pageSize, n);
    while (clickFatigue.length < size) {
      clickFatigue.push(math.pow(f.click, clickFatigue.length));
      hideFatigue.push(math.min(f.hideCap, math.pow(f.hide, hideFatigue.length)));
    }
    for (let i = 0; i < n; i++) topics[i] = c.pinPrimary[candidates[i]];
    for (let slot = 0; slot < size; slot++) {
      let best = -1;
      let bestValue = -Infinity;
      for (let i = 0; i < n; i++) {
        if (used[i]) continue;
        const repeats = topics[i] < 0 ? 0 : counts[topics[i]];
        const value = click[i] * clickFatigue[repeats] * gain[i] - hide[i] * hideFatigue[repeats];
        if (value > bestValue) {
          bestValue = value;
          best = i;
        }
      }
      used[best] = 1;
      if (topics[best] >= 0) counts[topics[best]]++;
      out.push(candidates[best]);
    }
  });
}

/** Safe pins grouped (by primary topic, or by theme), each group by descending quality term (ties by pin index). */
interface TopicLists {
  start: Int32Array;
  pins: Int32Array;
}

function buildLists(c: CompiledWorld, groups: number, groupOf: (p: number) => number): TopicLists {
  const pinCount = c.pinQuality.length;
  const start = new Int32Array(groups + 1);
  for (let p = 0; p < pinCount; p++) if (c.pinUnsafe[p] === 0 && groupOf(p) >= 0) start[groupOf(p) + 1]++;
  for (let t = 0; t < groups; t++) start[t + 1] += start[t];
  const fill = start.slice(0, groups);
  const pins = new Int32Array(start[groups]);
  for (let p = 0; p < pinCount; p++) if (c.pinUnsafe[p] === 0 && groupOf(p) >= 0) pins[fill[groupOf(p)]++] = p;
  const m = ENGAGEMENT_MODEL.click;
  const q = new Float64Array(pinCount);
  for (let p = 0; p < pinCount; p++) q[p] = m.quality * (c.pinQuality[p] - 0.5) + m.creator * (c.pinCreatorQuality[p] - 0.5) + m.virality * c.pinLogVirality[p];
  for (let t = 0; t < groups; t++) pins.subarray(start[t], start[t + 1]).sort((a, b) => q[b] - q[a] || a - b);
  return { start, pins };
}
