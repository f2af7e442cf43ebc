import { RecsysError } from '@recsys/domain';
import { chiSquareCdf, chiSquareSurvival, normalCdf, normalQuantile, studentTCdf, studentTQuantile } from './distributions';
import { logBeta, logGamma, regularizedBeta, regularizedGammaP, regularizedGammaQ } from './special';

// Reference values are the printed tables' figures carried to more digits; every one was checked to 30 digits
// with mpmath (ncdf, erfinv, betainc, gammainc), e.g. mp.sqrt(2) * mp.erfinv(2 * 0.975 - 1) = 1.959963984540054235...

describe('special functions', () => {
  it('logGamma matches factorials and Γ(½) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    expect(logGamma(101)).toBeCloseTo(363.73937555556347, 10); // ln 100!
    expect(logGamma(0.1)).toBeCloseTo(2.252712651734206, 13); // reflection branch
  });

  it('logBeta agrees with logGamma where that is exact, and stays accurate for one huge argument', () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
    expect(logBeta(12, 15)).toBeCloseTo(logGamma(12) + logGamma(15) - logGamma(27), 12);
    expect(logBeta(3.5, 40)).toBeCloseTo(logGamma(3.5) + logGamma(40) - logGamma(43.5), 12);
    expect(logBeta(5e5, 0.5)).toBeCloseTo(-5.988816495777464, 13); // mpmath: log(beta(5e5, 0.5))
  });

  it('incomplete gamma: P + Q = 1 and P(1, x) = 1 − e^{−x}', () => {
    for (const x of [0.1, 1, 2.5, 10]) {
      expect(regularizedGammaP(1, x)).toBeCloseTo(1 - Math.exp(-x), 14);
      expect(regularizedGammaP(3.5, x) + regularizedGammaQ(3.5, x)).toBeCloseTo(1, 14);
    }
    expect(regularizedGammaQ(1, 50)).toBeCloseTo(Math.exp(-50), 30);
    expect(regularizedGammaQ(1, 50) / Math.exp(-50)).toBeCloseTo(1, 12); // the upper tail keeps its relative accuracy
  });

  it('incomplete beta: I_x(1, 1) = x, I_x(a, 1) = x^a and the symmetry I_x(a, b) = 1 − I_{1−x}(b, a)', () => {
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedBeta(0.7, 2.5, 1)).toBeCloseTo(0.7 ** 2.5, 14);
    expect(regularizedBeta(0.2, 3, 7) + regularizedBeta(0.8, 7, 3)).toBeCloseTo(1, 14);
    expect(regularizedBeta(0, 2, 3)).toBe(0);
    expect(regularizedBeta(1, 2, 3)).toBe(1);
  });

  it('rejects arguments outside the domain as bad requests naming the argument', () => {
    expect(() => logGamma(0)).toThrow(RecsysError);
    expect(() => regularizedGammaP(-1, 1)).toThrow(expect.objectContaining({ category: 'bad-request', field: 'a' }));
    expect(() => regularizedBeta(1.5, 1, 1)).toThrow(expect.objectContaining({ category: 'bad-request', field: 'x' }));
  });
});

describe('normal distribution', () => {
  it('CDF at table values, tails to relative accuracy', () => {
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 15);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517796, 15);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316300946, 17);
    expect(normalCdf(-8) / 6.220960574271784e-16).toBeCloseTo(1, 12);
    expect(normalCdf(-37) / 5.725571222524577e-300).toBeCloseTo(1, 9); // near the smallest double
    expect(normalCdf(Infinity)).toBe(1);
    expect(normalCdf(-Infinity)).toBe(0);
  });

  it('quantile at table values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 14);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 14);
    expect(normalQuantile(0.8)).toBeCloseTo(0.8416212335729142, 14);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232306167813, 13);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(1e-10)).toBeCloseTo(-6.361340902404056, 12);
  });

  it('quantile inverts the CDF and is antisymmetric', () => {
    for (const p of [1e-6, 0.01, 0.02425, 0.3, 0.5, 0.77, 0.99]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 15);
    // (Only where 1 − p is exact enough: 1 − 1e-6 is off by an ulp, which moves the quantile by 1e-11.)
    for (const p of [0.01, 0.3, 0.77, 0.99]) expect(normalQuantile(p)).toBeCloseTo(-normalQuantile(1 - p), 13);
  });

  it('quantile rejects p outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, Number.NaN]) expect(() => normalQuantile(p)).toThrow(expect.objectContaining({ category: 'bad-request', field: 'p' }));
  });
});

