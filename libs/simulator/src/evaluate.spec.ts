import { RecsysError, User } from '@recsys/domain';
import {
  DAY_MS,
  evaluatePolicy,
  generateWorld,
  oraclePolicy,
  PerPage,
  Policy,
  PolicyContext,
  popularityCounts,
  popularityPolicy,
  randomPolicy,
  simulateEvents,
} from './index';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** E[clamp(m · exp(0.8 z − 0.32), 500, 120000)] for z standard normal, by Simpson's rule on [−10, 10]. */
function clampedDwellMean(mean: number): number {
  const steps = 20_000;
  const h = 20 / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const z = -10 + i * h;
    const value = Math.min(120_000, Math.max(500, mean * Math.exp(0.8 * z - 0.32))) * (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI));
    sum += (i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2) * value;
  }
  return (sum * h) / 3;
}

describe('evaluatePolicy: expected engagement by hand on a tiny world', () => {
  const world = generateWorld({ seed: 31, topics: 13, creators: 3, pins: 12, users: 3 });
  // Two pins sharing a primary topic, so the page carries fatigue; the repeat of `first` is dropped.
  const first = world.pins.find((p) => world.pins.some((q) => q !== p && q.topics[0] === p.topics[0]))!;
  const second = world.pins.find((q) => q !== first && q.topics[0] === first.topics[0])!;
  const rest = world.pins.filter((p) => p !== first && p !== second).slice(0, 3);
  const answer = [first.id, rest[0].id, first.id, second.id, rest[1].id, rest[2].id];
  const fixed: Policy = { name: 'fixed', page: () => answer };
  const shown = [first, rest[0], second, rest[1]];

  function handPage(u: number): PerPage {
    const latent = world.userLatents[u];
    const a = 1 - Math.exp(-0.01 * 30);
    const interests = latent.interests.map((v, t) => (1 - a) * v + a * latent.driftTarget[t]);
    const max = Math.max(...interests);
    const affinity = (id: string) => {
      const topic = world.topics.find((t) => t.id === id)!;
      const siblings = world.topics.filter((t) => t.categoryId === topic.categoryId && t !== topic);
      return Math.min(1, (interests[topic.index] + 0.25 * siblings.reduce((s, t) => s + interests[t.index], 0)) / max);
    };
    const page: PerPage = { impressions: 4, clicks: 0, saves: 0, shares: 0, hides: 0, dwellMs: 0 };
    const seen = new Map<string, number>();
    shown.forEach((pin, position) => {
      const others = pin.topics.slice(1);
      const topical = others.length === 0 ? affinity(pin.topics[0]) : 0.6 * affinity(pin.topics[0]) + (0.4 * others.reduce((s, t) => s + affinity(t), 0)) / others.length;
      const { theme, virality } = world.pinLatents[world.index.pins.get(pin.id)!];
      const favourite = latent.themes.indexOf(theme);
      const w = world.options.themeWeight;
      const r = topical * (1 - w + w * (favourite >= 0 ? latent.themeWeights[favourite] : 0));
      const creator = world.creators.find((c) => c.id === pin.creatorId)!;
      const qc = pin.quality - 0.5;
      const cc = creator.quality - 0.5;
      const n = seen.get(pin.topics[0]) ?? 0;
      seen.set(pin.topics[0], n + 1);
      const exam = 1 / Math.log2(position + 2);
      const click = exam * 0.85 ** n * 0.85 * sigmoid(-3.2 + 3.6 * r + 1.6 * qc + 0.6 * cc + 0.3 * Math.log(virality));
      page.clicks += click;
      page.saves += click * sigmoid(-1.4 + 1.8 * r + 2 * qc + 0.5 * cc);
      page.shares += click * 0.5 * sigmoid(-3 + 1.2 * r + 1.5 * qc);
      page.hides += exam * Math.min(2, 1.15 ** n) * 0.15 * sigmoid(-2 - 3 * r - 2 * qc + 2.5 * (pin.unsafe ? 1 : 0));
      page.dwellMs += click * clampedDwellMean(4000 + 26000 * (0.6 * r + 0.4 * pin.quality));
    });
    return page;
  }

  it('sums the true probabilities over the page with position bias, drift and fatigue', () => {
    expect(first.topics[0]).toBe(second.topics[0]);
    const result = evaluatePolicy(world, fixed, { seed: 1, users: 3, pagesPerUser: 2, pageSize: 4 });
    expect(result).toMatchObject({ policy: 'fixed', users: 3, pages: 6, pageSize: 4, nowMs: world.startMs + 30 * DAY_MS });
    const pages = [0, 1, 2].map(handPage);
    const mean = (key: keyof PerPage) => pages.reduce((s, p) => s + p[key], 0) / 3;
    expect(result.expected.impressions).toBe(4);
    expect(result.sampled.impressions).toBe(4);
    expect(result.expected.clicks).toBeCloseTo(mean('clicks'), 12);
    expect(result.expected.saves).toBeCloseTo(mean('saves'), 12);
    expect(result.expected.shares).toBeCloseTo(mean('shares'), 12);
    expect(result.expected.hides).toBeCloseTo(mean('hides'), 12);
    expect(result.expected.dwellMs).toBeCloseTo(mean('dwellMs'), 1);
  });

  it('counts whole sampled responses per page', () => {
    const result = evaluatePolicy(world, fixed, { seed: 5, users: 3, pagesPerUser: 10, pageSize: 4 });
    for (const key of ['clicks', 'saves', 'shares', 'hides'] as const) expect(Number.isInteger(result.sampled[key] * 30)).toBe(true);
    expect(result.sampled.saves).toBeLessThanOrEqual(result.sampled.clicks);
  });
});

