/**
 * `recsys fusion search`: fusion rules searched offline on a training set's held-out log — each setting's metrics per
 * objective on the logged outcomes and on the world's ground truth, the Pareto-optimal settings, and a chosen setting
 * written as an experiment arm.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  FUSION_KINDS,
  aucScore,
  fuseMatrix,
  fusionRuleField,
  fusionRuleProblems,
  paretoFront,
  predictionScale,
  type FusionKind,
  type FusionRule,
  type FusionTask,
} from '@recsys/algorithms';
import { RecsysError } from '@recsys/domain';
import { parseExperimentConfig } from '@recsys/experiments';
import { loadOnnxModel, type OnnxModel } from '@recsys/models';
import { GroundTruth, generateWorld, type WorldOptions } from '@recsys/simulator';
import { LocalModelStore } from '@recsys/stores';
import { intArg } from '../args';
import { progressBar, type Progress } from '../progress';
import { renderTable } from '../table';

/** Usage text of the command. */
export const FUSION_USAGE = `recsys fusion search — search fusion rules offline on a training set's held-out log

Usage: npx recsys fusion search --data DIR [--store DIR] [--model NAME] [--grid SPEC]... [--k N] [--top-share F]
                                [--out FILE] [--write-arm NAME --experiments FILE [--layer NAME] [--setting N]
                                [--from B --to B]]

  --data DIR        a training set written by \`recsys export-training-set\` (docs/model-card.md): its test split is
                    the held-out log; keys.u32 and ids.json say which user, pin and logged page each row is
  --store DIR       the model store (default models)   --model NAME   the ranking model (default ranking/mmoe), newest
                    version; its card's input columns are read from the training set's features by name
  --grid SPEC       settings to try, repeatable: KIND:task=w1,w2,...;task=w,... with KIND sum or product, every
                    combination of the listed weights, e.g. --grid 'product:click=1;save=0,0.5,1;hide=0,10'
                    (default: click 1 and a grid over save, hide and dwell for both kinds, tasks the model lacks left out)
  --k N             pins of each logged page judged on the ground truth: the fused score's best k (default 5)
  --top-share F     share of held-out rows, best fused score first, whose logged outcomes are averaged (default 0.1)
  --out FILE        write every setting's metrics and the Pareto set as JSON
  --write-arm NAME  add (or replace the rule of) arm NAME in the experiments file: --experiments FILE (created when
                    missing), --layer NAME (default fusion; created with 100 buckets when missing), --setting N (the
                    setting's number; default: the Pareto set's only setting), --from B --to B (the arm's buckets;
                    default for a new arm: the layer's largest free range — refused when the layer has none)

The model scores the held-out rows once. For every setting: on the held-out log, per task the ROC AUC of the fused
score against the logged outcome (for hide lower is better) and the mean logged outcome of the top share of rows
(dwell in seconds); on the ground truth, the world the set was exported from (regenerated from meta.json's source)
judges the logged pages: each page is reordered by the fused score and its best k shown at the page's time, and the
true expected clicks, saves, shares, hides and dwell per page are averaged (position bias and fatigue included).
The Pareto set is the settings no other setting beats on clicks, saves and dwell (higher) and hides (lower) together.
A rule's weights: sum Σ w·v (hide weighs negative, dwell enters in seconds); product Π f^w as its logarithm (hide as
(1 − p)^w, dwell as (1 + seconds)^w, every weight ≥ 0).`;

/** The ground-truth objectives: true expected engagement per judged page. */
export interface TruthMetrics {
  clicks: number;
  saves: number;
  shares: number;
  hides: number;
  /** Close-up dwell, seconds. */
  dwellSeconds: number;
}

/** One task's metrics on the held-out log. */
export interface LogMetric {
  /** ROC AUC of the fused score against the logged outcome (binary tasks; null for a regression task or one class). */
  auc: number | null;
  /** Mean logged outcome of the top share of rows by fused score (dwell in seconds). */
  top: number;
}

