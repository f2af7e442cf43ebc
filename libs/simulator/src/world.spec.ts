import { RecsysError } from '@recsys/domain';
import { CALIBRATED_WORLD, DAY_MS, demographicSegment, EMBEDDING_DIM, generateWorld, PRE_CALIBRATION_WORLD, World } from './index';

const world = generateWorld({ seed: 7 });

function dot(a: number[], b: number[]): number {
  return a.reduce((sum, v, i) => sum + v * b[i], 0);
}

describe('generateWorld: determinism and sizes', () => {
  it('gives a deep-equal world for the same seed and a different one for another seed', () => {
    const again = generateWorld({ seed: 7 });
    // JSON covers every value (Maps aside, compared by their entries); much faster than a deep toEqual.
    expect(JSON.stringify(again)).toBe(JSON.stringify(world));
    expect([...again.index.pins]).toEqual([...world.index.pins]);
    expect([...again.index.users]).toEqual([...world.index.users]);
    const other = generateWorld({ seed: 8 });
    expect(other.pins.map((p) => p.createdAtMs)).not.toEqual(world.pins.map((p) => p.createdAtMs));
    expect(other.userLatents.map((l) => l.interests)).not.toEqual(world.userLatents.map((l) => l.interests));
  });

  it('keeps users identical when only the number of pins changes (independent streams per part)', () => {
    const fewerPins = generateWorld({ seed: 7, pins: 1200 });
    expect(fewerPins.users).toEqual(world.users);
    expect(fewerPins.userLatents).toEqual(world.userLatents);
    expect(fewerPins.boards).toEqual(world.boards);
    expect(fewerPins.topics).toEqual(world.topics);
  });

  it('uses the documented defaults', () => {
    expect(world.topics).toHaveLength(24);
    expect(world.creators).toHaveLength(300);
    expect(world.pins).toHaveLength(5000);
    expect(world.users).toHaveLength(1000);
    expect(world.startMs).toBe(Date.parse('2026-01-01T00:00:00Z'));
    expect(world.endMs).toBe(world.startMs + 30 * DAY_MS);
    expect(world.options).toEqual({ seed: 7, topics: 24, creators: 300, pins: 5000, users: 1000, startMs: world.startMs, days: 30, driftPerDay: 0.01, ...CALIBRATED_WORLD });
  });

  it('numbers ids zero-padded from 0, unique, in creation order', () => {
    expect(world.pins[0].id).toBe('pin_000000');
    expect(world.pins[4999].id).toBe('pin_004999');
    expect(world.users[42].id).toBe('user_00042');
    expect(world.creators[7].id).toBe('creator_0007');
    expect(world.topics[3].id).toBe('topic_03');
    for (const [list, pattern] of [
      [world.pins, /^pin_\d{6}$/],
      [world.users, /^user_\d{5}$/],
      [world.creators, /^creator_\d{4}$/],
      [world.topics, /^topic_\d{2}$/],
      [world.categories, /^category_\d{2}$/],
    ] as const) {
      const ids = list.map((x) => x.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.filter((id) => !pattern.test(id))).toEqual([]);
    }
    const sorted = (xs: number[]) => xs.every((x, i) => i === 0 || xs[i - 1] <= x);
    expect(sorted(world.pins.map((p) => p.createdAtMs))).toBe(true);
    expect(sorted(world.users.map((u) => u.signupAtMs))).toBe(true);
    expect(sorted(world.creators.map((c) => c.createdAtMs))).toBe(true);
    expect(world.pins.filter((p, i) => world.index.pins.get(p.id) !== i)).toEqual([]);
  });

  it('widens the padding when a count needs more digits, and names extra topics uniquely', () => {
    const big = generateWorld({ seed: 1, topics: 120, creators: 20, pins: 30, users: 5 });
    expect(big.topics[0].id).toBe('topic_000');
    expect(big.topics[119].id).toBe('topic_119');
    expect(new Set(big.topics.map((t) => t.name)).size).toBe(120);
    expect(big.topics[48].name).toBe('home-decor-2');
  });

  it('rejects out-of-range options with a bad-request error naming the option', () => {
    const fieldOf = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (error) {
        expect(error).toBeInstanceOf(RecsysError);
        expect((error as RecsysError).category).toBe('bad-request');
        return (error as RecsysError).field;
      }
      return undefined;
    };
    expect(fieldOf(() => generateWorld({ seed: 1, topics: 0 }))).toBe('topics');
    expect(fieldOf(() => generateWorld({ seed: 1, pins: 2.5 }))).toBe('pins');
    expect(fieldOf(() => generateWorld({ seed: 1, days: 0 }))).toBe('days');
    expect(fieldOf(() => generateWorld({ seed: 0.5 }))).toBe('seed');
    expect(fieldOf(() => generateWorld({ seed: 1, driftPerDay: -0.1 }))).toBe('driftPerDay');
    expect(fieldOf(() => generateWorld({ seed: 1, driftPerDay: 2 }))).toBe('driftPerDay');
  });
});

