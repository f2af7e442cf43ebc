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

/** The values of `names` from `x`, in order; a missing (or non-finite) feature counts as 0. */
function vectorOf(names: readonly string[], x: Readonly<Record<string, number>>): Float64Array {
  const out = new Float64Array(names.length);
  for (let j = 0; j < names.length; j++) {
    const v = x[names[j]];
    out[j] = Number.isFinite(v) ? v : 0;
  }
  return out;
}

function logit(weights: readonly number[], bias: number, x: Float64Array): number {
  let z = bias;
  for (let j = 0; j < weights.length; j++) z += weights[j] * x[j];
  return z;
}

/**
 * The probability of every task for one feature vector: `p_t = σ(w_t·x + b_t)` with x read from `x` in the
 * order of `model.features` (missing or non-finite features count as 0; extra keys are ignored).
 * O(features × tasks).
 */
export function predictTasks(model: MultitaskLogisticModel, x: Readonly<Record<string, number>>): TaskProbabilities {
  const row = vectorOf(model.features, x);
  const out: TaskProbabilities = {};
  for (const task in model.tasks) {
    const head = model.tasks[task];
    out[task] = sigmoid(logit(head.weights, head.bias, row));
  }
  return out;
}

/**
 * Fuses task probabilities into one ranking score by a weighted sum: `Σ_t weights[t] · probabilities[t]`
 * over the tasks named in `weights` (a task without a probability contributes 0). Weights may be negative
 * (e.g. `hide: -1` pushes likely-hidden items down). O(tasks).
 */
export function fuse(probabilities: Readonly<TaskProbabilities>, weights: Readonly<Record<string, number>>): number {
  let score = 0;
  for (const task in weights) {
    const p = probabilities[task];
    if (p !== undefined) score += weights[task] * p;
  }
  return score;
}

/**
 * The fusion weights of `model` with `overrides` applied on top (an override replaces the model's weight
 * for that task; tasks not overridden keep theirs). Callers validate that override names are model tasks.
 */
export function fusionWeights(model: MultitaskLogisticModel, overrides: Readonly<Record<string, number>> = {}): Record<string, number> {
  return { ...model.fusion, ...overrides };
}

/**
 * The pre-rank score of one feature vector: `σ(w·x + b)` of the pre-rank head over `model.prerank.features`
 * (missing or non-finite features count as 0). O(pre-rank features).
 */
export function prerankScore(model: MultitaskLogisticModel, x: Readonly<Record<string, number>>): number {
  const head = model.prerank;
  return sigmoid(logit(head.weights, head.bias, vectorOf(head.features, x)));
}
