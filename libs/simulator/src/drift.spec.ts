import { RecsysError } from '@recsys/domain';
import { DAY_MS, driftShare, generateWorld, interestAt, trueRelevance } from './index';

const world = generateWorld({ seed: 17, pins: 2000, users: 400 });
const l1 = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + Math.abs(v - b[i]), 0);

describe('drift targets', () => {
  it('give each user a distribution leaning 80% on 1–2 topics outside their main topics', () => {
    const bad = world.userLatents.filter((l) => {
      const mass = l.driftTopics.reduce((s, t) => s + l.driftTarget[t], 0);
      return (
        l.driftTarget.length !== 24 ||
        Math.abs(l.driftTarget.reduce((s, v) => s + v, 0) - 1) > 1e-6 ||
        l.driftTarget.some((v) => v < 0) ||
        l.driftTopics.length < 1 ||
        l.driftTopics.length > 2 ||
        l.driftTopics.some((t) => l.mainTopics.includes(t)) ||
        mass < 0.8
      );
    });
    expect(bad).toEqual([]);
    expect(world.userLatents.some((l) => l.driftTopics.length === 2)).toBe(true);
  });
});

describe('interestAt', () => {
  it('is the generated mixture at and before the window start', () => {
    for (const u of [0, 13, 399]) {
      expect(Array.from(interestAt(world, u, world.startMs))).toEqual(world.userLatents[u].interests);
      expect(Array.from(interestAt(world, u, world.startMs - 5 * DAY_MS))).toEqual(world.userLatents[u].interests);
    }
  });

  it('moves toward the drift target by 1 − exp(−0.01 · days)', () => {
    expect(driftShare(0.01, 0, 30 * DAY_MS)).toBeCloseTo(1 - Math.exp(-0.3), 15);
    expect(driftShare(0.01, 0, 30 * DAY_MS)).toBeCloseTo(0.2591817793, 9);
    const a = 1 - Math.exp(-0.01 * 12.5);
    for (const u of [2, 77, 250]) {
      const { interests, driftTarget } = world.userLatents[u];
      const got = interestAt(world, u, world.startMs + 12.5 * DAY_MS);
      interests.forEach((v, t) => expect(got[t]).toBeCloseTo((1 - a) * v + a * driftTarget[t], 12));
      expect(got.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    }
  });

  it('is slow: under 0.02 of L1 movement per day, about 26% of the way after the 30-day window', () => {
    let maxDay = 0;
    for (let u = 0; u < world.users.length; u++) {
      const start = interestAt(world, u, world.startMs);
      const day = interestAt(world, u, world.startMs + DAY_MS);
      maxDay = Math.max(maxDay, l1(start, day));
      const target = world.userLatents[u].driftTarget;
      const end = interestAt(world, u, world.endMs);
      expect(l1(end, target) / l1(start, target)).toBeCloseTo(Math.exp(-0.3), 9);
    }
    expect(maxDay).toBeLessThan(0.02);
    expect(maxDay).toBeGreaterThan(0.005);
  });

  it('is deterministic: the same for repeated calls and a regenerated world, frozen at rate 0', () => {
    const t = world.startMs + 9.3 * DAY_MS;
    expect(interestAt(world, 5, t)).toEqual(interestAt(world, 5, t));
    expect(interestAt(generateWorld({ seed: 17, pins: 2000, users: 400 }), 5, t)).toEqual(interestAt(world, 5, t));
    const frozen = generateWorld({ seed: 17, pins: 2000, users: 400, driftPerDay: 0 });
    expect(Array.from(interestAt(frozen, 5, world.endMs))).toEqual(frozen.userLatents[5].interests);
  });

  it('makes pins of a user’s drift topic more relevant at the end of the window than at its start', () => {
    let up = 0;
    let total = 0;
    for (let u = 0; u < 100; u++) {
      const topic = world.topics[world.userLatents[u].driftTopics[0]].id;
      const pin = world.pins.find((p) => p.topics.length === 1 && p.topics[0] === topic);
      if (!pin) continue;
      total++;
      if (trueRelevance(world, world.users[u], pin, world.endMs) > trueRelevance(world, world.users[u], pin)) up++;
    }
    expect(total).toBeGreaterThan(80);
    expect(up).toBe(total);
  });

  it('fails with not-found for an unknown user index and bad-request for a non-finite time', () => {
    const category = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error instanceof RecsysError ? error.category : 'other';
      }
      return 'none';
    };
    expect(category(() => interestAt(world, 400, world.startMs))).toBe('not-found');
    expect(category(() => interestAt(world, -1, world.startMs))).toBe('not-found');
    expect(category(() => interestAt(world, 0, Number.NaN))).toBe('bad-request');
  });
});
