import { CALIBRATION_DEFAULTS, simulateAaTests, simulatePower, simulateSequential, simulateSrm } from './calibration';

// Small seeded simulations: each figure is a binomial share of a few hundred runs, so the bands below are about
// ±3 Monte Carlo standard errors around the value the statistics promise. A p-value off by a factor of two, a
// variance off by n/(n − 1) squared... would move a figure out of its band. The full-size figures come from
// `npm run bench:experiments`.

describe('simulateAaTests', () => {
  it('keeps the false-positive rate of the two-proportion z-test near α', () => {
    // 300 runs at α = 0.05: standard error √(0.05 · 0.95 / 300) = 1.26 points.
    const r = simulateAaTests({ seed: 1, runs: 300, usersPerArm: 400, metric: { kind: 'conversion', rate: 0.1 } });
    expect(r.falsePositives.rate).toBeGreaterThanOrEqual(0.015);
    expect(r.falsePositives.rate).toBeLessThanOrEqual(0.09);
    expect(r.cupedFalsePositives).toBeNull();
  });

  it('keeps Welch and CUPED near α on a skewed metric and removes about corr(X, Y)² of the variance', () => {
    const metric = CALIBRATION_DEFAULTS.continuous;
    const r = simulateAaTests({ seed: 2, runs: 300, usersPerArm: 150, metric });
    for (const rate of [r.falsePositives.rate, r.cupedFalsePositives?.rate ?? -1]) {
      expect(rate).toBeGreaterThanOrEqual(0.015);
      expect(rate).toBeLessThanOrEqual(0.09);
    }
    // corr(X, Y) = (e^{0.8} − 1)/(e − 1) = 0.713, squared 0.509.
    expect(r.varianceReduction?.expected).toBeCloseTo(0.5087, 3);
    expect(Math.abs((r.varianceReduction?.measured ?? 0) - 0.5087)).toBeLessThan(0.08);
  });

  it('is deterministic given the seed', () => {
    const options = { seed: 5, runs: 50, usersPerArm: 100, metric: { kind: 'conversion', rate: 0.3 } } as const;
    expect(simulateAaTests(options)).toEqual(simulateAaTests(options));
  });
});

describe('simulateSrm', () => {
  it('flags a 48/52 split of 25,000 users always and a true 50/50 split almost never', () => {
    // Expected χ² for 48/52 at 25,000 users: 25,000 · 0.04² = 40 (+1 of noise), far beyond 10.83 (p = 0.001):
    // the count in control would have to fall 3.0 standard deviations short of its mean to pass.
    expect(simulateSrm({ seed: 3, runs: 12, users: 25_000, controlShare: 0.48 }).hits).toBe(12);
    expect(simulateSrm({ seed: 3, runs: 12, users: 25_000, controlShare: 0.5 }).hits).toBeLessThanOrEqual(1);
  });
});

describe('simulatePower', () => {
  it('measures the planned power within Monte Carlo error', () => {
    // p = 0.10 → 0.15: 683 users per arm for 80%; 200 runs give a standard error of 2.8 points.
    const r = simulatePower({ seed: 4, runs: 200, baseline: 0.1, effect: 0.05 });
    expect(r.n).toEqual({ control: 683, treatment: 683 });
    expect(r.planned).toBeGreaterThanOrEqual(0.8);
    expect(Math.abs(r.measured.rate - r.planned)).toBeLessThan(0.09);
    expect(r.measured.ci.lower).toBeLessThan(r.measured.rate);
  });
});

describe('simulateSequential', () => {
  it('keeps the mSPRT false-positive rate at or below α under peeking, where peeking at Welch inflates it', () => {
    const r = simulateSequential({ seed: 6, runs: 120, looks: 8, usersPerLook: 60, metric: CALIBRATION_DEFAULTS.continuous });
    expect(r.msprt.rate).toBeLessThanOrEqual(0.06);
    // Eight looks at a level-0.05 test reject a true null in roughly a sixth of runs.
    expect(r.naivePeeking.rate).toBeGreaterThan(0.09);
    expect(r.mixingVariance).toBeGreaterThan(0);
  });
});
