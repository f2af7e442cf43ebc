import { RecsysError } from '@recsys/domain';
import { DAY_MS, ENGAGEMENT_MODEL, engagementProbabilities, examinationProbability, generateWorld, interestAt, trueRelevance } from './index';

const world = generateWorld({ seed: 11, pins: 2000, users: 300 });
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The documented formulas, written out independently of the implementation (interests at `tMs`, `n` repeats). */
function expected(userIndex: number, pinIndex: number, position: number, tMs = world.startMs, n = 0) {
  const latent = world.userLatents[userIndex];
  const a = tMs <= world.startMs ? 0 : 1 - Math.exp((-0.01 * (tMs - world.startMs)) / DAY_MS);
  const interests = latent.interests.map((v, t) => (1 - a) * v + a * latent.driftTarget[t]);
  const max = Math.max(...interests);
  const affinity = (topicId: string) => {
    const topic = world.topics[world.index.topics.get(topicId) as number];
    const siblings = world.topics.filter((t) => t.categoryId === topic.categoryId && t.index !== topic.index);
    return Math.min(1, (interests[topic.index] + 0.25 * siblings.reduce((s, t) => s + interests[t.index], 0)) / max);
  };
  const pin = world.pins[pinIndex];
  const others = pin.topics.slice(1);
  const topical =
    others.length === 0
      ? affinity(pin.topics[0])
      : 0.6 * affinity(pin.topics[0]) + (0.4 * others.reduce((s, t) => s + affinity(t), 0)) / others.length;
  // Theme factor 1 − w + w · (the user's weight of the pin's theme, 0 off their favourites).
  const { theme, virality } = world.pinLatents[pinIndex];
  const favourite = latent.themes.indexOf(theme);
  const w = world.options.themeWeight;
  const r = topical * (1 - w + w * (favourite >= 0 ? latent.themeWeights[favourite] : 0));
  const creator = world.creators[world.index.creators.get(pin.creatorId) as number];
  const qc = pin.quality - 0.5;
  const cc = creator.quality - 0.5;
  const exam = 1 / Math.log2(position + 2);
  const click = exam * 0.85 ** n * 0.85 * sigmoid(-3.2 + 3.6 * r + 1.6 * qc + 0.6 * cc + 0.3 * Math.log(virality));
  return {
    r,
    click,
    hide: exam * Math.min(2, 1.15 ** n) * 0.15 * sigmoid(-2 - 3 * r - 2 * qc + 2.5 * (pin.unsafe ? 1 : 0)),
    save: click * sigmoid(-1.4 + 1.8 * r + 2 * qc + 0.5 * cc),
    share: click * 0.5 * sigmoid(-3 + 1.2 * r + 1.5 * qc),
    dwellMeanMs: 4000 + 26000 * (0.6 * r + 0.4 * pin.quality),
  };
}

/** A pin of one of user u's favourite themes (so the formulas are checked on and off the favourites). */
const favouritePin = (u: number) => world.pinLatents.findIndex((l) => world.userLatents[u].themes.includes(l.theme));

