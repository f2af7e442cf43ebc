import { RecsysError } from '@recsys/domain';
import { assignArms, DEFAULT_LAYERS, type Layer } from './layers';

const layers: Layer[] = [
  { name: 'a', buckets: 10, arms: [{ name: 'x', from: 0, to: 5, params: { fusionWeights: { click: 1 } } }, { name: 'y', from: 5, to: 10, params: { fusionWeights: { click: 2 } } }] },
  { name: 'b', buckets: 4, arms: [{ name: 'p', from: 0, to: 2, params: { channelQuotas: { popular: 10 } } }, { name: 'q', from: 2, to: 4, params: {} }] },
];

describe('assignArms', () => {
  it('is deterministic per user and assigns one arm per layer', () => {
    const first = assignArms(layers, 'user_1', {});
    expect(assignArms(layers, 'user_1', {})).toEqual(first);
    expect(Object.keys(first.arms).sort()).toEqual(['a', 'b']);
  });

  it('splits users across arms roughly by bucket share', () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 2000; i++) {
      const arm = assignArms(DEFAULT_LAYERS, `user_${i}`, {}).arms.fusion;
      counts[arm] = (counts[arm] ?? 0) + 1;
    }
    expect(counts.control).toBeGreaterThan(850);
    expect(counts['save-heavy']).toBeGreaterThan(850);
  });

  it('honours overrides and merges arm parameters', () => {
    const res = assignArms(layers, 'user_1', { a: 'y', b: 'p' });
    expect(res.arms).toEqual({ a: 'y', b: 'p' });
    expect(res.params).toEqual({ fusionWeights: { click: 2 }, channelQuotas: { popular: 10 } });
  });

  it('rejects unknown layers and arms naming the override', () => {
    expect(() => assignArms(layers, 'u', { c: 'x' })).toThrow(RecsysError);
    expect(() => assignArms(layers, 'u', { a: 'z' })).toThrow(/experiment_overrides\[a\]: unknown arm "z"/);
  });
});
