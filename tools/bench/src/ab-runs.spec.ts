import { createRandom } from '@recsys/simulator';
import { abRun, abRuns, powerVerdict, shareWithInterval, type AbPopulation } from './ab-runs';

/** Users whose daily saves are Poisson-ish (sum of Bernoullis) with a per-arm rate; user i's pre-period is its own level. */
function population(rates: [number, number], seed: number): AbPopulation {
  const rng = createRandom(seed);
  const days = 7;
  return {
    draw: () => rng.int(1000),
    week: (_u, arm) => {
      const out: number[] = [];
      let s = 0;
      for (let d = 0; d < days; d++) {
        for (let k = 0; k < 10; k++) if (rng.next() < rates[arm] / 10) s++;
        out.push(s);
      }
      return out;
    },
    pre: (u) => u % 5,
  };
}

describe('Monte Carlo A/B runs', () => {
  const test = { alpha: 0.05, mixingVariance: 1 };

  it('finds a large real effect in every run and reports all three verdicts', () => {
    const t = abRuns(population([1, 2], 1), 200, true, 20, test);
    expect(t).toMatchObject({ runs: 20, plain: 20, cuped: 20, sequential: 20 });
  });

  it('an A/A run draws both groups from control: no effect to find, so few of many runs are significant', () => {
    // Even with a treatment rate far away, an A/A never uses it.
    const t = abRuns(population([1, 5], 2), 100, false, 200, test);
    expect(t.plain).toBeLessThan(25); // α = 0.05 of 200 is 10 on average
    expect(t.sequential).toBeLessThan(25);
    const one = abRun(population([1, 5], 3), 50, false, test);
    expect(typeof one.plain).toBe('boolean');
  });

  it('formats a share with its Wilson interval and judges a power against its plan', () => {
    expect(shareWithInterval(48, 1000)).toBe('0.0480 [0.0364, 0.0631]');
    expect(powerVerdict(818, 1000, 0.8)).toBe('ok');
    expect(powerVerdict(700, 1000, 0.8)).toBe('MISS');
  });
});