describe('engagementProbabilities', () => {
  it('matches the documented formulas', () => {
    expect(favouritePin(7)).toBeGreaterThanOrEqual(0);
    for (const [u, p, position] of [
      [0, 0, 0],
      [5, 17, 3],
      [7, favouritePin(7), 1],
      [120, 1500, 9],
      [299, 1999, 24],
    ]) {
      const got = engagementProbabilities(world, world.users[u], world.pins[p], position);
      const want = expected(u, p, position);
      expect(got.click).toBeCloseTo(want.click, 12);
      expect(got.hide).toBeCloseTo(want.hide, 12);
      expect(got.save).toBeCloseTo(want.save, 12);
      expect(got.share).toBeCloseTo(want.share, 12);
      expect(got.dwellMeanMs).toBeCloseTo(want.dwellMeanMs, 6);
      expect(trueRelevance(world, world.users[u], world.pins[p])).toBeCloseTo(want.r, 12);
    }
  });

  it('matches the documented formulas at a later time (drifted interests) and after repeated topics (fatigue)', () => {
    for (const [u, p, position, days, n] of [
      [0, 0, 0, 10, 0],
      [5, 17, 3, 29.5, 1],
      [120, 1500, 9, 3, 4],
      [299, 1999, 2, 20, 9],
    ]) {
      const tMs = world.startMs + days * DAY_MS;
      const topicCounts = new Map([[world.pins[p].topics[0], n], ['topic_that_is_not_the_primary', 7]]);
      const got = engagementProbabilities(world, world.users[u], world.pins[p], position, { tMs, topicCounts });
      const want = expected(u, p, position, tMs, n);
      expect(got.click).toBeCloseTo(want.click, 12);
      expect(got.hide).toBeCloseTo(want.hide, 12);
      expect(got.save).toBeCloseTo(want.save, 12);
      expect(got.share).toBeCloseTo(want.share, 12);
      expect(got.dwellMeanMs).toBeCloseTo(want.dwellMeanMs, 6);
      expect(trueRelevance(world, world.users[u], world.pins[p], tMs)).toBeCloseTo(want.r, 12);
    }
    // interestAt is the mixture the model uses.
    const tMs = world.startMs + 7 * DAY_MS;
    const a = 1 - Math.exp(-0.07);
    interestAt(world, 9, tMs).forEach((v, t) =>
      expect(v).toBeCloseTo((1 - a) * world.userLatents[9].interests[t] + a * world.userLatents[9].driftTarget[t], 12),
    );
  });

  it('lowers click, save and share by 0.85 per earlier impression of the same primary topic, raises hide up to twice', () => {
    const user = world.users[8];
    const pin = world.pins[321];
    const primary = pin.topics[0];
    const fresh = engagementProbabilities(world, user, pin, 2);
    let previous = fresh;
    for (let n = 1; n <= 12; n++) {
      const tired = engagementProbabilities(world, user, pin, 2, { topicCounts: new Map([[primary, n]]) });
      expect(tired.click / fresh.click).toBeCloseTo(0.85 ** n, 12);
      expect(tired.save / fresh.save).toBeCloseTo(0.85 ** n, 12);
      expect(tired.share / fresh.share).toBeCloseTo(0.85 ** n, 12);
      expect(tired.hide / fresh.hide).toBeCloseTo(Math.min(2, 1.15 ** n), 12);
      expect(tired.click).toBeLessThan(previous.click);
      expect(tired.dwellMeanMs).toBe(fresh.dwellMeanMs);
      expect(tired.click + tired.hide).toBeLessThan(1);
      previous = tired;
    }
    expect(ENGAGEMENT_MODEL.fatigue).toEqual({ click: 0.85, hide: 1.15, hideCap: 2 });
    // Counts of other topics do not tire this pin.
    const others = new Map(world.topics.filter((t) => !pin.topics.includes(t.id)).map((t) => [t.id, 5]));
    expect(engagementProbabilities(world, user, pin, 2, { topicCounts: others })).toEqual(fresh);
  });

  it('keeps every probability inside (0, 1), save and share below click, click + hide below 1', () => {
    const bad: string[] = [];
    let checked = 0;
    for (let u = 0; u < world.users.length; u += 5) {
      for (let p = 0; p < world.pins.length; p += 23) {
        for (const position of [0, 1, 5, 30]) {
          const e = engagementProbabilities(world, world.users[u], world.pins[p], position);
          const ok =
            [e.click, e.save, e.share, e.hide].every((v) => v > 0 && v < 1) &&
            e.save < e.click &&
            e.share < e.click &&
            e.click + e.hide < 1 &&
            e.dwellMeanMs >= 4000 &&
            e.dwellMeanMs <= 30000;
          if (!ok) bad.push(`${u}/${p}/${position}: ${JSON.stringify(e)}`);
          checked++;
        }
      }
    }
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(20_000);
  });

  it('decreases click strictly with position, following 1 / log2(position + 2)', () => {
    expect(examinationProbability(0)).toBe(1);
    expect(examinationProbability(2)).toBe(0.5);
    const user = world.users[3];
    const pin = world.pins[42];
    const top = engagementProbabilities(world, user, pin, 0);
    let previous = top.click;
    for (let position = 1; position <= 50; position++) {
      const e = engagementProbabilities(world, user, pin, position);
      expect(e.click).toBeLessThan(previous);
      expect(e.click / top.click).toBeCloseTo(examinationProbability(position), 12);
      expect(e.dwellMeanMs).toBe(top.dwellMeanMs);
      previous = e.click;
    }
  });

  it('makes pins of a user’s main topic far more clickable than pins outside their interests', () => {
    let inside = 0;
    let insideCount = 0;
    let outside = 0;
    let outsideCount = 0;
    for (let u = 0; u < 100; u++) {
      const latent = world.userLatents[u];
      const top = world.topics[latent.mainTopics[0]].id;
      for (let p = 0; p < world.pins.length; p += 5) {
        const pin = world.pins[p];
        const click = engagementProbabilities(world, world.users[u], pin, 0).click;
        if (pin.topics[0] === top) {
          inside += click;
          insideCount++;
        } else if (pin.topics.every((t) => latent.interests[world.index.topics.get(t) as number] < 0.02)) {
          outside += click;
          outsideCount++;
        }
      }
    }
    expect(insideCount).toBeGreaterThan(0);
    expect(outsideCount).toBeGreaterThan(0);
    expect(inside / insideCount).toBeGreaterThan(3 * (outside / outsideCount));
  });

  it('fails with not-found for unknown users or items and bad-request for a bad position', () => {
    const categoryOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof RecsysError ? error.category : 'other';
      }
      return 'none';
    };
    expect(categoryOf(() => engagementProbabilities(world, { id: 'user_99999' }, world.pins[0], 0))).toBe('not-found');
    expect(categoryOf(() => engagementProbabilities(world, world.users[0], { id: 'pin_x' }, 0))).toBe('not-found');
    expect(categoryOf(() => engagementProbabilities(world, world.users[0], world.pins[0], -1))).toBe('bad-request');
    expect(categoryOf(() => engagementProbabilities(world, world.users[0], world.pins[0], 1.5))).toBe('bad-request');
    expect(categoryOf(() => engagementProbabilities(world, world.users[0], world.pins[0], 0, { tMs: Infinity }))).toBe('bad-request');
    const negative = new Map([[world.pins[0].topics[0], -1]]);
    expect(categoryOf(() => engagementProbabilities(world, world.users[0], world.pins[0], 0, { topicCounts: negative }))).toBe('bad-request');
  });
});
