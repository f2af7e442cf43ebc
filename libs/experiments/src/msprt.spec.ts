import { createRng } from '@recsys/algorithms';
import { MsprtMonitor, mixtureSprt, msprtLogLikelihoodRatio, type SequentialLook } from './msprt';

describe('msprtLogLikelihoodRatio', () => {
  it('is ½ ln(V/(V+τ²)) + d²τ²/(2V(V+τ²))', () => {
    // V = 1, τ² = 1, d = 2: ½ ln ½ + 4/(2·2) = −0.346574 + 1 = 0.653426.
    expect(msprtLogLikelihoodRatio({ difference: 2, variance: 1 }, 1)).toBeCloseTo(0.6534264097200273, 14);
    // Measured from the null difference θ₀.
    expect(msprtLogLikelihoodRatio({ difference: 5, variance: 1 }, 1, 3)).toBeCloseTo(0.6534264097200273, 14);
    // No evidence at zero variance.
    expect(msprtLogLikelihoodRatio({ difference: 5, variance: 0 }, 1)).toBe(0);
  });
});

describe('mixtureSprt', () => {
  it('gives non-increasing p-values min(1, p_{n−1}, 1/Λ_n) and the first rejection', () => {
    const looks: SequentialLook[] = [
      { difference: 0, variance: 1 }, // Λ < 1: p stays 1
      { difference: 2, variance: 1 }, // p = e^{−0.653426} = 0.520260
      { difference: 0.5, variance: 1 }, // weaker evidence: p does not go back up
      { difference: 1, variance: 0.01 }, // strong: ln Λ = ½ ln(0.01/1.01) + 1/(2·0.01·1.01) = 47.20
    ];
    const r = mixtureSprt(looks, { mixingVariance: 1, alpha: 0.05 });
    expect(r.pValues[0]).toBe(1);
    expect(r.pValues[1]).toBeCloseTo(0.520260095022889, 13);
    expect(r.pValues[2]).toBe(r.pValues[1]);
    expect(r.pValues[3]).toBeLessThan(1e-20);
    expect(r.rejectedAt).toBe(3);
    expect(mixtureSprt(looks.slice(0, 3), { mixingVariance: 1 }).rejectedAt).toBeNull();
  });

  it('rejects a non-positive τ² and bad looks, naming the field', () => {
    expect(() => mixtureSprt([], { mixingVariance: 0 })).toThrow(expect.objectContaining({ category: 'bad-request', field: 'mixingVariance' }));
    expect(() => mixtureSprt([{ difference: 1, variance: -1 }], { mixingVariance: 1 })).toThrow(expect.objectContaining({ field: 'looks[0].variance' }));
  });
});

describe('MsprtMonitor', () => {
  it('agrees with mixtureSprt over the same looks, computed from the running moments', () => {
    const rng = createRng(11);
    const monitor = new MsprtMonitor({ mixingVariance: 0.04 });
    const control: number[] = [];
    const treatment: number[] = [];
    const looks: SequentialLook[] = [];
    let last = monitor.look();
    for (let batch = 0; batch < 5; batch++) {
      const c = Array.from({ length: 50 }, () => rng.normal());
      const t = Array.from({ length: 50 }, () => rng.normal() + 0.3);
      monitor.add('control', c);
      monitor.add('treatment', t);
      control.push(...c);
      treatment.push(...t);
      const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
      const variance = (a: number[]) => a.reduce((s, x) => s + (x - mean(a)) ** 2, 0) / (a.length - 1);
      looks.push({ difference: mean(treatment) - mean(control), variance: variance(control) / control.length + variance(treatment) / treatment.length });
      last = monitor.look();
      expect(last.difference).toBeCloseTo(looks[batch].difference, 12);
      expect(last.variance).toBeCloseTo(looks[batch].variance, 14);
    }
    const batch = mixtureSprt(looks, { mixingVariance: 0.04 });
    expect(last.pValue).toBeCloseTo(batch.pValues[4], 12);
    expect(last.n).toEqual({ control: 250, treatment: 250 });
    // A true effect of 0.3 σ with 250 users per arm is found.
    expect(last.rejected).toBe(true);
  });

  it('gives no evidence before each arm has two users', () => {
    const monitor = new MsprtMonitor({ mixingVariance: 1 });
    monitor.add('control', [1, 2]);
    monitor.add('treatment', [100]);
    expect(monitor.look()).toMatchObject({ pValue: 1, logLikelihoodRatio: 0, rejected: false });
  });

  it('rejects non-finite values naming the arm and index', () => {
    expect(() => new MsprtMonitor({ mixingVariance: 1 }).add('treatment', [1, Infinity])).toThrow(expect.objectContaining({ field: 'treatment[1]' }));
  });
});
