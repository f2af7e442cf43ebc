// Fusion rules: how a multi-task model's per-task predictions become one ranking score (weighted sum or weighted product).

/** The kinds of fusion rule. */
export const FUSION_KINDS = ['sum', 'product'] as const;

/** `sum`: Σ w_t · v_t. `product`: Π f_t^{w_t}, scored as its logarithm Σ w_t · ln f_t. */
export type FusionKind = (typeof FUSION_KINDS)[number];

/** Tasks a rule treats as undesirable outcomes when it names none (`negative` absent). */
export const DEFAULT_NEGATIVE_TASKS: readonly string[] = Object.freeze(['hide']);

/**
 * Probabilities are kept in [ε, 1 − ε] by the product rule so that ln p and ln(1 − p) stay finite: a task predicted
 * at exactly 0 or 1 costs at most |w| · ln(1/ε) ≈ 13.8 |w| instead of an infinite score.
 */
export const FUSION_PROBABILITY_CLAMP = 1e-6;

/**
 * A fusion rule: the kind, a weight per task and the tasks that are undesirable outcomes.
 * - `sum`: score = Σ w_t · v_t. A negative task's weight carries its sign (e.g. `hide: −10`).
 * - `product`: score = ln Π f_t^{w_t} = Σ w_t · ln f_t (the product's logarithm: the same order, no underflow), with
 *   f_t = p_t for a probability task, 1 − p_t for a negative one (e.g. (1 − p_hide)^w) and 1 + v_t for a value task;
 *   every weight is an exponent ≥ 0.
 * Here v_t is the task's prediction as a value: the probability itself, or for a regression task its value in its own
 * unit (a dwell predicted as ln(1 + seconds) enters as seconds, `expm1` of the prediction); a value below 0 counts as 0.
 * A task without a weight does not enter.
 */
export interface FusionRule {
  kind: FusionKind;
  /** Task → weight (`sum`) or exponent (`product`); each finite. */
  weights: Readonly<Record<string, number>>;
  /** The undesirable outcomes among the tasks (probability tasks); default {@link DEFAULT_NEGATIVE_TASKS}. */
  negative?: readonly string[];
}

/**
 * How a task's prediction reads: `probability` (in [0, 1]), `log1p` (a regression predicting ln(1 + value), such as
 * the training sets' dwell) or `value` (a regression in its unit).
 */
export type PredictionScale = 'probability' | 'log1p' | 'value';

/** One column of a prediction matrix: the task it predicts and how its prediction reads. */
export interface FusionTask {
  name: string;
  scale: PredictionScale;
}

/**
 * The scale of a model output: a probability, or a regression whose unit says it is ln(1 + value) (a unit starting
 * with `ln(1 + `, as the training sets' dwell does: docs/model-card.md) or else a value in its unit.
 */