/** One setting of the search and its metrics. */
export interface SettingResult {
  /** The setting's number, from 1 (what `--setting` takes). */
  setting: number;
  rule: FusionRule;
  truth: TruthMetrics;
  /** Task → metrics on the held-out log. */
  log: Record<string, LogMetric>;
  pareto: boolean;
}

/** The report of a search. */
export interface FusionSearchReport {
  data: string;
  model: { name: string; version: string };
  heldOutRows: number;
  pages: number;
  k: number;
  topShare: number;
  /** The logged pages as logged (their first k pins), on the ground truth: the reference of the settings. */
  logged: TruthMetrics;
  settings: SettingResult[];
  /** Numbers of the Pareto-optimal settings. */
  pareto: number[];
  seconds: number;
}

/** Where a chosen setting goes. */
export interface WriteArmOptions {
  experiments: string;
  layer: string;
  arm: string;
  setting?: number;
  from?: number;
  to?: number;
}

/** Options of {@link fusionSearch}. */
export interface FusionSearchOptions {
  data: string;
  store: string;
  model: string;
  /** `--grid` specs; empty: {@link defaultGrid}. */
  grid: string[];
  k: number;
  topShare: number;
  out?: string;
  writeArm?: WriteArmOptions;
  progress?: boolean;
}

/**
 * The default grid per kind: click weighs 1, the other tasks' weights are relative to it, sized for the demo world's
 * rates (on the committed MMoE's held-out predictions, p10–p90: click 0.02–0.18, save 0.005–0.10, hide 0.001–0.008,
 * dwell 0.05–0.64 s): a hide weight of −10 (sum) or an exponent of 100 (product, (1 − p)^100 ≈ e^{−100 p}) moves a
 * score about as much as the spread of the click term.
 */
const DEFAULT_GRID: Readonly<Record<FusionKind, Readonly<Record<string, readonly number[]>>>> = {
  sum: { click: [1], save: [0, 1, 2, 4], hide: [0, -10, -25, -50], dwell: [0, 0.1, 0.3] },
  product: { click: [1], save: [0, 0.25, 0.5, 1], hide: [0, 50, 100, 200], dwell: [0, 1, 3] },
};

/** Rows scored per model run. */
const SCORE_BATCH = 4096;

/** Every combination of `axes`' weights as a rule of `kind` (axes in order, the last varying fastest). */
function combinations(kind: FusionKind, axes: readonly [string, readonly number[]][]): FusionRule[] {
  let rules: Record<string, number>[] = [{}];
  for (const [task, values] of axes) rules = rules.flatMap((weights) => values.map((w) => ({ ...weights, [task]: w })));
  return rules.map((weights) => ({ kind, weights }));
}

/** The default grid restricted to the model's tasks: click 1 and save, hide and dwell weights, both kinds. */
export function defaultGrid(tasks: readonly FusionTask[]): FusionRule[] {
  return FUSION_KINDS.flatMap((kind) =>
    combinations(
      kind,
      Object.entries(DEFAULT_GRID[kind]).filter(([task]) => tasks.some((t) => t.name === task)),
    ),
  );
}

/**
 * The settings of `--grid` specs (`KIND:task=w1,w2;task=w`), each checked against the model's tasks.
 * @throws RecsysError (bad-request, field `--grid`) naming the spec and what is wrong with it.
 */
