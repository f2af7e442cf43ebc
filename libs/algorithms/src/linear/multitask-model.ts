// The serialisable multi-task logistic ranking model: one logistic head per task, a linear pre-rank head, fusion weights.

import { sigmoid } from './logistic-regression';

/** The `format` tag of a {@link MultitaskLogisticModel} file; a new layout gets a new tag. */
export const MULTITASK_LOGISTIC_FORMAT = 'recsys.multitask-logistic/v1';

/** One task head: p(task) = σ(w·x + b) over the model's `features`, in order. */
export interface TaskHead {
  /** One weight per entry of the model's `features`. */
  weights: number[];
  bias: number;
  /** Held-out ROC AUC measured when the head was trained (informational). */
  auc?: number;
}

/** The pre-rank head: a cheap logistic model over a few features (its own `features` list). */
export interface PrerankHead {
  /** Feature names this head reads; need not be a subset of the model's `features`. */
  features: string[];
  /** One weight per entry of `features`. */
  weights: number[];
  bias: number;
  /** Held-out ROC AUC measured when the head was trained (informational). */
  auc?: number;
}

/**
 * A multi-task logistic ranking model as stored in the model store (`model.json`). Every head works on raw
 * feature values (any standardisation used in training is folded into the weights), and a feature absent
 * from an input vector counts as 0.
 */
export interface MultitaskLogisticModel {
  format: typeof MULTITASK_LOGISTIC_FORMAT;
  /** Version string of this model (the model-store version it was published under). */
  version: string;
  /** Feature names the task heads read, in weight order. */
  features: string[];
  /** Task name (e.g. `click`, `save`, `hide`) → head. At least one task. */
  tasks: Record<string, TaskHead>;
  prerank: PrerankHead;
  /** Default fusion weights per task (negative for undesirable outcomes such as `hide`); keys are task names. */
  fusion: Record<string, number>;
  /** Provenance: how the model was trained (seed, world size, row counts, split time, ...). Free-form. */
  trainedOn: Record<string, string | number | boolean>;
}

/** Per-task probabilities, keyed by task name. */
export type TaskProbabilities = Record<string, number>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Checks a list of feature names; pushes problems. */
function checkNames(path: string, value: unknown, problems: string[]): value is string[] {
  if (!Array.isArray(value)) {
    problems.push(`${path}: expected an array of feature names`);
    return false;
  }
  const seen = new Set<string>();
  value.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0) problems.push(`${path}[${i}]: expected a non-empty string`);
    else if (seen.has(name)) problems.push(`${path}[${i}]: duplicate feature name "${name}"`);
    else seen.add(name);
  });
  return true;
}

/** Checks a weights/bias/auc head against an expected weight count; pushes problems. */
function checkHead(path: string, head: Record<string, unknown>, expectedWeights: number | undefined, problems: string[]): void {
  const weights = head.weights;
  if (!Array.isArray(weights)) {
    problems.push(`${path}.weights: expected an array of numbers`);
  } else {
    if (expectedWeights !== undefined && weights.length !== expectedWeights) {
      problems.push(`${path}.weights: expected ${expectedWeights} weights (one per feature), got ${weights.length}`);
    }
    weights.forEach((w, i) => {
      if (!isFiniteNumber(w)) problems.push(`${path}.weights[${i}]: expected a finite number`);
    });
  }
  if (!isFiniteNumber(head.bias)) problems.push(`${path}.bias: expected a finite number`);
  if (head.auc !== undefined && !(isFiniteNumber(head.auc) && head.auc >= 0 && head.auc <= 1)) {
    problems.push(`${path}.auc: expected a number in [0, 1] when present`);
  }
}

/**
 * Validates a parsed (or JSON-text) model and returns it typed. Throws one Error listing every problem, each
 * naming its path (e.g. `model.tasks.click.weights: expected 7 weights (one per feature), got 6`): wrong
 * `format`, empty `version`, empty/duplicate feature names, no tasks, weight counts that do not match the
 * feature lists, non-finite weights/biases/fusion weights, fusion weights for unknown tasks, AUCs outside
 * [0, 1]. The returned object is a deep copy holding only the declared fields. O(size of the model).
 */