describe('generateWorld: topics and creators', () => {
  it('builds a two-level hierarchy with readable names, two topics per category by default', () => {
    expect(world.topics.slice(0, 3).map((t) => t.name)).toEqual(['home-decor', 'recipes', 'womens-fashion']);
    expect(world.categories).toHaveLength(12);
    for (const category of world.categories) expect(category.topicIds).toHaveLength(2);
    for (const topic of world.topics) {
      const category = world.categories.find((c) => c.id === topic.categoryId);
      expect(category?.topicIds).toContain(topic.id);
      expect(topic.vector).toHaveLength(EMBEDDING_DIM);
      expect(Math.sqrt(dot(topic.vector, topic.vector))).toBeCloseTo(1, 4);
    }
    // Sibling topics point in closer directions than topics of different categories.
    const pairs = world.topics.flatMap((a) => world.topics.filter((b) => b.index > a.index).map((b) => [a, b] as const));
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const siblings = mean(pairs.filter(([a, b]) => a.categoryId === b.categoryId).map(([a, b]) => dot(a.vector, b.vector)));
    const strangers = mean(pairs.filter(([a, b]) => a.categoryId !== b.categoryId).map(([a, b]) => dot(a.vector, b.vector)));
    expect(siblings).toBeGreaterThan(strangers + 0.3);
  });

  it('gives creators heavy-tailed sizes: the top 10% own more than 40% of pins', () => {
    const counts = world.creators.map((c) => c.pinCount).sort((a, b) => b - a);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(5000);
    const top = counts.slice(0, 30).reduce((s, c) => s + c, 0);
    expect(top / 5000).toBeGreaterThan(0.4);
    // Every creator has at least one pin, and the pin counts match the pins' creator ids.
    expect(counts[counts.length - 1]).toBeGreaterThanOrEqual(1);
    const byCreator = new Map<string, number>();
    for (const pin of world.pins) byCreator.set(pin.creatorId, (byCreator.get(pin.creatorId) ?? 0) + 1);
    for (const creator of world.creators) expect(byCreator.get(creator.id)).toBe(creator.pinCount);
  });

  it('makes 10% of creators brand new (last 2 days), with recent pins only', () => {
    const fresh = world.creators.filter((c) => c.isNew);
    expect(fresh).toHaveLength(30);
    for (const creator of world.creators) {
      if (creator.isNew) {
        expect(creator.createdAtMs).toBeGreaterThanOrEqual(world.endMs - 2 * DAY_MS);
        expect(creator.createdAtMs).toBeLessThan(world.endMs);
      } else {
        expect(creator.createdAtMs).toBeLessThan(world.startMs);
      }
      expect(creator.focusTopicIds.length).toBeGreaterThanOrEqual(1);
      expect(creator.focusTopicIds.length).toBeLessThanOrEqual(2);
    }
    const freshIds = new Map(fresh.map((c) => [c.id, c.createdAtMs]));
    const freshPins = world.pins.filter((p) => freshIds.has(p.creatorId));
    expect(freshPins.length).toBeGreaterThanOrEqual(30);
    for (const pin of freshPins) {
      expect(pin.createdAtMs).toBeGreaterThanOrEqual(freshIds.get(pin.creatorId) as number);
      expect(pin.createdAtMs).toBeGreaterThanOrEqual(world.endMs - 2 * DAY_MS);
    }
  });
});

