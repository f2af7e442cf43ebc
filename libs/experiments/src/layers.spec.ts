import { RecsysError } from '@recsys/domain';
import { armShare, assignArms, HOLDOUT_ARM, isHeldOut, type ExperimentConfig, type Layer } from './layers';

const layers: Layer[] = [
  { name: 'a', buckets: 10, arms: [{ name: 'x', from: 0, to: 5, params: { fusionWeights: { click: 1 } } }, { name: 'y', from: 5, to: 10, params: { fusionWeights: { click: 2 } } }] },
  { name: 'b', buckets: 4, arms: [{ name: 'p', from: 0, to: 2, params: { channelQuotas: { popular: 10 } } }, { name: 'q', from: 2, to: 4, params: {} }] },
];
const config: ExperimentConfig = { layers };
const users = (n: number) => Array.from({ length: n }, (_, i) => `user_${i}`);

describe('assignArms', () => {
  it('is deterministic per user and assigns one arm per layer', () => {
    const first = assignArms(config, 'user_1', {});
    expect(assignArms(config, 'user_1', {})).toEqual(first);
    expect(Object.keys(first.arms).sort()).toEqual(['a', 'b']);
    expect(first.heldOut).toBe(false);
  });

  it('splits users across arms by bucket share', () => {
    const counts: Record<string, number> = {};
    for (const u of users(4000)) {
      const arm = assignArms(config, u, {}).arms.a;
      counts[arm] = (counts[arm] ?? 0) + 1;
    }
    expect(counts.x).toBeGreaterThan(1850);
    expect(counts.y).toBeGreaterThan(1850);
  });

  it('crosses the arms of different layers independently', () => {
    const cells: Record<string, number> = {};
    for (const u of users(8000)) {
      const { arms } = assignArms(config, u, {});
      cells[`${arms.a}/${arms.b}`] = (cells[`${arms.a}/${arms.b}`] ?? 0) + 1;
    }
    // Each of the four cells holds about a quarter of the users (independence of the layer hashes).
    for (const cell of ['x/p', 'x/q', 'y/p', 'y/q']) expect(Math.abs(cells[cell] - 2000)).toBeLessThan(200);
  });

  it('reshuffles a layer when its salt changes, and only that layer', () => {
    const salted: ExperimentConfig = { layers: [{ ...layers[0], salt: 'a-v2' }, layers[1]] };
    let movedA = 0;
    let movedB = 0;
    for (const u of users(2000)) {
      const before = assignArms(config, u, {}).arms;
      const after = assignArms(salted, u, {}).arms;
      if (before.a !== after.a) movedA++;
      if (before.b !== after.b) movedB++;
    }
    expect(movedA).toBeGreaterThan(800); // about half move with a fresh hash
    expect(movedB).toBe(0);
  });

  it('honours overrides and merges arm parameters', () => {
    const res = assignArms(config, 'user_1', { a: 'y', b: 'p' });
    expect(res.arms).toEqual({ a: 'y', b: 'p' });
    expect(res.params).toEqual({ fusionWeights: { click: 2 }, channelQuotas: { popular: 10 } });
  });

  it('rejects unknown layers and arms naming the override', () => {
    expect(() => assignArms(config, 'u', { c: 'x' })).toThrow(RecsysError);
    expect(() => assignArms(config, 'u', { a: 'z' })).toThrow(/experiment_overrides\[a\]: unknown arm "z"/);
    expect(() => assignArms({ layers: [] }, 'u', { a: 'x' })).toThrow(/unknown layer; known: \(none\)/);
  });

  it('leaves a user whose bucket no arm covers out of that layer', () => {
    const partial: ExperimentConfig = { layers: [{ name: 'c', buckets: 10, arms: [{ name: 'only', from: 0, to: 3, params: { recallLimit: 100 } }] }] };
    let inside = 0;
    for (const u of users(3000)) {
      const res = assignArms(partial, u, {});
      if (res.arms.c === 'only') {
        inside++;
        expect(res.params).toEqual({ recallLimit: 100 });
      } else {
        expect(res.arms).toEqual({});
        expect(res.params).toEqual({});
      }
    }
    expect(Math.abs(inside - 900)).toBeLessThan(120);
  });
});

describe('holdout', () => {
  const held: ExperimentConfig = { holdout: { salt: 'h1', percent: 10 }, layers };

  it('keeps its share of users out of every layer, logged as the holdout arm with default parameters', () => {
    let n = 0;
    for (const u of users(10_000)) {
      const res = assignArms(held, u, {});
      expect(res.heldOut).toBe(isHeldOut(held, u));
      if (!res.heldOut) continue;
      n++;
      expect(res.arms).toEqual({ a: HOLDOUT_ARM, b: HOLDOUT_ARM });
      expect(res.params).toEqual({});
    }
    expect(Math.abs(n - 1000)).toBeLessThan(120);
  });

  it('still applies an explicit override to a held-out user', () => {
    const u = users(1000).find((id) => isHeldOut(held, id))!;
    expect(assignArms(held, u, { a: 'y' }).arms).toEqual({ a: 'y', b: HOLDOUT_ARM });
  });

  it('splits the rest exactly as without a holdout', () => {
    for (const u of users(500)) {
      if (isHeldOut(held, u)) continue;
      expect(assignArms(held, u, {}).arms).toEqual(assignArms(config, u, {}).arms);
    }
  });

  it('shrinks every arm share by the held-out share', () => {
    expect(armShare(held, layers[0], layers[0].arms[0])).toBeCloseTo(0.45, 12);
    expect(armShare(config, layers[1], layers[1].arms[1])).toBeCloseTo(0.5, 12);
    expect(isHeldOut({ holdout: { salt: 'h', percent: 0 }, layers }, 'user_1')).toBe(false);
  });
});