describe('evaluatePolicy: sampling', () => {
  const world = generateWorld({ seed: 7 });

  it('samples users deterministically from the seed', () => {
    const seen: string[][] = [];
    const spy = (): Policy => {
      const users: string[] = [];
      seen.push(users);
      return {
        name: 'spy',
        page: (user: User, ctx: PolicyContext) => {
          users.push(`${user.id}@${ctx.sessionIndex}`);
          return [world.pins[0].id];
        },
      };
    };
    evaluatePolicy(world, spy(), { seed: 1, users: 50, pagesPerUser: 2 });
    evaluatePolicy(world, spy(), { seed: 1, users: 50, pagesPerUser: 2 });
    evaluatePolicy(world, spy(), { seed: 2, users: 50, pagesPerUser: 2 });
    expect(seen[0]).toHaveLength(100);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).not.toEqual(seen[0]);
    // 50 distinct users in user order, each asked twice in a row; session indexes count the run's pages.
    const users = seen[0].map((s) => s.split('@')[0]);
    expect(new Set(users).size).toBe(50);
    expect([...users].sort()).toEqual(users);
    expect(seen[0].map((s) => Number(s.split('@')[1]))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    // Asking for more users than exist evaluates them all.
    expect(evaluatePolicy(world, spy(), { seed: 1, users: 5000 }).users).toBe(1000);
  });

  it('converges: sampled means over 20,000 pages are within 5 standard errors of the expected ones', () => {
    for (const policy of [randomPolicy(world, 4), oraclePolicy(world)]) {
      const result = evaluatePolicy(world, policy, { seed: 9, users: 1000, pagesPerUser: 20 });
      expect(result.pages).toBe(20_000);
      // Counts per page are sums of Bernoulli draws: variance at most their mean.
      for (const key of ['clicks', 'saves', 'shares', 'hides'] as const) {
        const bound = 5 * Math.sqrt(result.expected[key] / result.pages);
        expect(Math.abs(result.sampled[key] - result.expected[key])).toBeLessThan(bound);
      }
      expect(Math.abs(result.sampled.dwellMs / result.expected.dwellMs - 1)).toBeLessThan(0.06);
      expect(evaluatePolicy(world, policy, { seed: 9, users: 1000, pagesPerUser: 20 })).toEqual(result);
    }
  });

  it('rejects bad options with bad-request naming the option', () => {
    const field = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof RecsysError && error.category === 'bad-request' ? error.field : 'wrong error';
      }
      return undefined;
    };
    const policy = randomPolicy(world, 1);
    expect(field(() => evaluatePolicy(world, policy, { seed: 1, users: 0 }))).toBe('users');
    expect(field(() => evaluatePolicy(world, policy, { seed: 1, pagesPerUser: 0 }))).toBe('pagesPerUser');
    expect(field(() => evaluatePolicy(world, policy, { seed: 1, pageSize: 1001 }))).toBe('pageSize');
    expect(field(() => evaluatePolicy(world, policy, { seed: 1, nowMs: world.startMs - 800 * DAY_MS }))).toBe('nowMs');
    expect(field(() => evaluatePolicy(world, policy, { seed: 1.5 }))).toBe('seed');
  });
});

describe('reference policies on the default world', () => {
  const world = generateWorld({ seed: 7 });
  const counts = popularityCounts(simulateEvents(world, { seed: 1, events: 200_000 }));
  const options = { seed: 3, users: 1000, pagesPerUser: 2, pageSize: 10 };
  const oracle = evaluatePolicy(world, oraclePolicy(world), options);
  const popularity = evaluatePolicy(world, popularityPolicy(world, counts), options);
  const random = evaluatePolicy(world, randomPolicy(world, 3), options);

  it('rank oracle clearly above popularity, popularity clearly above random, on expected clicks and saves', () => {
    expect(oracle.expected.clicks).toBeGreaterThan(2.5 * popularity.expected.clicks);
    expect(oracle.expected.saves).toBeGreaterThan(3 * popularity.expected.saves);
    expect(popularity.expected.clicks).toBeGreaterThan(1.2 * random.expected.clicks);
    expect(popularity.expected.saves).toBeGreaterThan(1.4 * random.expected.saves);
    // And the other way round for hides.
    expect(oracle.expected.hides).toBeLessThan(popularity.expected.hides);
    expect(popularity.expected.hides).toBeLessThan(random.expected.hides);
  });

  it('show the same order in the sampled responses', () => {
    expect(oracle.sampled.clicks).toBeGreaterThan(popularity.sampled.clicks);
    expect(popularity.sampled.clicks).toBeGreaterThan(random.sampled.clicks);
    expect(oracle.sampled.saves).toBeGreaterThan(popularity.sampled.saves);
    expect(popularity.sampled.saves).toBeGreaterThan(random.sampled.saves);
  });
});