describe('Student t distribution', () => {
  it('CDF in closed forms: Cauchy (ν = 1) and ν = 2', () => {
    expect(studentTCdf(1, 1)).toBeCloseTo(0.75, 15);
    expect(studentTCdf(-1, 1)).toBeCloseTo(0.25, 15);
    for (const t of [-3, -0.5, 0.7, 2]) expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 14);
  });

  it('CDF at table values, including non-integer and very large df', () => {
    expect(studentTCdf(2.228138851986275, 10)).toBeCloseTo(0.975, 14);
    expect(studentTCdf(2.042272456301238, 30)).toBeCloseTo(0.975, 14);
    expect(studentTCdf(-1.5, 3)).toBeCloseTo(0.1152919326224115, 14);
    expect(studentTCdf(3, 1e6)).toBeCloseTo(0.9986500687292891, 13);
    expect(studentTCdf(-3, 1e6) / 0.0013499312707108985).toBeCloseTo(1, 10);
    expect(studentTCdf(1.3, Infinity)).toBe(normalCdf(1.3));
    // Non-integer df sit between their integer neighbours.
    expect(studentTCdf(2, 10.5)).toBeGreaterThan(studentTCdf(2, 10));
    expect(studentTCdf(2, 10.5)).toBeLessThan(studentTCdf(2, 11));
  });

  it('quantile at table values (t-table: 12.706, 2.228, 2.042, 2.015, 5.841)', () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736174705, 11);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228138851986275, 12);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272456301238, 12);
    expect(studentTQuantile(0.95, 5)).toBeCloseTo(2.015048373333024, 12);
    expect(studentTQuantile(0.995, 3)).toBeCloseTo(5.840909309733357, 11);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228138851986275, 12);
  });

  it('quantile inverts the CDF for fractional df', () => {
    for (const df of [2.7, 7.3, 150.5]) {
      for (const p of [0.6, 0.9, 0.999]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 13);
    }
  });

  it('rejects df ≤ 0', () => {
    expect(() => studentTCdf(1, 0)).toThrow(expect.objectContaining({ category: 'bad-request', field: 'df' }));
    expect(() => studentTQuantile(0.9, -2)).toThrow(expect.objectContaining({ category: 'bad-request', field: 'df' }));
  });
});

describe('chi-square distribution', () => {
  it('p-values at the table\'s critical values', () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 14);
    expect(chiSquareSurvival(10.827566170662733, 1)).toBeCloseTo(0.001, 15);
    expect(chiSquareSurvival(18.307038053275146, 10)).toBeCloseTo(0.05, 14);
    expect(chiSquareSurvival(100, 50) / 3.454931382984864e-5).toBeCloseTo(1, 12);
    expect(chiSquareCdf(0.5, 3)).toBeCloseTo(1 - 0.9188914116546759, 14);
  });

  it('two degrees of freedom is the exponential tail e^{−x/2}', () => {
    for (const x of [0.1, 5, 40]) expect(chiSquareSurvival(x, 2) / Math.exp(-x / 2)).toBeCloseTo(1, 13);
  });

  it('is 1 − CDF, and 1 at or below zero', () => {
    expect(chiSquareSurvival(7.2, 4) + chiSquareCdf(7.2, 4)).toBeCloseTo(1, 15);
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareCdf(0, 3)).toBe(0);
  });
});