export function parseGrid(specs: readonly string[], tasks: readonly FusionTask[], model: string): FusionRule[] {
  return specs.flatMap((spec) => {
    const fail = (message: string) => RecsysError.badRequest('--grid', `"${spec}": ${message}`);
    const colon = spec.indexOf(':');
    const kind = spec.slice(0, colon).trim();
    if (colon < 0 || !(FUSION_KINDS as readonly string[]).includes(kind)) throw fail(`expected KIND:task=w1,w2;... with KIND ${FUSION_KINDS.join(' or ')}`);
    const axes: [string, number[]][] = [];
    for (const part of spec.slice(colon + 1).split(';').map((p) => p.trim()).filter((p) => p !== '')) {
      const match = /^([A-Za-z0-9_]+)\s*=\s*(.+)$/.exec(part);
      if (!match) throw fail(`expected task=w1,w2,... (got "${part}")`);
      if (axes.some(([task]) => task === match[1])) throw fail(`task ${match[1]} is listed twice`);
      const values = match[2].split(',').map((v) => v.trim());
      const weights = values.map(Number);
      const bad = values.findIndex((v, i) => v === '' || !Number.isFinite(weights[i]));
      if (bad >= 0) throw fail(`${match[1]}: "${values[bad]}" is not a finite number`);
      axes.push([match[1], weights]);
    }
    if (axes.length === 0) throw fail('no task weights');
    const rules = combinations(kind as FusionKind, axes);
    for (const rule of rules) {
      const [problem] = fusionRuleProblems(rule, { tasks, model });
      if (problem) throw fail(`${fusionRuleField(problem.path)}: ${problem.message}`);
    }
    return rules;
  });
}

/** A setting's rule in one line: `product click=1 save=0.5 hide=10`. */
export function ruleLabel(rule: FusionRule): string {
  const weights = Object.entries(rule.weights).map(([task, w]) => `${task}=${w}`);
  return [rule.kind, ...weights, ...(rule.negative ? [`negative=${rule.negative.join('+')}`] : [])].join(' ');
}

/** The training set's meta.json, as far as the search reads it. */
interface TrainingSetMeta {
  rows: number;
  features: string[];
  tasks: { name: string; kind: 'binary' | 'regression'; unit?: string }[];
  split: { train: number; validation: number; test: number };
  source: { seed?: number; pins?: number; users?: number; world?: Partial<WorldOptions> };
}

/** The held-out rows of a training set: the test split's features, labels, times, keys, and the ids the keys index. */
interface HeldOut {
  meta: TrainingSetMeta;
  rows: number;
  /** rows × meta.features.length. */
  features: Float32Array;
  /** rows × meta.tasks.length. */
  labels: Float32Array;
  time: Float64Array;
  /** rows × 3: user index, item index (into `ids`), request index. */
  keys: Uint32Array;
  ids: { users: string[]; items: string[] };
}

/** The bytes of a file of a training set as a typed array of `count` values (copied when not aligned). */
function readArray<T extends Float32Array | Float64Array | Uint32Array>(
  dir: string,
  file: string,
  make: (buffer: ArrayBuffer, offset: number, length: number) => T,
  bytesPer: number,
  count: number,
  missing: string,
): T {
  const path = join(dir, file);
  if (!existsSync(path)) throw new Error(`fusion search: ${path} is missing (${missing})`);
  const bytes = readFileSync(path);
  if (bytes.byteLength !== count * bytesPer) {
    throw new Error(`fusion search: ${path} holds ${bytes.byteLength} bytes, meta.json says ${count} values of ${bytesPer} bytes`);
  }
  if (bytes.byteOffset % bytesPer === 0) return make(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return make(copy.buffer, 0, count);
}

/** Reads the test split of the training set in `dir` (docs/model-card.md). */
function readHeldOut(dir: string): HeldOut {
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) throw new Error(`fusion search: ${metaPath} is missing: --data must be a directory written by \`recsys export-training-set\``);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as TrainingSetMeta & { format?: string; kind?: string };
  if (meta.format !== 'recsys-training-set/1' || meta.kind !== undefined) {
    throw new Error(`fusion search: ${metaPath} is not a multi-task training set (format ${JSON.stringify(meta.format)}, kind ${JSON.stringify(meta.kind ?? 'multi-task')})`);
  }
  const { rows, split } = meta;
  const width = meta.features.length;
  const taskCount = meta.tasks.length;
  const offset = split.train + split.validation;
  const test = split.test;
  if (!(test > 0) || offset + test !== rows) throw new Error(`fusion search: ${metaPath}: the split (${JSON.stringify(split)}) does not add up to ${rows} rows`);
  const reexport = 'the set predates it: export it again with `recsys export-training-set`';
  const f32 = (b: ArrayBuffer, o: number, n: number) => new Float32Array(b, o, n);
  const features = readArray(dir, 'features.f32', f32, 4, rows * width, 'not a training set');
  const labels = readArray(dir, 'labels.f32', f32, 4, rows * taskCount, 'not a training set');
  const time = readArray(dir, 'time.f64', (b, o, n) => new Float64Array(b, o, n), 8, rows, 'not a training set');
  const keys = readArray(dir, 'keys.u32', (b, o, n) => new Uint32Array(b, o, n), 4, rows * 3, reexport);
  const idsPath = join(dir, 'ids.json');
  if (!existsSync(idsPath)) throw new Error(`fusion search: ${idsPath} is missing (${reexport})`);
  const ids = JSON.parse(readFileSync(idsPath, 'utf8')) as HeldOut['ids'];
  if (!Array.isArray(ids.users) || !Array.isArray(ids.items)) throw new Error(`fusion search: ${idsPath}: expected { "users": [ids], "items": [ids] }`);
  return {
    meta,
    rows: test,
    features: features.subarray(offset * width),
    labels: labels.subarray(offset * taskCount),
    time: time.subarray(offset),
    keys: keys.subarray(offset * 3),
    ids,
  };
}

