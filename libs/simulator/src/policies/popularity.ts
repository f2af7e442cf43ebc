/** The popularity reference policy: the same most-engaged pins for everyone, from a counts map. */
import { EngagementEvent, EventType } from '@recsys/domain';
import { compile } from '../compiled';
import type { World } from '../world';
import { definePolicy, Policy } from './policy';

/**
 * A policy named `popularity`: every user gets the safe pins with the highest `counts` (pin id → count,
 * e.g. from {@link popularityCounts} of an event log) that exist at `ctx.nowMs`, highest first (ties by pin
 * order); when fewer than a page have a positive count, the page is padded with the other safe pins in pin
 * order (oldest first). Ids of `counts` that are not pins of the world are ignored. O(counted log counted)
 * once; per page O(pageSize) plus the skipped pins.
 */
export function popularityPolicy(world: World, counts: ReadonlyMap<string, number>): Policy {
  const c = compile(world);
  const counted = new Uint8Array(world.pins.length);
  const ranked: Array<{ p: number; n: number }> = [];
  for (const [id, n] of counts) {
    const p = world.index.pins.get(id);
    if (p === undefined || !(n > 0) || c.pinUnsafe[p] !== 0) continue;
    ranked.push({ p, n });
    counted[p] = 1;
  }
  ranked.sort((a, b) => b.n - a.n || a.p - b.p);
  const order = Int32Array.from(ranked, (r) => r.p);
  return definePolicy(world, 'popularity', (_u, ctx, out) => {
    out.length = 0;
    for (let i = 0; i < order.length && out.length < ctx.pageSize; i++) {
      if (c.pinCreatedAt[order[i]] <= ctx.nowMs) out.push(order[i]);
    }
    for (let p = 0; p < world.pins.length && out.length < ctx.pageSize; p++) {
      if (counted[p] === 0 && c.pinUnsafe[p] === 0 && c.pinCreatedAt[p] <= ctx.nowMs) out.push(p);
    }
  });
}

/**
 * Counts events per pin id: by default clicks, saves and shares (each event counts 1), e.g. the counts of
 * {@link popularityPolicy} from a logged event stream. O(events).
 */
export function popularityCounts(events: Iterable<EngagementEvent>, types: readonly EventType[] = ['click', 'save', 'share']): Map<string, number> {
  const wanted = new Set(types);
  const counts = new Map<string, number>();
  for (const e of events) if (wanted.has(e.type)) counts.set(e.itemId, (counts.get(e.itemId) ?? 0) + 1);
  return counts;
}
