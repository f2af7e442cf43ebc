import { RecsysError } from '@recsys/domain';
import { normalCdf, normalQuantile } from './stats/distributions';
import { experimentDuration, minimumDetectableEffect, planExperiment, powerAt, sampleSize, type DesignOptions } from './design';

const conversion: DesignOptions = { metric: { kind: 'proportion', baseline: 0.1 }, mde: { absolute: 0.02 }, alpha: 0.05, power: 0.8 };

describe('sampleSize', () => {
  it('reproduces the textbook two-proportion example by hand, unpooled and pooled', () => {
    // p = 0.10 → 0.12, α = 0.05 two-sided, power 0.8: z₀.₉₇₅ = 1.959964, z₀.₈ = 0.841621, (z₀.₉₇₅ + z₀.₈)² = 7.848879.
    // Unpooled: n = 7.848879 × (0.10·0.90 + 0.12·0.88) / 0.02² = 7.848879 × 0.1956 / 0.0004 = 3838.10 → 3,839.
    const unpooled = sampleSize(conversion);
    expect(unpooled.exactControl).toBeCloseTo(3838.1022, 3);
    expect(unpooled).toMatchObject({ control: 3839, treatment: 3839, total: 7678, baseline: 0.1, absoluteEffect: 0.02, variance: 'unpooled' });
    expect(unpooled.alternative).toBeCloseTo(0.12, 15);
    expect(unpooled.relativeEffect).toBeCloseTo(0.2, 15);
    // Pooled under H0 (Fleiss, no continuity correction): p̄ = 0.11,
    // n = (1.959964 √(2·0.11·0.89) + 0.841621 √0.1956)² / 0.0004 = (0.867270 + 0.372221)² / 0.0004 = 3840.85 → 3,841.
    const pooled = sampleSize({ ...conversion, variance: 'pooled' });
    expect(pooled.exactControl).toBeCloseTo(3840.8475, 3);
    expect(pooled.control).toBe(3841);
  });

  it('takes a relative MDE as a lift on the baseline', () => {
    expect(sampleSize({ ...conversion, mde: { relative: 0.2 } }).control).toBe(3839);
  });

  it('is symmetric in the sign of the effect for means, and depends on it for proportions (variance p(1 − p))', () => {
    const mean: DesignOptions = { metric: { kind: 'mean', baseline: 50, variance: 100 }, mde: { absolute: 1 } };
    // n = 2 σ² (z₀.₉₇₅ + z₀.₈)² / δ² = 2 · 100 · 7.848879 = 1569.78 → 1,570.
    expect(sampleSize(mean).control).toBe(1570);
    expect(sampleSize({ ...mean, mde: { absolute: -1 } }).control).toBe(1570);
    // p: 0.10 → 0.08 has less variance than 0.10 → 0.12, so it needs fewer users.
    expect(sampleSize({ ...conversion, mde: { absolute: -0.02 } }).control).toBeLessThan(3839);
  });

  it("takes the treatment's own variance for a mean when a pilot gave one: n = (z_a + z_b)² (σ_C² + σ_T²) / δ²", () => {
    // 7.848879 × (100 + 150) / 1 = 1962.2 → 1,963; the same variance twice is the equal-variance plan.
    expect(sampleSize({ metric: { kind: 'mean', baseline: 50, variance: 100, treatmentVariance: 150 }, mde: { absolute: 1 } }).control).toBe(1963);
    expect(sampleSize({ metric: { kind: 'mean', baseline: 50, variance: 100, treatmentVariance: 100 }, mde: { absolute: 1 } }).control).toBe(1570);
    expect(() => sampleSize({ metric: { kind: 'mean', baseline: 50, variance: 100, treatmentVariance: 0 }, mde: { absolute: 1 } })).toThrow(/treatmentVariance/);
  });

  it('splits by the allocation ratio: n_C = (z_a + z_b)² (v_C + v_T/k) / δ², n_T = k n_C', () => {
    // k = 2: 7.848879 × (0.09 + 0.1056/2) / 0.0004 = 2802.05 → 2,803; n_T = ⌈5604.10⌉ = 5,605.
    const s = sampleSize({ ...conversion, allocationRatio: 2 });
    expect(s).toMatchObject({ control: 2803, treatment: 5605, allocationRatio: 2 });
    // Unequal arms need more users in total than equal ones for the same power.
    expect(s.total).toBeGreaterThan(7678);
  });

  it('plans a ratio metric with the delta-method variance of a user', () => {
    // Clicks per impression: μ_Y = 2, μ_X = 20, R = 0.1; σ_Y² = 9, σ_X² = 400, cov = 48.
    // v = (9 − 2·0.1·48 + 0.01·400) / 20² = 3.4 / 400 = 0.0085; δ = 5% of 0.1 = 0.005;
    // n = 7.848879 × 2 × 0.0085 / 0.005² = 7.848879 × 680 = 5337.24 → 5,338.
    const s = sampleSize({
      metric: { kind: 'ratio', numeratorMean: 2, denominatorMean: 20, numeratorVariance: 9, denominatorVariance: 400, covariance: 48 },
      mde: { relative: 0.05 },
    });
    expect(s.unitVariance.control).toBeCloseTo(0.0085, 15);
    expect(s.baseline).toBeCloseTo(0.1, 15);
    expect(s.control).toBe(5338);
  });

  it('gives at least the target power at the rounded sizes', () => {
    const s = sampleSize(conversion);
    expect(s.power).toBeGreaterThanOrEqual(0.8);
    expect(s.power).toBeLessThan(0.8005);
  });

  it('rejects bad inputs with a bad request naming the field', () => {
    const cases: [DesignOptions, string][] = [
      [{ ...conversion, alpha: 0 }, 'alpha'],
      [{ ...conversion, alpha: 1.2 }, 'alpha'],
      [{ ...conversion, power: 1 }, 'power'],
      [{ ...conversion, power: 0.01 }, 'power'],
      [{ ...conversion, allocationRatio: -1 }, 'allocationRatio'],
      [{ ...conversion, metric: { kind: 'proportion', baseline: 1 } }, 'metric.baseline'],
      [{ ...conversion, mde: { absolute: 0 } }, 'mde.absolute'],
      [{ ...conversion, mde: { absolute: 0.95 } }, 'mde'],
      [{ metric: { kind: 'mean', baseline: 1, variance: -4 }, mde: { absolute: 1 } }, 'metric.variance'],
      [{ metric: { kind: 'mean', baseline: 1, variance: 4 }, mde: { absolute: 1 }, variance: 'pooled' }, 'variance'],
      [
        {
          metric: { kind: 'ratio', numeratorMean: 1, denominatorMean: 10, numeratorVariance: 1, denominatorVariance: 4, covariance: 3 },
          mde: { relative: 0.1 },
        },
        'metric.covariance',
      ],
    ];
    for (const [options, field] of cases) {
      let thrown: unknown;
      try {
        sampleSize(options);
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(RecsysError);
      expect(thrown).toMatchObject({ category: 'bad-request', field });
    }
  });
});

describe('powerAt', () => {
  it('inverts sampleSize: the unrounded size has the target power (up to the ignored far tail)', () => {
    const s = sampleSize(conversion);
    const n = { control: s.exactControl, treatment: s.exactControl };
    // sampleSize ignores the far tail Φ(−δ/se − z₀.₉₇₅) = Φ(−(2 z₀.₉₇₅ + z₀.₈)); powerAt counts it.
    const farTail = normalCdf(-(2 * normalQuantile(0.975) + normalQuantile(0.8)));
    expect(farTail).toBeCloseTo(9.6e-7, 8);
    expect(powerAt(conversion, n) - farTail).toBeCloseTo(0.8, 12);
    expect(powerAt({ ...conversion, variance: 'pooled' }, { control: 3840.8475, treatment: 3840.8475 })).toBeCloseTo(0.8, 5);
  });

  it('grows with n and is α at the null boundary of tiny effects', () => {
    const mean: DesignOptions = { metric: { kind: 'mean', baseline: 0, variance: 1 }, mde: { absolute: 0.1 } };
    const p = [100, 400, 1600, 6400].map((n) => powerAt(mean, { control: n, treatment: n }));
    for (let i = 1; i < p.length; i++) expect(p[i]).toBeGreaterThan(p[i - 1]);
    expect(powerAt({ ...mean, mde: { absolute: 1e-9 } }, { control: 100, treatment: 100 })).toBeCloseTo(0.05, 8);
    // Hand check: se = √(2/1600) = 0.035355; δ/se = 2.828427; Φ(2.828427 − 1.959964) = Φ(0.868463) = 0.807430.
    expect(powerAt(mean, { control: 1600, treatment: 1600 })).toBeCloseTo(0.807430419432557, 10);
  });

  it('takes the arms\' ratio from n, not from allocationRatio', () => {
    const n = { control: 3000, treatment: 6000 };
    const pooled: DesignOptions = { ...conversion, variance: 'pooled' };
    expect(powerAt({ ...pooled, allocationRatio: 2 }, n)).toBe(powerAt(pooled, n));
  });

  it('rejects arms of no users', () => {
    expect(() => powerAt(conversion, { control: 0, treatment: 10 })).toThrow(expect.objectContaining({ field: 'n.control' }));
  });
});

describe('minimumDetectableEffect', () => {
  it('is the effect sampleSize would plan for at that n', () => {
    const mde = minimumDetectableEffect({ variance: 100, n: { control: 1569.7759, treatment: 1569.7759 } });
    expect(mde).toBeCloseTo(1, 5);
  });
});

describe('experimentDuration and planExperiment', () => {
  it('rounds days up to whole weeks, at least one', () => {
    // 7,678 users at 1,000 × 0.5 a day: 15.356 days → 3 weeks.
    expect(experimentDuration(7678, { dailyEligibleUsers: 1000, trafficShare: 0.5 })).toEqual({ usersPerDay: 500, exactDays: 15.356, weeks: 3, days: 21 });
    expect(experimentDuration(100, { dailyEligibleUsers: 1000, trafficShare: 1 })).toMatchObject({ weeks: 1, days: 7 });
    expect(experimentDuration(7000, { dailyEligibleUsers: 1000, trafficShare: 1 })).toMatchObject({ exactDays: 7, weeks: 1, days: 7 });
  });

  it('rejects a traffic share outside (0, 1]', () => {
    expect(() => experimentDuration(10, { dailyEligibleUsers: 10, trafficShare: 1.5 })).toThrow(expect.objectContaining({ field: 'traffic.trafficShare' }));
  });

  it('plans sizes, duration, and the power of the users enrolled by the end of the last week', () => {
    const plan = planExperiment({ ...conversion, traffic: { dailyEligibleUsers: 1000, trafficShare: 0.5 } });
    expect(plan.sampleSize.control).toBe(3839);
    expect(plan.duration?.days).toBe(21);
    expect(plan.atEnd?.n).toEqual({ control: 5250, treatment: 5250 });
    expect(plan.atEnd?.power).toBeGreaterThan(0.9);
    expect(planExperiment(conversion)).toMatchObject({ duration: null, atEnd: null });
  });
});