/** The model's predictions for every held-out row (rows × tasks, card output order), the columns taken by name. */
async function scoreHeldOut(model: OnnxModel, held: HeldOut, bar: Progress | undefined): Promise<Float64Array> {
  const names = held.meta.features;
  const columns = model.card.inputs[0].columns.map((c) => names.indexOf(c.feature));
  const missing = model.card.inputs[0].columns.filter((_, j) => columns[j] < 0).map((c) => c.feature);
  if (missing.length > 0) {
    throw new Error(
      `fusion search: model ${model.card.name} ${model.card.version} reads ${missing.join(', ')}, which the training set does not have (its features: ${names.join(', ')})`,
    );
  }
  const width = names.length;
  const outputs = model.card.outputs;
  const predictions = new Float64Array(held.rows * outputs.length);
  const input = new Float32Array(SCORE_BATCH * columns.length);
  for (let start = 0; start < held.rows; start += SCORE_BATCH) {
    const n = Math.min(SCORE_BATCH, held.rows - start);
    for (let i = 0; i < n; i++) for (let j = 0; j < columns.length; j++) input[i * columns.length + j] = held.features[(start + i) * width + columns[j]];
    const out = await model.run(input.subarray(0, n * columns.length), n);
    outputs.forEach((o, t) => {
      const column = out[o.name];
      for (let i = 0; i < n; i++) predictions[(start + i) * outputs.length + t] = column[i];
    });
    bar?.update(start + n);
  }
  bar?.done();
  return predictions;
}

/** The held-out rows grouped by logged page: each page's rows in logged order, its user (world index) and time. */
interface LoggedPage {
  user: number;
  simMs: number;
  rows: number[];
}

/** Groups the held-out rows by request and maps their users and pins to the world regenerated from the set's source. */
function loggedPages(held: HeldOut, truth: GroundTruth): { pages: LoggedPage[]; pins: Int32Array } {
  const world = truth.world;
  const source = held.meta.source;
  const indexOf = (map: ReadonlyMap<string, number>, list: string[], i: number, what: string): number => {
    const index = map.get(list[i]);
    if (index === undefined) {
      throw new Error(
        `fusion search: ids.json ${what} ${JSON.stringify(list[i])} is not in the world regenerated from meta.json's source (seed ${source.seed}, ${source.pins} pins, ${source.users} users)`,
      );
    }
    return index;
  };
  const pins = new Int32Array(held.rows);
  const byRequest = new Map<number, LoggedPage>();
  for (let r = 0; r < held.rows; r++) {
    const [user, item, request] = [held.keys[r * 3], held.keys[r * 3 + 1], held.keys[r * 3 + 2]];
    pins[r] = indexOf(world.index.pins, held.ids.items, item, 'item');
    let page = byRequest.get(request);
    if (page === undefined) byRequest.set(request, (page = { user: indexOf(world.index.users, held.ids.users, user, 'user'), simMs: held.time[r], rows: [] }));
    page.rows.push(r);
  }
  return { pages: [...byRequest.values()], pins };
}

