import { EngagementEvent, RecsysError, User } from '@recsys/domain';
import { generateWorld, Policy, PolicyContext, randomPolicy, simulateSessions } from './index';

const world = generateWorld({ seed: 23, pins: 3000, users: 500 });

/** A policy that records what it was asked and answers a fixed, user-dependent list with a repeat and a not-yet-created pin. */
function recordingPolicy(): Policy & { asked: Array<{ user: string; ctx: PolicyContext; page: string[] }> } {
  const asked: Array<{ user: string; ctx: PolicyContext; page: string[] }> = [];
  const newest = world.pins[world.pins.length - 1].id;
  return {
    name: 'recording',
    asked,
    page(user: User, ctx: PolicyContext) {
      const u = world.index.users.get(user.id) as number;
      const ids = Array.from({ length: 14 }, (_, k) => world.pins[(u * 31 + k * 97 + ctx.sessionIndex) % 800].id);
      const page = [newest, ids[0], ...ids];
      asked.push({ user: user.id, ctx: { ...ctx }, page });
      return page;
    },
  };
}

function byRequest(events: EngagementEvent[]): Map<string, EngagementEvent[]> {
  const out = new Map<string, EngagementEvent[]>();
  for (const e of events) out.set(e.requestId, [...(out.get(e.requestId) ?? []), e]);
  return out;
}

describe('simulateSessions', () => {
  const policy = recordingPolicy();
  const events = [...simulateSessions(world, policy, { seed: 8, sessions: 400, pageSize: 10 })];
  const sessions = byRequest(events);

  it('asks the policy once per session and shows its page: first 10 distinct pins that exist at the session time', () => {
    expect(policy.asked).toHaveLength(400);
    const created = new Map(world.pins.map((p) => [p.id, p.createdAtMs]));
    let full = 0;
    policy.asked.forEach(({ user, ctx, page }, n) => {
      expect(ctx.sessionIndex).toBe(n);
      expect(ctx.pageSize).toBe(10);
      const shown = (sessions.get(`req_8_${n}`) ?? []).filter((e) => e.type === 'impression');
      const want = [...new Set(page)].filter((id) => (created.get(id) as number) <= ctx.nowMs).slice(0, 10);
      expect(shown.map((e) => e.itemId)).toEqual(want);
      expect(shown.every((e, i) => e.userId === user && e.position === i && e.timestampMs === ctx.nowMs + 30 * i)).toBe(true);
      if (want.length === 10) full++;
    });
    // Early in the window few of the asked pins exist yet: those pages are short or empty (no events).
    expect(full).toBeGreaterThan(250);
    expect(sessions.size).toBe(policy.asked.filter((a) => a.page.some((id) => (created.get(id) as number) <= a.ctx.nowMs)).length);
    // The newest pin (created near the window's end) is asked for first every time but shown at most late.
    const newest = world.pins[world.pins.length - 1];
    expect(events.filter((e) => e.itemId === newest.id && e.timestampMs < newest.createdAtMs)).toEqual([]);
  });

  it('spreads the sessions over the window in time order, deterministically', () => {
    expect(events.filter((e, i) => i > 0 && e.timestampMs < events[i - 1].timestampMs)).toEqual([]);
    expect(events[0].timestampMs).toBeGreaterThanOrEqual(world.startMs);
    expect(events[events.length - 1].timestampMs).toBeLessThan(world.endMs);
    const starts = policy.asked.map((a) => a.ctx.nowMs);
    expect(starts[399] - starts[0]).toBeGreaterThan(0.9 * (world.endMs - world.startMs));
    const again = [...simulateSessions(world, recordingPolicy(), { seed: 8, sessions: 400, pageSize: 10 })];
    expect(again).toEqual(events);
    const other = [...simulateSessions(world, recordingPolicy(), { seed: 9, sessions: 400, pageSize: 10 })];
    expect(other.map((e) => e.userId)).not.toEqual(events.map((e) => e.userId));
  });

  it('draws reactions from the true model: fewer clicks for a random policy than for a relevant one', () => {
    const clicks = (p: Policy) => [...simulateSessions(world, p, { seed: 3, sessions: 3000 })].filter((e) => e.type === 'click').length;
    const relevant: Policy = {
      name: 'main-topic',
      page(user, ctx) {
        const latent = world.userLatents[world.index.users.get(user.id) as number];
        const topic = world.topics[latent.mainTopics[0]].id;
        return world.pins.filter((p) => p.topics[0] === topic && !p.unsafe && p.createdAtMs <= ctx.nowMs).slice(0, ctx.pageSize).map((p) => p.id);
      },
    };
    expect(clicks(relevant)).toBeGreaterThan(1.5 * clicks(randomPolicy(world, 1)));
  });

  it('throws not-found when the policy returns an unknown pin, and bad-request for bad options', () => {
    const broken: Policy = { name: 'broken', page: () => ['pin_nope'] };
    const run = simulateSessions(world, broken, { seed: 1, sessions: 5 });
    let error: unknown;
    try {
      for (const event of run) expect(event).toBeUndefined();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RecsysError);
    expect((error as RecsysError).category).toBe('not-found');
    expect((error as RecsysError).message).toContain('broken returned pin_nope');
    expect(() => simulateSessions(world, broken, { seed: 1, sessions: -1 })).toThrow(RecsysError);
    expect(() => simulateSessions(world, broken, { seed: 1, sessions: 1, pageSize: 0 })).toThrow(RecsysError);
    expect([...simulateSessions(world, broken, { seed: 1, sessions: 0 })]).toEqual([]);
  });

  it('lets sessions with empty pages count without events', () => {
    const empty: Policy = { name: 'empty', page: () => [] };
    expect([...simulateSessions(world, empty, { seed: 1, sessions: 50 })]).toEqual([]);
  });
});
