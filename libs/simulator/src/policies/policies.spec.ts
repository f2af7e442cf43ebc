import { RecsysError } from '@recsys/domain';
import {
  DAY_MS,
  engagementProbabilities,
  evaluatePolicy,
  generateWorld,
  loggingPolicy,
  oraclePolicy,
  Policy,
  PolicyContext,
  popularityCounts,
  popularityPolicy,
  randomPolicy,
} from '../index';

const world = generateWorld({ seed: 29, pins: 4000, users: 600 });
const pins = new Map(world.pins.map((p) => [p.id, p]));
const ctx = (over: Partial<PolicyContext> = {}): PolicyContext => ({ nowMs: world.endMs, pageSize: 10, sessionIndex: 0, ...over });

/** Every page: the asked number of distinct, safe pins that exist at the page's time. */
function expectValidPage(page: string[], c: PolicyContext): void {
  expect(page).toHaveLength(c.pageSize);
  expect(new Set(page).size).toBe(page.length);
  for (const id of page) {
    const pin = pins.get(id);
    expect(pin?.unsafe).toBe(false);
    expect(pin?.createdAtMs).toBeLessThanOrEqual(c.nowMs);
  }
}

describe('oraclePolicy', () => {
  const oracle = oraclePolicy(world);
  const value = (u: number, id: string, tMs: number) => {
    const e = engagementProbabilities(world, world.users[u], { id }, 0, { tMs });
    return e.click + e.save + e.share - e.hide;
  };

  it('puts the truly best pin of the whole catalog first (brute force over every safe pin)', () => {
    for (const [u, tMs] of [
      [0, world.endMs],
      [17, world.endMs],
      [333, world.startMs + 12 * DAY_MS],
      [599, world.endMs],
    ]) {
      const c = ctx({ nowMs: tMs });
      const page = oracle.page(world.users[u], c);
      expectValidPage(page, c);
      let best = -Infinity;
      for (const pin of world.pins) if (!pin.unsafe && pin.createdAtMs <= tMs) best = Math.max(best, value(u, pin.id, tMs));
      expect(value(u, page[0], tMs)).toBeCloseTo(best, 12);
    }
  });

  it('beats the naive page of the 10 highest-value pins once fatigue is counted', () => {
    const naive: Policy = {
      name: 'naive-top-10',
      page: (user, c) => {
        const u = world.index.users.get(user.id) as number;
        return world.pins
          .filter((p) => !p.unsafe && p.createdAtMs <= c.nowMs)
          .map((p) => ({ id: p.id, v: value(u, p.id, c.nowMs) }))
          .sort((a, b) => b.v - a.v)
          .slice(0, c.pageSize)
          .map((x) => x.id);
      },
    };
    const options = { seed: 1, users: 40 };
    const total = (r: ReturnType<typeof evaluatePolicy>) => r.expected.clicks + r.expected.saves + r.expected.shares - r.expected.hides;
    expect(total(evaluatePolicy(world, oracle, options))).toBeGreaterThan(1.03 * total(evaluatePolicy(world, naive, options)));
  });

  it('is deterministic and follows the user’s interests', () => {
    expect(oracle.page(world.users[5], ctx())).toEqual(oraclePolicy(world).page(world.users[5], ctx({ sessionIndex: 9 })));
    expect(oracle.page(world.users[5], ctx())).not.toEqual(oracle.page(world.users[6], ctx()));
  });
});