/** Per-page means of the ground truth's expected engagement. */
function truthMetrics(sum: { clicks: number; saves: number; shares: number; hides: number; dwellMs: number }, pages: number): TruthMetrics {
  return { clicks: sum.clicks / pages, saves: sum.saves / pages, shares: sum.shares / pages, hides: sum.hides / pages, dwellSeconds: sum.dwellMs / 1000 / pages };
}

/** Each task's metrics on the held-out log for one setting's fused scores. */
function logMetrics(held: HeldOut, fused: Float64Array, topShare: number): Record<string, LogMetric> {
  const rows = held.rows;
  const order = Int32Array.from({ length: rows }, (_, i) => i).sort((a, b) => fused[b] - fused[a] || a - b);
  const top = Math.max(1, Math.ceil(topShare * rows));
  const width = held.meta.tasks.length;
  return Object.fromEntries(
    held.meta.tasks.map((task, t) => {
      const outcome = (r: number) => (task.kind === 'regression' ? Math.expm1(held.labels[r * width + t]) : held.labels[r * width + t]);
      let sum = 0;
      for (let i = 0; i < top; i++) sum += outcome(order[i]);
      let auc: number | null = null;
      if (task.kind === 'binary') {
        const value = aucScore(Float64Array.from({ length: rows }, (_, r) => held.labels[r * width + t]), fused);
        auc = Number.isNaN(value) ? null : value;
      }
      return [task.name, { auc, top: sum / top }];
    }),
  );
}

/**
 * Runs the search of `opts` (see {@link FUSION_USAGE}): scores the held-out rows once with the newest version of the
 * model, computes every setting's metrics and the Pareto set, writes `opts.out` when given.
 *
 * @throws Error on a training set the search cannot read (without keys.u32/ids.json, or whose ids are not in the world
 *   its source regenerates), a model whose inputs the set lacks, or a bad `--grid`.
 */
export async function fusionSearch(opts: FusionSearchOptions): Promise<FusionSearchReport> {
  const started = Date.now();
  const dir = resolve(opts.data);
  const held = readHeldOut(dir);
  const store = new LocalModelStore(resolve(opts.store));
  const latest = await store.latest(opts.model);
  if (latest === undefined) throw new Error(`fusion search: no ${opts.model} model in the model store ${resolve(opts.store)} (--store, --model)`);
  const model = await loadOnnxModel(store, opts.model, latest.version);
  try {
    const tasks: FusionTask[] = model.card.outputs.map((o) => ({ name: o.task, scale: predictionScale(o.kind, o.unit) }));
    const rules = opts.grid.length > 0 ? parseGrid(opts.grid, tasks, `model ${latest.version}`) : defaultGrid(tasks);
    const show = opts.progress !== false;
    const predictions = await scoreHeldOut(model, held, show ? progressBar('score  ', held.rows) : undefined);

    const source = held.meta.source;
    if (source.seed === undefined || source.pins === undefined || source.users === undefined) {
      throw new Error(`fusion search: ${join(dir, 'meta.json')}: source lacks the world's seed, pins or users; the ground truth cannot be regenerated`);
    }
    // The world as export-training-set generated it.
    const world = generateWorld({ ...source.world, seed: source.seed, pins: source.pins, users: source.users });
    const truth = new GroundTruth(world, 0, 'fusion');
    const { pages, pins } = loggedPages(held, truth);

    const fused = rules.map((rule) => fuseMatrix(rule, tasks, predictions, held.rows));
    const sums = rules.map(() => ({ impressions: 0, clicks: 0, saves: 0, shares: 0, hides: 0, dwellMs: 0 }));
    const logged = { impressions: 0, clicks: 0, saves: 0, shares: 0, hides: 0, dwellMs: 0 };
    const bar = show ? progressBar('judge  ', pages.length) : undefined;
    pages.forEach((page, p) => {
      const k = Math.min(opts.k, page.rows.length);
      const orders = fused.map((scores) =>
        [...page.rows]
          .sort((a, b) => scores[b] - scores[a] || a - b)
          .slice(0, k)
          .map((r) => pins[r]),
      );
      const judged = truth.expected(page.user, [page.rows.slice(0, k).map((r) => pins[r]), ...orders], page.simMs);
      for (const key of ['clicks', 'saves', 'shares', 'hides', 'dwellMs'] as const) {
        logged[key] += judged[0][key];
        sums.forEach((sum, s) => (sum[key] += judged[s + 1][key]));
      }
      if (p % 500 === 0) bar?.update(p);
    });
    bar?.done();

    const settings: SettingResult[] = rules.map((rule, s) => ({
      setting: s + 1,
      rule,
      truth: truthMetrics(sums[s], pages.length),
      log: logMetrics(held, fused[s], opts.topShare),
      pareto: false,
    }));
    const front = paretoFront(
      settings.map(({ truth: t }) => [t.clicks, t.saves, t.dwellSeconds, t.hides]),
      ['max', 'max', 'max', 'min'],
    );
    for (const s of front) settings[s].pareto = true;
    const report: FusionSearchReport = {
      data: dir,
      model: { name: opts.model, version: latest.version },
      heldOutRows: held.rows,
      pages: pages.length,
      k: opts.k,
      topShare: opts.topShare,
      logged: truthMetrics(logged, pages.length),
      settings,
      pareto: front.map((s) => s + 1),
      seconds: (Date.now() - started) / 1000,
    };
    if (opts.out !== undefined) writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    await model.release();
  }
}

