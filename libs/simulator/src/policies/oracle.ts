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
 * Efficiently, not exhaustively: relevance depends on a pin's topics and the click logit grows with the
 * quality term q = 1.6·(quality − 0.5) + 0.6·(creator quality − 0.5); so the candidates are, for each of the
 * user's `topTopics` topics of highest affinity (more topics while fewer than a page of candidates), the
 * `candidatesPerTopic` safe pins with that primary topic, existing at `ctx.nowMs`, of highest q (for
 * single-topic pins exactly the best ones of the topic). Each candidate's value is computed exactly; slot by
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
    lists ??= buildTopicLists(c);
    prepareUser(c, u, ctx.nowMs, state);
    topicOrder.sort((a, b) => state.affinity[b] - state.affinity[a] || a - b);
    candidates.length = 0;
    for (let k = 0; k < topicOrder.length && (k < topTopics || candidates.length < ctx.pageSize); k++) {
      const t = topicOrder[k];
      let taken = 0;
      for (let i = lists.start[t]; i < lists.start[t + 1] && taken < perTopic; i++) {
        const p = lists.pins[i];
        if (c.pinCreatedAt[p] > ctx.nowMs) continue;
        candidates.push(p);
        taken++;
      }
    }
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

/** Safe pins grouped by primary topic, each group by descending quality term (ties by pin index). */
interface TopicLists {
  start: Int32Array;
  pins: Int32Array;
}

function buildTopicLists(c: CompiledWorld): TopicLists {
  const pinCount = c.pinQuality.length;
  const start = new Int32Array(c.topicCount + 1);
  for (let p = 0; p < pinCount; p++) if (c.pinUnsafe[p] === 0 && c.pinPrimary[p] >= 0) start[c.pinPrimary[p] + 1]++;
  for (let t = 0; t < c.topicCount; t++) start[t + 1] += start[t];
  const fill = start.slice(0, c.topicCount);
  const pins = new Int32Array(start[c.topicCount]);
  for (let p = 0; p < pinCount; p++) if (c.pinUnsafe[p] === 0 && c.pinPrimary[p] >= 0) pins[fill[c.pinPrimary[p]]++] = p;
  const m = ENGAGEMENT_MODEL.click;
  const q = new Float64Array(pinCount);
  for (let p = 0; p < pinCount; p++) q[p] = m.quality * (c.pinQuality[p] - 0.5) + m.creator * (c.pinCreatorQuality[p] - 0.5);
  for (let t = 0; t < c.topicCount; t++) pins.subarray(start[t], start[t + 1]).sort((a, b) => q[b] - q[a] || a - b);
  return { start, pins };
}