describe('generateWorld: pins', () => {
  it('gives each pin 1–3 distinct known topics, mostly led by its creator focus', () => {
    const creators = new Map(world.creators.map((c) => [c.id, c]));
    const malformed = world.pins.filter(
      (pin) =>
        pin.topics.length < 1 ||
        pin.topics.length > 3 ||
        new Set(pin.topics).size !== pin.topics.length ||
        !pin.topics.every((t) => world.index.topics.has(t)),
    );
    expect(malformed).toEqual([]);
    const fromFocus = world.pins.filter((pin) => creators.get(pin.creatorId)?.focusTopicIds.includes(pin.topics[0])).length;
    expect(fromFocus / world.pins.length).toBeGreaterThan(0.8);
    expect(world.pins.some((p) => p.topics.length === 3)).toBe(true);
  });

  it('draws aspect ratios from the realistic mix with 2:3 the most common', () => {
    const counts = new Map<number, number>();
    for (const pin of world.pins) counts.set(pin.aspectRatio, (counts.get(pin.aspectRatio) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([0.5625, 0.6667, 0.8, 1, 1.5]);
    const ranked = [...counts].sort((a, b) => b[1] - a[1]);
    expect(ranked[0][0]).toBe(0.6667);
    expect(ranked[0][1] / world.pins.length).toBeGreaterThan(0.4);
  });

  it('keeps quality in [0, 1], creation times in the window and about 1% unsafe', () => {
    const outside = world.pins.filter(
      (pin) => pin.quality < 0 || pin.quality > 1 || pin.createdAtMs < world.startMs || pin.createdAtMs >= world.endMs,
    );
    expect(outside).toEqual([]);
    const qualities = world.pins.map((p) => p.quality);
    const mean = qualities.reduce((s, q) => s + q, 0) / qualities.length;
    expect(mean).toBeGreaterThan(0.4);
    expect(mean).toBeLessThan(0.6);
    const unsafe = world.pins.filter((p) => p.unsafe).length / world.pins.length;
    expect(unsafe).toBeGreaterThan(0.004);
    expect(unsafe).toBeLessThan(0.02);
  });

  it('embeds pins as unit vectors near their primary topic vector', () => {
    let own = 0;
    let other = 0;
    const notUnit = world.pins.filter(
      (pin) => pin.embedding.length !== EMBEDDING_DIM || Math.abs(Math.sqrt(dot(pin.embedding, pin.embedding)) - 1) > 1e-3,
    );
    expect(notUnit).toEqual([]);
    for (const pin of world.pins) {
      const primary = world.index.topics.get(pin.topics[0]) as number;
      own += dot(pin.embedding, world.topics[primary].vector);
      other += dot(pin.embedding, world.topics[(primary + 5) % world.topics.length].vector);
    }
    expect(own / world.pins.length).toBeGreaterThan(0.6);
    expect(own / world.pins.length).toBeGreaterThan(other / world.pins.length + 0.4);
  });
});

describe('generateWorld: users', () => {
  it('gives users demographics, a US-heavy country mix and sign-ups mostly before the window', () => {
    const countries = new Map<string, number>();
    for (const user of world.users) countries.set(user.country, (countries.get(user.country) ?? 0) + 1);
    expect([...countries.keys()].sort()).toEqual(['BR', 'CA', 'DE', 'FR', 'GB', 'IN', 'JP', 'US']);
    expect([...countries].sort((a, b) => b[1] - a[1])[0][0]).toBe('US');
    const inWindow = world.users.filter((u) => u.signupAtMs >= world.startMs).length / world.users.length;
    expect(inWindow).toBeGreaterThan(0.08);
    expect(inWindow).toBeLessThan(0.25);
    for (const user of world.users) expect(user.signupAtMs).toBeLessThan(world.endMs);
    expect(new Set(world.users.map((u) => u.ageBucket)).size).toBe(6);
    expect(new Set(world.users.map((u) => u.gender)).size).toBe(4);
  });

  it('gives every user a sparse interest mixture: 2–4 main topics holding most of the mass', () => {
    const malformed = world.userLatents.filter(
      (latent) =>
        latent.interests.length !== 24 ||
        Math.abs(latent.interests.reduce((s, v) => s + v, 0) - 1) > 1e-6 ||
        latent.interests.some((v) => v < 0) ||
        latent.mainTopics.length < 2 ||
        latent.mainTopics.length > 4 ||
        new Set(latent.mainTopics).size !== latent.mainTopics.length ||
        latent.mainTopics.reduce((s, t) => s + latent.interests[t], 0) < 0.8 ||
        latent.activity < 1,
    );
    expect(malformed).toEqual([]);
    // Main topics are listed most interested first.
    const first = world.userLatents[0];
    expect(first.interests[first.mainTopics[0]]).toBe(Math.max(...first.interests));
  });

  it('correlates interests with demographics: users sit closer to their own segment mean than to others', () => {
    const result = segmentCloseness(world);
    expect(result.segments).toBeGreaterThanOrEqual(8);
    expect(result.meanOwn).toBeLessThan(result.meanOther * 0.85);
    expect(result.closerToOwn).toBeGreaterThan(0.75);
  });

  it('derives segment priors that sum to 1 for every age × gender pair', () => {
    expect(Object.keys(world.segmentTopicPriors)).toHaveLength(24);
    expect(world.segmentTopicPriors[demographicSegment({ ageBucket: '25-34', gender: 'female' })]).toHaveLength(24);
    for (const prior of Object.values(world.segmentTopicPriors)) {
      expect(prior.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    }
  });
});

/** Squared distances of each user's interests to the leave-one-out mean of their own segment and to other segments' means. */
function segmentCloseness(w: World): { segments: number; meanOwn: number; meanOther: number; closerToOwn: number } {
  const groups = new Map<string, number[]>();
  w.users.forEach((u, i) => groups.set(demographicSegment(u), [...(groups.get(demographicSegment(u)) ?? []), i]));
  const big = [...groups].filter(([, members]) => members.length >= 15);
  const topics = w.topics.length;
  const sums = new Map(
    big.map(([key, members]) => {
      const sum = new Array<number>(topics).fill(0);
      for (const i of members) w.userLatents[i].interests.forEach((v, t) => (sum[t] += v));
      return [key, sum] as const;
    }),
  );
  const distance = (a: number[], b: number[]) => a.reduce((s, v, t) => s + (v - b[t]) ** 2, 0);
  let own = 0;
  let other = 0;
  let users = 0;
  let pairs = 0;
  let closer = 0;
  for (const [key, members] of big) {
    for (const i of members) {
      const x = w.userLatents[i].interests;
      const ownMean = (sums.get(key) as number[]).map((v, t) => (v - x[t]) / (members.length - 1));
      const dOwn = distance(x, ownMean);
      let dOthers = 0;
      let count = 0;
      for (const [key2, members2] of big) {
        if (key2 === key) continue;
        const d = distance(x, (sums.get(key2) as number[]).map((v) => v / members2.length));
        dOthers += d;
        count++;
      }
      own += dOwn;
      other += dOthers;
      users++;
      pairs += count;
      if (dOwn < dOthers / count) closer++;
    }
  }
  return { segments: big.length, meanOwn: own / users, meanOther: other / pairs, closerToOwn: closer / users };
}

describe('generateWorld: latent themes and virality (the calibrated world)', () => {
  const world = generateWorld({ seed: 3, pins: 3000, users: 400 });
  const T = world.options.themesPerTopic;

  it('gives each pin a theme of its primary topic and a virality of mean about 1', () => {
    expect(T).toBeGreaterThan(0);
    world.pins.forEach((pin, p) => {
      const { theme } = world.pinLatents[p];
      expect(Math.floor(theme / T)).toBe(world.index.topics.get(pin.topics[0]));
    });
    const v = world.pinLatents.map((l) => l.virality);
    expect(v.every((x) => x > 0)).toBe(true);
    expect(v.reduce((a, b) => a + b, 0) / v.length).toBeGreaterThan(0.85);
    expect(v.reduce((a, b) => a + b, 0) / v.length).toBeLessThan(1.15);
    // A heavy tail: the most viral pins are many times the median.
    const sorted = [...v].sort((a, b) => a - b);
    expect(sorted[Math.floor(0.99 * sorted.length)] / sorted[Math.floor(sorted.length / 2)]).toBeGreaterThan(5);
  });

  it('gives each user 1–2 favourite themes of each main topic, the topic’s best weighing 1', () => {
    for (const latent of world.userLatents) {
      for (const topic of latent.mainTopics) {
        const mine = latent.themes.map((t, k) => ({ t, w: latent.themeWeights[k] })).filter((x) => Math.floor(x.t / T) === topic);
        expect(mine.length).toBeGreaterThanOrEqual(1);
        expect(mine.length).toBeLessThanOrEqual(2);
        expect(Math.max(...mine.map((x) => x.w))).toBe(1);
      }
      expect(latent.themes.every((t) => latent.mainTopics.includes(Math.floor(t / T)))).toBe(true);
    }
  });

  it('keeps the pins and users of the world before calibration; that world has no themes and no virality', () => {
    const before = generateWorld({ seed: 3, pins: 3000, users: 400, ...PRE_CALIBRATION_WORLD });
    expect(before.pins).toEqual(world.pins);
    expect(before.users).toEqual(world.users);
    expect(before.pinLatents.every((l) => l.theme === -1 && l.virality === 1)).toBe(true);
    expect(before.userLatents.every((l) => l.themes.length === 0)).toBe(true);
  });

  it('rejects parameters out of range, naming them', () => {
    for (const [bad, field] of [
      [{ themesPerTopic: -1 }, 'themesPerTopic'],
      [{ themeWeight: 1.5 }, 'themeWeight'],
      [{ themeExposure: -0.1 }, 'themeExposure'],
      [{ viralitySigma: 9 }, 'viralitySigma'],
      [{ activityAlpha: 1 }, 'activityAlpha'],
    ] as const) {
      expect(() => generateWorld({ seed: 1, ...bad })).toThrow(field);
    }
  });
});