export function predictionScale(kind: 'probability' | 'regression', unit?: string): PredictionScale {
  if (kind === 'probability') return 'probability';
  return unit !== undefined && /^ln\(1 ?\+ ?/.test(unit) ? 'log1p' : 'value';
}

/** One problem of a rule: the path of the field at fault inside the rule (e.g. `['weights', 'hide']`) and why. */
export interface FusionRuleProblem {
  path: readonly (string | number)[];
  message: string;
}

/** A problem's path as a field name: `weights.hide`, `negative[0]`, or `''` for the rule itself. */
export function fusionRuleField(path: readonly (string | number)[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
}

/** What a rule is checked against: the model's tasks (unknown when absent) and a label for messages. */
export interface FusionRuleContext {
  /** The tasks of the model that will fuse with the rule; without them task names are not checked. */
  tasks?: readonly FusionTask[];
  /** How messages name the model (default `the model`), e.g. `model v3`. */
  model?: string;
}

/**
 * Every problem of `rule`, each naming its field: a kind other than `sum`/`product`; a non-finite weight; a negative
 * exponent of a `product`; a repeated negative task; and, when `context.tasks` is given, a weight or a negative task
 * that is not a task of the model, or a negative task that is not a probability. Empty when the rule is valid.
 */
export function fusionRuleProblems(rule: FusionRule, context: FusionRuleContext = {}): FusionRuleProblem[] {
  const problems: FusionRuleProblem[] = [];
  const model = context.model ?? 'the model';
  const tasks = context.tasks;
  const known = (path: (string | number)[], name: string): boolean => {
    if (tasks === undefined || tasks.some((t) => t.name === name)) return true;
    problems.push({ path, message: `not a task of ${model} (tasks: ${tasks.map((t) => t.name).join(', ')})` });
    return false;
  };
  if (!(FUSION_KINDS as readonly string[]).includes(rule.kind)) {
    problems.push({ path: ['kind'], message: `must be one of ${FUSION_KINDS.join(', ')}, got ${JSON.stringify(rule.kind)}` });
  }
  for (const [name, weight] of Object.entries(rule.weights)) {
    const path = ['weights', name];
    if (!known(path, name)) continue;
    if (typeof weight !== 'number' || !Number.isFinite(weight)) problems.push({ path, message: `must be a finite number, got ${weight}` });
    else if (rule.kind === 'product' && weight < 0) {
      problems.push({ path, message: `must be ≥ 0: a product rule's weights are exponents (an undesirable task enters as (1 − p)^w), got ${weight}` });
    }
  }
  const seen = new Set<string>();
  (rule.negative ?? []).forEach((name, i) => {
    const path = ['negative', i];
    if (seen.has(name)) problems.push({ path, message: `"${name}" is named twice` });
    seen.add(name);
    if (!known(path, name)) return;
    const task = tasks?.find((t) => t.name === name);
    if (task !== undefined && task.scale !== 'probability') problems.push({ path, message: `${name} is a regression task: only a probability can be an undesirable outcome` });
  });
  return problems;
}

/**
 * Reads a rule from parsed JSON (an experiment arm's `fusion`, a surface's rule): `{ kind, weights, negative? }` and
 * nothing else, then {@link fusionRuleProblems} without tasks. Returns the rule (a copy) or every problem.
 */
export function parseFusionRule(value: unknown): { rule: FusionRule } | { problems: FusionRuleProblem[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { problems: [{ path: [], message: 'expected an object { kind, weights, negative? }' }] };
  }
  const v = value as Record<string, unknown>;
  const problems: FusionRuleProblem[] = [];
  for (const key of Object.keys(v)) if (!['kind', 'weights', 'negative'].includes(key)) problems.push({ path: [key], message: 'not a field of a fusion rule (kind, weights, negative)' });
  const weights: Record<string, number> = {};
  if (typeof v.weights !== 'object' || v.weights === null || Array.isArray(v.weights)) {
    problems.push({ path: ['weights'], message: 'expected an object of task → weight' });
  } else {
    for (const [name, w] of Object.entries(v.weights)) {
      if (name === '') problems.push({ path: ['weights', name], message: 'a task name must not be empty' });
      else if (typeof w !== 'number') problems.push({ path: ['weights', name], message: `must be a finite number, got ${JSON.stringify(w)}` });
      else weights[name] = w;
    }
  }
  let negative: string[] | undefined;
  if (v.negative !== undefined) {
    if (!Array.isArray(v.negative) || v.negative.some((n) => typeof n !== 'string' || n === '')) {
      problems.push({ path: ['negative'], message: 'expected an array of task names' });
    } else negative = [...(v.negative as string[])];
  }
  const rule: FusionRule = { kind: v.kind as FusionKind, weights, ...(negative === undefined ? {} : { negative }) };
  problems.push(...fusionRuleProblems(rule));
  return problems.length > 0 ? { problems } : { rule };
}

/** `rule` with `overrides` replacing the weights of the tasks they name (the others keep theirs). */
export function withFusionWeights(rule: FusionRule, overrides: Readonly<Record<string, number>>): FusionRule {
  return { ...rule, weights: { ...rule.weights, ...overrides } };
}

/** A value prediction in its unit (`log1p`: expm1 of the prediction), below 0 counting as 0. */
function valueOf(scale: PredictionScale, x: number): number {
  const v = scale === 'log1p' ? Math.expm1(x) : x;
  return v > 0 ? v : 0;
}

/** ln f_t of the product rule for one prediction `x` of a task of `scale` (negative: an undesirable outcome). */
function logFactor(scale: PredictionScale, negative: boolean, x: number): number {
  if (scale !== 'probability') return scale === 'log1p' ? (x > 0 ? x : 0) : Math.log1p(valueOf(scale, x));
  const p = Math.min(1 - FUSION_PROBABILITY_CLAMP, Math.max(FUSION_PROBABILITY_CLAMP, x));
  return negative ? Math.log1p(-p) : Math.log(p);
}

/**
 * The fused score of every row of a row-major `rows × tasks.length` prediction matrix (columns in `tasks` order) under
 * `rule` (see {@link FusionRule}); weights of tasks not in `tasks` are ignored (validate with
 * {@link fusionRuleProblems} first). Writes into `out` when given. O(rows × tasks).
 */
export function fuseMatrix(rule: FusionRule, tasks: readonly FusionTask[], predictions: ArrayLike<number>, rows: number, out = new Float64Array(rows)): Float64Array {
  const width = tasks.length;
  const negative = new Set(rule.negative ?? DEFAULT_NEGATIVE_TASKS);
  const columns: { t: number; w: number; scale: PredictionScale; negative: boolean }[] = [];
  tasks.forEach((task, t) => {
    const w = Object.hasOwn(rule.weights, task.name) ? rule.weights[task.name] : 0;
    if (w !== 0) columns.push({ t, w, scale: task.scale, negative: negative.has(task.name) });
  });
  const product = rule.kind === 'product';
  for (let r = 0; r < rows; r++) {
    let score = 0;
    for (const c of columns) {
      const x = predictions[r * width + c.t];
      if (product) score += c.w * logFactor(c.scale, c.negative, x);
      else score += c.w * (c.scale === 'probability' ? x : valueOf(c.scale, x));
    }
    out[r] = score;
  }
  return out;
}
