// Plans and reports as text tables for a terminal: formatted cells and notes; the caller aligns and prints them.
import { type ArmSummary, type ExperimentReport } from './analysis';
import { type Comparison, type Estimate, type Interval } from './comparison';
import { type ExperimentPlan } from './design';
import { formatNumber, formatP, formatPercent } from './format';

/**
 * A table of already formatted cells (every row as long as `headers`) and free lines to print under it. A library
 * cannot import the CLI's table renderer (`tools/cli/src/table.ts`), so the CLI aligns it:
 * `renderTable(t.headers, t.rows)` then `t.notes`.
 */
export interface TextTable {
  readonly headers: string[];
  readonly rows: string[][];
  readonly notes: string[];
}

/** A plan as a two-column table (quantity, value), with the formula it used as a note. */
export function planTable(plan: ExperimentPlan): TextTable {
  const s = plan.sampleSize;
  const rows: string[][] = [
    ['metric', s.metric],
    ['baseline', formatNumber(s.baseline)],
    ['alternative', `${formatNumber(s.alternative)} (${signed(s.absoluteEffect)} absolute, ${formatPercent(s.relativeEffect)})`],
    ['alpha (two-sided)', formatNumber(s.alpha)],
    ['power (target / at these sizes)', `${formatNumber(s.targetPower)} / ${formatNumber(s.power)}`],
    ['allocation (treatment per control user)', formatNumber(s.allocationRatio)],
    ['users, control', String(s.control)],
    ['users, treatment', String(s.treatment)],
    ['users, total', String(s.total)],
  ];
  if (plan.duration !== null && plan.atEnd !== null) {
    const d = plan.duration;
    rows.push(
      ['users enrolled per day', formatNumber(d.usersPerDay)],
      ['days to enrol (exact)', d.exactDays.toFixed(2)],
      ['duration (whole weeks)', `${d.weeks} week${d.weeks === 1 ? '' : 's'} (${d.days} days)`],
      [`users by day ${d.days} (control / treatment)`, `${plan.atEnd.n.control} / ${plan.atEnd.n.treatment}`],
      [`power by day ${d.days}`, formatNumber(plan.atEnd.power)],
    );
  }
  const formula =
    s.metric === 'proportion'
      ? `two-proportion normal approximation, ${s.variance === 'pooled' ? 'pooled variance under H0 (Fleiss)' : 'unpooled variance under H1'}`
      : s.metric === 'ratio'
        ? 'normal approximation, delta-method variance of the ratio per user'
        : 'normal approximation, same variance in both arms';
  return { headers: ['quantity', 'value'], rows, notes: [`sizes: ${formula}; rounded up per arm`] };
}

/**
 * A report as a table of estimates (arms, difference, relative lift; then the CUPED-adjusted ones when present),
 * with the test, the SRM check and the verdict as notes.
 */
export function reportTable(report: ExperimentReport): TextTable {
  const level = `${Math.round((1 - report.alpha) * 1000) / 10}% CI`;
  const rows: string[][] = [];
  const pushArms = (arms: { control: ArmSummary; treatment: ArmSummary }, comparison: Comparison, suffix: string) => {
    rows.push(armRow(`control${suffix}`, arms.control), armRow(`treatment${suffix}`, arms.treatment));
    rows.push(estimateRow(`difference${suffix}`, comparison.difference, formatNumber));
    rows.push(comparison.relativeLift === null ? [`relative lift${suffix}`, '', 'n/a (control is 0)', '', ''] : estimateRow(`relative lift${suffix}`, comparison.relativeLift, formatPercent));
  };
  pushArms(report.arms, report.comparison, '');
  if (report.cuped !== null) pushArms(report.cuped.arms, report.cuped.comparison, ' (CUPED)');

  const notes = [`test: ${testLine(report.comparison)}`];
  if (report.cuped !== null) {
    const c = report.cuped;
    notes.push(`CUPED: θ = ${formatNumber(c.theta)}, variance reduction ${formatPercent(c.varianceReduction)}; test: ${testLine(c.comparison)}`);
  }
  const srm = report.srm;
  const expected = srm.expected.map((e) => e.toFixed(1)).join(' / ');
  notes.push(`SRM: users ${srm.observed.join(' / ')} against ${expected} expected, χ² = ${formatNumber(srm.chiSquare)}, p = ${formatP(srm.pValue)} (blocks below ${srm.threshold}): ${srm.blocked ? 'MISMATCH' : 'ok'}`);
  notes.push(`verdict: ${report.verdict.reason}`);
  return { headers: ['', 'users', 'estimate', 'std error', level], rows, notes };
}

function armRow(label: string, arm: ArmSummary): string[] {
  return [label, String(arm.n), formatNumber(arm.mean), formatNumber(arm.standardError), interval(arm.ci, formatNumber)];
}

function estimateRow(label: string, e: Estimate, format: (x: number) => string): string[] {
  return [label, '', format(e.estimate), format(e.standardError).replace(/^\+/, ''), interval(e.ci, format)];
}

function interval(ci: Interval, format: (x: number) => string): string {
  return `[${format(ci.lower)}, ${format(ci.upper)}]`;
}

function testLine(c: Comparison): string {
  const t = c.test;
  const df = t.df === Infinity ? '' : `, df = ${formatNumber(t.df)}`;
  return `${t.method}, statistic = ${formatNumber(t.statistic)}${df}, p = ${formatP(t.pValue)}`;
}

function signed(x: number): string {
  return x > 0 ? `+${formatNumber(x)}` : formatNumber(x);
}