export function parseMultitaskModel(json: unknown): MultitaskLogisticModel {
  let value = json;
  if (typeof json === 'string' || json instanceof Uint8Array) {
    const text = typeof json === 'string' ? json : new TextDecoder().decode(json);
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`model: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (!isRecord(value)) throw new Error('model: expected a JSON object');

  const problems: string[] = [];
  if (value.format !== MULTITASK_LOGISTIC_FORMAT) {
    problems.push(`model.format: expected "${MULTITASK_LOGISTIC_FORMAT}", got ${JSON.stringify(value.format)}`);
  }
  if (typeof value.version !== 'string' || value.version.length === 0) problems.push('model.version: expected a non-empty string');

  const featuresOk = checkNames('model.features', value.features, problems);
  const featureCount = featuresOk ? (value.features as string[]).length : undefined;
  if (featuresOk && featureCount === 0) problems.push('model.features: expected at least one feature');

  const taskNames: string[] = [];
  if (!isRecord(value.tasks)) {
    problems.push('model.tasks: expected an object of task heads');
  } else {
    for (const [task, head] of Object.entries(value.tasks)) {
      taskNames.push(task);
      if (task.length === 0) problems.push('model.tasks: a task name is empty');
      if (!isRecord(head)) problems.push(`model.tasks.${task}: expected { weights, bias }`);
      else checkHead(`model.tasks.${task}`, head, featureCount, problems);
    }
    if (taskNames.length === 0) problems.push('model.tasks: expected at least one task');
  }

  if (!isRecord(value.prerank)) {
    problems.push('model.prerank: expected { features, weights, bias }');
  } else {
    const prerankFeaturesOk = checkNames('model.prerank.features', value.prerank.features, problems);
    const count = prerankFeaturesOk ? (value.prerank.features as string[]).length : undefined;
    checkHead('model.prerank', value.prerank, count, problems);
  }

  if (!isRecord(value.fusion)) {
    problems.push('model.fusion: expected an object of task weights');
  } else {
    for (const [task, weight] of Object.entries(value.fusion)) {
      if (isRecord(value.tasks) && !Object.hasOwn(value.tasks, task)) problems.push(`model.fusion.${task}: not a task of the model (tasks: ${taskNames.join(', ')})`);
      if (!isFiniteNumber(weight)) problems.push(`model.fusion.${task}: expected a finite number`);
    }
  }

  if (value.trainedOn !== undefined && !isRecord(value.trainedOn)) problems.push('model.trainedOn: expected an object');

  if (problems.length > 0) throw new Error(`invalid multitask model: ${problems.join('; ')}`);

  const tasks = value.tasks as Record<string, Record<string, unknown>>;
  const prerank = value.prerank as Record<string, unknown>;
  const copyHead = (head: Record<string, unknown>): TaskHead => ({
    weights: [...(head.weights as number[])],
    bias: head.bias as number,
    ...(head.auc === undefined ? {} : { auc: head.auc as number }),
  });
  return {
    format: MULTITASK_LOGISTIC_FORMAT,
    version: value.version as string,
    features: [...(value.features as string[])],
    tasks: Object.fromEntries(Object.entries(tasks).map(([task, head]) => [task, copyHead(head)])),
    prerank: { features: [...(prerank.features as string[])], ...copyHead(prerank) },
    fusion: { ...(value.fusion as Record<string, number>) },
    trainedOn: { ...((value.trainedOn as Record<string, string | number | boolean> | undefined) ?? {}) },
  };
}

/** A batch of feature vectors: row-major `rows × names.length` values, column j holding feature `names[j]`. */
export interface FeatureMatrix {
  names: readonly string[];
  rows: number;
  values: Float64Array;
}

/** The column of each of `wanted` in `names`; −1 for a name `names` lacks. */
function columnsOf(names: readonly string[], wanted: readonly string[]): Int32Array {
  const at = new Map(names.map((name, j) => [name, j]));
  return Int32Array.from(wanted, (name) => at.get(name) ?? -1);
}

/**
 * σ(w·x + b) of one head for every row of `x` into `out[row · stride + offset]`; the head's weight i applies to column
 * `columns[i]` (−1: the feature is absent and counts as 0, as does a non-finite value).
 */
function headScores(weights: readonly number[], bias: number, columns: Int32Array, x: FeatureMatrix, out: Float64Array, stride: number, offset: number): void {
  const width = x.names.length;
  for (let r = 0; r < x.rows; r++) {
    const base = r * width;
    let z = bias;
    for (let i = 0; i < weights.length; i++) {
      const j = columns[i];
      if (j < 0) continue;
      const v = x.values[base + j];
      if (Number.isFinite(v)) z += weights[i] * v;
    }
    out[r * stride + offset] = sigmoid(z);
  }
}

/** One row of `names` from a record (missing or non-finite features count as 0 in the heads). */
function rowOf(names: readonly string[], x: Readonly<Record<string, number>>): FeatureMatrix {
  return { names, rows: 1, values: Float64Array.from(names, (name) => x[name] ?? Number.NaN) };
}

/** The model's task names, in the order of {@link predictTaskMatrix}'s columns. */
export function taskNames(model: MultitaskLogisticModel): string[] {
  return Object.keys(model.tasks);
}

/**
 * The probability of every task for every row of `x`: a row-major `rows × taskNames(model).length` matrix,
 * `p_t = σ(w_t·x + b_t)` over `model.features` read from the columns of `x` by name (a feature `x` does not have, or a
 * non-finite value, counts as 0; extra columns are ignored). O(rows × features × tasks).
 */
export function predictTaskMatrix(model: MultitaskLogisticModel, x: FeatureMatrix): Float64Array {
  const tasks = taskNames(model);
  const columns = columnsOf(x.names, model.features);
  const out = new Float64Array(x.rows * tasks.length);
  tasks.forEach((task, t) => headScores(model.tasks[task].weights, model.tasks[task].bias, columns, x, out, tasks.length, t));
  return out;
}

/**
 * The probability of every task for one feature vector: {@link predictTaskMatrix} of the one row read from the record
 * `x` (missing or non-finite features count as 0; extra keys are ignored). O(features × tasks).
 */
export function predictTasks(model: MultitaskLogisticModel, x: Readonly<Record<string, number>>): TaskProbabilities {
  const row = predictTaskMatrix(model, rowOf(model.features, x));
  return Object.fromEntries(taskNames(model).map((task, t) => [task, row[t]]));
}

/**
 * The pre-rank score of every row of `x`: `σ(w·x + b)` of the pre-rank head over `model.prerank.features` read from
 * the columns of `x` by name (absent features and non-finite values count as 0). O(rows × pre-rank features).
 */
export function prerankScoreMatrix(model: MultitaskLogisticModel, x: FeatureMatrix): Float64Array {
  const head = model.prerank;
  const out = new Float64Array(x.rows);
  headScores(head.weights, head.bias, columnsOf(x.names, head.features), x, out, 1, 0);
  return out;
}

/**
 * The pre-rank score of one feature vector: {@link prerankScoreMatrix} of the one row read from the record `x`.
 * O(pre-rank features).
 */
export function prerankScore(model: MultitaskLogisticModel, x: Readonly<Record<string, number>>): number {
  return prerankScoreMatrix(model, rowOf(model.prerank.features, x))[0];
}
