import { analyzeExperiment } from './analysis';
import { planExperiment } from './design';
import { formatNumber, formatP, formatPercent } from './format';
import { planTable, reportTable } from './tables';

function conversions(n: number, ones: number): Float64Array {
  const a = new Float64Array(n);
  a.fill(1, 0, ones);
  return a;
}

describe('planTable', () => {
  it('lists the sizes, the duration and the formula', () => {
    const t = planTable(planExperiment({ metric: { kind: 'proportion', baseline: 0.1 }, mde: { absolute: 0.02 }, traffic: { dailyEligibleUsers: 1000, trafficShare: 0.5 } }));
    const value = (name: string) => t.rows.find((r) => r[0] === name)?.[1];
    expect(value('users, control')).toBe('3839');
    expect(value('users, total')).toBe('7678');
    expect(value('alternative')).toBe('0.12 (+0.02 absolute, +20.00%)');
    expect(value('duration (whole weeks)')).toBe('3 weeks (21 days)');
    expect(value('days to enrol (exact)')).toBe('15.36');
    expect(t.notes[0]).toMatch(/unpooled variance under H1/);
    for (const row of t.rows) expect(row).toHaveLength(t.headers.length);
  });
});

describe('reportTable', () => {
  it('shows arms, difference and lift, and says when SRM blocks the verdict', () => {
    const t = reportTable(analyzeExperiment({ metric: 'proportion', control: { values: conversions(4800, 480) }, treatment: { values: conversions(5200, 780) } }));
    expect(t.headers).toEqual(['', 'users', 'estimate', 'std error', '95% CI']);
    expect(t.rows.map((r) => r[0])).toEqual(['control', 'treatment', 'difference', 'relative lift']);
    expect(t.rows[0].slice(0, 3)).toEqual(['control', '4800', '0.1']);
    expect(t.rows[3][2]).toBe('+50.00%');
    expect(t.notes.find((n) => n.startsWith('SRM:'))).toMatch(/MISMATCH/);
    expect(t.notes.find((n) => n.startsWith('verdict:'))).toMatch(/^verdict: blocked/);
    for (const row of t.rows) expect(row).toHaveLength(t.headers.length);
  });

  it('adds the CUPED rows when a covariate was given', () => {
    const t = reportTable(
      analyzeExperiment({ metric: 'mean', control: { values: [3, 3, 5, 9], covariate: [1, 2, 3, 4] }, treatment: { values: [4, 8, 10, 10], covariate: [2, 3, 4, 5] } }),
    );
    expect(t.rows.map((r) => r[0])).toContain('difference (CUPED)');
    expect(t.notes.find((n) => n.startsWith('CUPED:'))).toBe('CUPED: θ = 2, variance reduction +83.33%; test: welch-t, statistic = 1.225, df = 6, p = 0.2666');
  });
});

describe('number formats', () => {
  it('formats p-values, numbers and percentages', () => {
    expect(formatP(0.0492843)).toBe('0.04928');
    expect(formatP(6.334e-5)).toBe('6.33e-5');
    expect(formatNumber(3839)).toBe('3839');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1.5e-7)).toBe('1.500e-7');
    expect(formatPercent(-0.0123)).toBe('-1.23%');
  });
});