describe('popularityPolicy', () => {
  const safe = world.pins.filter((p) => !p.unsafe);
  const unsafe = world.pins.find((p) => p.unsafe);

  it('ranks by count, ties by pin order, ignoring unknown and unsafe pins, the same for every user', () => {
    const counts = new Map<string, number>([
      [safe[40].id, 3],
      [safe[7].id, 9],
      ['pin_unknown', 100],
      [safe[12].id, 3],
      [safe[3].id, 0],
    ]);
    if (unsafe) counts.set(unsafe.id, 50);
    const policy = popularityPolicy(world, counts);
    const page = policy.page(world.users[0], ctx({ pageSize: 5 }));
    // 9, then the 3s in pin order, then padding with the oldest uncounted safe pins.
    expect(page).toEqual([safe[7].id, safe[12].id, safe[40].id, safe[0].id, safe[1].id]);
    expect(policy.page(world.users[1], ctx({ pageSize: 5, sessionIndex: 4 }))).toEqual(page);
  });

  it('skips pins that do not exist yet at the page time', () => {
    const newest = safe[safe.length - 1];
    const policy = popularityPolicy(world, new Map([[newest.id, 10]]));
    expect(policy.page(world.users[0], ctx({ pageSize: 3 }))[0]).toBe(newest.id);
    const early = ctx({ pageSize: 3, nowMs: newest.createdAtMs - 1 });
    expect(policy.page(world.users[0], early)).not.toContain(newest.id);
    expectValidPage(policy.page(world.users[0], early), early);
  });

  it('counts clicks, saves and shares per pin from an event log', () => {
    const e = (itemId: string, type: 'click' | 'save' | 'impression' | 'share') => ({
      eventId: '',
      userId: 'u',
      itemId,
      type,
      timestampMs: 0,
      dwellMs: 0,
      requestId: '',
      position: 0,
      surface: '',
      boardId: '',
    });
    const events = [e('a', 'impression'), e('a', 'click'), e('a', 'save'), e('b', 'click'), e('b', 'share'), e('b', 'click'), e('c', 'impression')];
    expect([...popularityCounts(events)].sort()).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
    expect([...popularityCounts(events, ['impression'])].sort()).toEqual([
      ['a', 1],
      ['c', 1],
    ]);
  });
});

describe('randomPolicy and loggingPolicy', () => {
  it('draw valid pages as pure functions of (seed, user, context)', () => {
    for (const make of [(seed: number) => randomPolicy(world, seed), (seed: number) => loggingPolicy(world, seed)]) {
      const policy = make(1);
      const c = ctx({ sessionIndex: 3, nowMs: world.startMs + 20 * DAY_MS });
      const page = policy.page(world.users[9], c);
      expectValidPage(page, c);
      policy.page(world.users[10], ctx());
      expect(policy.page(world.users[9], c)).toEqual(page);
      expect(make(1).page(world.users[9], c)).toEqual(page);
      expect(make(2).page(world.users[9], c)).not.toEqual(page);
      expect(policy.page(world.users[9], { ...c, sessionIndex: 4 })).not.toEqual(page);
    }
  });

  it('random covers the eligible pins uniformly', () => {
    const policy = randomPolicy(world, 5);
    const safe = world.pins.filter((p) => !p.unsafe);
    const position = new Map(safe.map((p, i) => [p.id, i]));
    let sum = 0;
    let n = 0;
    for (let s = 0; s < 500; s++) {
      for (const id of policy.page(world.users[s % 600], ctx({ sessionIndex: s }))) {
        sum += position.get(id) as number;
        n++;
      }
    }
    // Mean of a uniform index over 0..N−1 is (N − 1)/2, with a standard error of about N / sqrt(12 n).
    const half = (safe.length - 1) / 2;
    expect(Math.abs(sum / n - half)).toBeLessThan((4 * safe.length) / Math.sqrt(12 * n));
  });

  it('gives a short page when fewer pins exist than asked', () => {
    const firstSafe = world.pins.filter((p) => !p.unsafe).slice(0, 3);
    const c = ctx({ nowMs: firstSafe[2].createdAtMs, pageSize: 10 });
    const page = randomPolicy(world, 1).page(world.users[0], c);
    expect([...page].sort()).toEqual(world.pins.filter((p) => !p.unsafe && p.createdAtMs <= c.nowMs).map((p) => p.id).sort());
  });
});

describe('policies built by the simulator', () => {
  it('reject users that are not part of the world with not-found', () => {
    for (const policy of [oraclePolicy(world), randomPolicy(world, 1), popularityPolicy(world, new Map()), loggingPolicy(world, 1)]) {
      let error: unknown;
      try {
        policy.page({ id: 'user_x', ageBucket: 'unknown', gender: 'unknown', country: '', signupAtMs: 0 }, ctx());
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RecsysError);
      expect((error as RecsysError).category).toBe('not-found');
    }
  });
});