/** The report as tables: ground truth, held-out log, the Pareto set. */
export function formatFusionSearch(report: FusionSearchReport): string {
  const mark = (s: SettingResult) => (s.pareto ? '*' : '');
  const t = (m: TruthMetrics) => [m.clicks, m.saves, m.shares, m.hides, m.dwellSeconds];
  const tasks = Object.keys(report.settings[0]?.log ?? {});
  const share = `${Math.round(report.topShare * 100)}%`;
  const truth = renderTable(
    ['#', 'rule', 'clicks', 'saves', 'shares', 'hides', 'dwell s', 'pareto'],
    [['logged', 'the logged order', ...t(report.logged), ''], ...report.settings.map((s) => [String(s.setting), ruleLabel(s.rule), ...t(s.truth), mark(s)])],
  );
  const log = renderTable(
    ['#', ...tasks.filter((task) => report.settings[0].log[task].auc !== null).map((task) => `AUC ${task}`), ...tasks.map((task) => `top ${task}`)],
    report.settings.map((s) => [
      String(s.setting),
      ...tasks.filter((task) => report.settings[0].log[task].auc !== null).map((task) => s.log[task].auc ?? Number.NaN),
      ...tasks.map((task) => s.log[task].top),
    ]),
  );
  const pareto = report.settings.filter((s) => s.pareto).map((s) => `  #${s.setting}  ${ruleLabel(s.rule)}  clicks ${s.truth.clicks.toFixed(4)}  saves ${s.truth.saves.toFixed(4)}  hides ${s.truth.hides.toFixed(4)}  dwell ${s.truth.dwellSeconds.toFixed(3)} s`);
  return [
    `model ${report.model.name} ${report.model.version}; ${report.heldOutRows} held-out rows of ${report.data} in ${report.pages} logged pages; ${report.settings.length} settings; ${report.seconds.toFixed(1)} s`,
    '',
    `Ground truth: true expected engagement per page of each logged page's best ${report.k} by the fused score (the logged order: its first ${report.k})`,
    truth,
    '',
    `Held-out log: ROC AUC of the fused score per logged outcome (hide: lower is better); mean logged outcome of the top ${share} of rows (dwell in seconds)`,
    log,
    '',
    `Pareto-optimal (clicks, saves, dwell higher; hides lower): ${report.pareto.length} of ${report.settings.length}`,
    ...pareto,
  ].join('\n');
}

