// Terminal rendering of evaluation reports: what was measured (dataset, split, protocol, K) above the numbers.
import { type EvalReport } from '../evaluate';

/**
 * Renders one report as text: a header naming the dataset, split, protocol, K, model, users and time, then a
 * table of the per-K metrics (one column per K) and the whole-ranking metrics (mrr, auc, auc_global), then notes.
 */
export function formatReport(report: EvalReport): string {
  const lines = header(report);
  const perK = metricNames(report).perK;
  const rows = perK.map((name) => [name, ...report.ks.map((k) => cell(report.metrics[`${name}@${k}`]))]);
  lines.push('', table(['metric', ...report.ks.map((k) => `@${k}`)], rows));
  const whole = metricNames(report).whole;
  if (whole.length > 0) lines.push('', table(['metric', 'all'], whole.map((name) => [name, cell(report.metrics[name])])));
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

/**
 * Renders several reports of the same dataset, split, protocol and K as one table, a row per model and the main
 * metrics as columns (ndcg, hitrate and recall per K when present, then mrr, auc, coverage at the largest K).
 * Throws when the reports were not measured the same way (their numbers would not be comparable).
 */
export function formatComparison(reports: readonly EvalReport[]): string {
  if (reports.length === 0) return '';
  const first = reports[0];
  for (const r of reports) {
    const same =
      r.dataset === first.dataset &&
      r.split.description === first.split.description &&
      r.protocol.description === first.protocol.description &&
      r.ks.join() === first.ks.join();
    if (!same) throw new Error(`report of ${r.model.name} was not measured like ${first.model.name}'s: not comparable`);
  }
  const maxK = first.ks[first.ks.length - 1];
  const columns: string[] = [];
  for (const k of first.ks) for (const m of ['ndcg', 'hitrate', 'recall']) if (`${m}@${k}` in first.metrics) columns.push(`${m}@${k}`);
  for (const m of ['mrr', 'auc', `coverage@${maxK}`]) if (m in first.metrics) columns.push(m);
  const rows = reports.map((r) => [modelLabel(r), ...columns.map((c) => cell(r.metrics[c])), r.usersPerSecond.toFixed(0)]);
  return [
    `dataset   ${first.dataset}`,
    `split     ${first.split.name}: ${first.split.description}`,
    `protocol  ${protocolLabel(first)}: ${first.protocol.description}`,
    `K         ${first.ks.join(', ')}`,
    '',
    table(['model', ...columns, 'users/s'], rows),
  ].join('\n');
}

function header(r: EvalReport): string[] {
  const time = [`${r.seconds.toFixed(2)} s scoring (${Math.round(r.usersPerSecond)} users/s)`];
  if (r.fitSeconds !== undefined) time.push(`${r.fitSeconds.toFixed(2)} s fit`);
  const sampled = r.users.sampledFrom === undefined ? '' : ` (a seeded sample of ${r.users.sampledFrom})`;
  return [
    `dataset   ${r.dataset}`,
    `split     ${r.split.name}: ${r.split.description}`,
    `protocol  ${protocolLabel(r)}: ${r.protocol.description}`,
    `K         ${r.ks.join(', ')}`,
    `model     ${modelLabel(r)}`,
    `data      ${r.data.users} users × ${r.data.items} items; ${r.data.trainInteractions} train / ${r.data.testInteractions} test interactions`,
    `users     ${r.users.evaluated} evaluated${sampled}, ${r.users.skipped} skipped (no test item outside train)`,
    `time      ${time.join(', ')}`,
  ];
}

function protocolLabel(r: EvalReport): string {
  return r.protocol.name === 'full' ? 'full ranking' : `sampled, ${r.protocol.negatives} negatives`;
}

function modelLabel(r: EvalReport): string {
  const params = Object.entries(r.model.params).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`);
  return params.length === 0 ? r.model.name : `${r.model.name} (${params.join(', ')})`;
}

/** Metric names present in the report: those with an `@K` suffix (in a fixed order) and the others. */
function metricNames(r: EvalReport): { perK: string[]; whole: string[] } {
  const order = ['hitrate', 'precision', 'recall', 'ndcg', 'map', 'coverage', 'novelty', 'gini'];
  const perK = new Set<string>();
  const whole: string[] = [];
  for (const key of Object.keys(r.metrics)) {
    const at = key.indexOf('@');
    if (at < 0) whole.push(key);
    else perK.add(key.slice(0, at));
  }
  const known = order.filter((m) => perK.has(m));
  const other = [...perK].filter((m) => !order.includes(m)).sort();
  return { perK: [...known, ...other], whole };
}

function cell(v: number | undefined): string {
  if (v === undefined) return '-';
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}

/** Left-aligned first column, right-aligned others. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