/** What {@link writeArm} did. */
export interface ArmWritten {
  action: 'added' | 'replaced';
  layer: string;
  arm: string;
  from: number;
  to: number;
  /** The arm's `fusionWeights` were removed: they would have overridden the chosen rule's weights. */
  droppedFusionWeights: boolean;
}

type JsonArm = { name: string; from: number; to: number; params?: Record<string, unknown> };
type JsonLayer = { name: string; buckets: number; arms: JsonArm[] };

/** The largest range of `layer`'s buckets no arm covers, or undefined when every bucket is taken. */
function largestFreeRange(layer: JsonLayer): { from: number; to: number } | undefined {
  let best: { from: number; to: number } | undefined;
  let at = 0;
  for (const arm of [...layer.arms].sort((a, b) => a.from - b.from)) {
    if (arm.from > at && (!best || arm.from - at > best.to - best.from)) best = { from: at, to: arm.from };
    at = Math.max(at, arm.to);
  }
  if (layer.buckets > at && (!best || layer.buckets - at > best.to - best.from)) best = { from: at, to: layer.buckets };
  return best;
}

/**
 * Adds arm `opts.arm` with `rule` as its `fusion` to layer `opts.layer` of the experiments file (the file and the layer
 * are created when missing), or replaces the rule of the arm of that name (its other parameters stay; its
 * `fusionWeights` go, since they would override the rule's weights). A new arm takes `from`/`to`, else the layer's
 * largest free bucket range. The result is validated as the orchestrator would read it before the file is replaced
 * (atomically); with `dryRun` nothing is written (a check before a long search). Throws bad-request naming the option
 * or the field: a layer without free buckets, an invalid result.
 */
export function writeArm(opts: WriteArmOptions, rule: FusionRule, dryRun = false): ArmWritten {
  const file = resolve(opts.experiments);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '{ "layers": [] }';
  parseExperimentConfig(text, file); // refuse to edit a file the orchestrator would not read
  const config = JSON.parse(text) as { layers: JsonLayer[] };
  let layer = config.layers.find((l) => l.name === opts.layer);
  if (layer === undefined) config.layers.push((layer = { name: opts.layer, buckets: 100, arms: [] }));
  const fusion = { kind: rule.kind, weights: { ...rule.weights }, ...(rule.negative ? { negative: [...rule.negative] } : {}) };
  let arm = layer.arms.find((a) => a.name === opts.arm);
  const action = arm === undefined ? 'added' : 'replaced';
  if (arm === undefined) {
    const range = opts.from !== undefined && opts.to !== undefined ? { from: opts.from, to: opts.to } : largestFreeRange(layer);
    if (range === undefined) {
      const taken = layer.arms.map((a) => `${a.name} [${a.from}, ${a.to})`).join(', ');
      throw RecsysError.badRequest(
        '--write-arm',
        `layer "${layer.name}" of ${file} has no free buckets (${taken}): replace an arm's rule (--write-arm <one of them>) or free buckets and pass --from/--to`,
      );
    }
    layer.arms.push((arm = { name: opts.arm, ...range, params: {} }));
  } else if (opts.from !== undefined && opts.to !== undefined) {
    arm.from = opts.from;
    arm.to = opts.to;
  }
  const params = { ...(arm.params ?? {}) };
  const droppedFusionWeights = params.fusionWeights !== undefined;
  delete params.fusionWeights;
  arm.params = { ...params, fusion };
  const next = `${JSON.stringify(config, null, 2)}\n`;
  parseExperimentConfig(next, file);
  if (!dryRun) {
    const tmp = join(dirname(file), `.${Date.now()}-${process.pid}.experiments.tmp`);
    writeFileSync(tmp, next);
    renameSync(tmp, file);
  }
  return { action, layer: layer.name, arm: arm.name, from: arm.from, to: arm.to, droppedFusionWeights };
}

/** The setting `--write-arm` writes: `--setting N`, else the Pareto set's only setting. */
export function chosenSetting(report: FusionSearchReport, setting: number | undefined): SettingResult {
  if (setting !== undefined) {
    const chosen = report.settings.find((s) => s.setting === setting);
    if (chosen === undefined) throw RecsysError.badRequest('--setting', `must be a setting's number, 1 to ${report.settings.length} (got ${setting})`);
    return chosen;
  }
  if (report.pareto.length !== 1) {
    throw RecsysError.badRequest('--setting', `is required with --write-arm: the Pareto set has ${report.pareto.length} settings (${report.pareto.map((s) => `#${s}`).join(', ')})`);
  }
  return report.settings[report.pareto[0] - 1];
}

/** Parses `fusion search` arguments. */
export function parseFusionSearchArgs(args: string[]): FusionSearchOptions {
  const { values } = parseArgs({
    args,
    options: {
      data: { type: 'string' },
      store: { type: 'string', default: 'models' },
      model: { type: 'string', default: 'ranking/mmoe' },
      grid: { type: 'string', multiple: true, default: [] },
      k: { type: 'string' },
      'top-share': { type: 'string' },
      out: { type: 'string' },
      'write-arm': { type: 'string' },
      experiments: { type: 'string' },
      layer: { type: 'string', default: 'fusion' },
      setting: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
    },
  });
  if (values.data === undefined) throw RecsysError.badRequest('--data', 'is required: a training set directory written by `recsys export-training-set`');
  const topShare = values['top-share'] === undefined ? 0.1 : Number(values['top-share']);
  if (!(topShare > 0 && topShare <= 1)) throw RecsysError.badRequest('--top-share', `must be a number in (0, 1] (got "${values['top-share']}")`);
  const arm = values['write-arm'];
  const armOnly = (['experiments', 'setting', 'from', 'to'] as const).find((name) => values[name] !== undefined);
  if (arm === undefined && armOnly !== undefined) throw RecsysError.badRequest(`--${armOnly}`, 'goes with --write-arm NAME');
  if (arm !== undefined && values.experiments === undefined) throw RecsysError.badRequest('--experiments', 'is required with --write-arm (the experiments file to write the arm into)');
  if ((values.from === undefined) !== (values.to === undefined)) throw RecsysError.badRequest(values.from === undefined ? '--from' : '--to', 'give both --from and --to, or neither');
  return {
    data: values.data,
    store: values.store,
    model: values.model,
    grid: values.grid,
    k: intArg(values.k, 'k', 1, 1000) ?? 5,
    topShare,
    out: values.out,
    writeArm:
      arm === undefined
        ? undefined
        : {
            arm,
            experiments: values.experiments as string,
            layer: values.layer,
            setting: intArg(values.setting, 'setting', 1),
            from: intArg(values.from, 'from', 0),
            to: intArg(values.to, 'to', 1),
          },
  };
}

/** `recsys fusion search`: the search, its tables, and the arm when asked. */
export async function fusionSearchCommand(opts: FusionSearchOptions): Promise<void> {
  // Whether the arm can be written at all (a readable file, free buckets) does not depend on the setting: check first.
  if (opts.writeArm !== undefined) writeArm(opts.writeArm, { kind: 'sum', weights: {} }, true);
  const report = await fusionSearch(opts);
  console.log(formatFusionSearch(report));
  if (opts.out !== undefined) console.log(`\nwrote ${opts.out}`);
  if (opts.writeArm !== undefined) {
    const chosen = chosenSetting(report, opts.writeArm.setting);
    const done = writeArm(opts.writeArm, chosen.rule);
    console.log(
      `\n${done.action} arm ${done.arm} [${done.from}, ${done.to}) of layer ${done.layer} in ${opts.writeArm.experiments}: setting #${chosen.setting}, ${ruleLabel(chosen.rule)}` +
        (done.droppedFusionWeights ? ' (its fusionWeights removed: they would override the rule)' : ''),
    );
  }
}
