// The model card of a deep model version (docs/model-card.md): its types and the parser that validates every field.

/** The `format` tag of a model card; a new layout gets a new tag. */
export const MODEL_CARD_FORMAT = 'recsys-model-card/1';

/** The file of a model-store version that holds its card. */
export const MODEL_CARD_FILE = 'card.json';

/** The ONNX opset every served model is exported with (pinned by the contract). */
export const MODEL_OPSET = 17;

/** The name of the dynamic batch axis of every input and output. */
export const BATCH_AXIS = 'batch';

/** One input column: the feature it holds and the normalisation the graph applies to it (recorded for reading only). */
export interface ModelCardColumn {
  /** The feature's name: the service computes the column's raw value from it. */
  feature: string;
  mean: number;
  /** Finite and > 0. */
  std: number;
}

/** One graph input: a `batch × columns` float32 matrix of raw feature values. */
export interface ModelCardInput {
  name: string;
  type: 'float32';
  /** `['batch', columns.length]`. */
  shape: [typeof BATCH_AXIS, number];
  columns: ModelCardColumn[];
}

/** What an output holds: a probability (already a sigmoid) or a regression value in the output's `unit`. */
export type ModelOutputKind = 'probability' | 'regression';

/** One graph output: one task's prediction per row. */
export interface ModelCardOutput {
  /** The graph output's name. */
  name: string;
  /** The task it predicts (e.g. `click`, `dwell`): fusion weights are keyed by task. */
  task: string;
  kind: ModelOutputKind;
  /** The unit of a regression output (required for `regression`). */
  unit?: string;
}

/** How the model was trained (provenance, for reading). */
export interface ModelCardTraining {
  data: string;
  split: string;
  rows: { train: number; validation: number; test: number };
  seed: number;
  epochs: number;
  command: string;
}

/** A few raw input rows and the training framework's outputs on them (output name → one value per row). */
export interface ModelCardParity {
  /** Rows of every input's columns, inputs in card order. */
  rows: number[][];
  outputs: Record<string, number[]>;
}

/** A model card (`card.json`) as docs/model-card.md defines it. */
export interface ModelCard {
  format: typeof MODEL_CARD_FORMAT;
  /** The model-store name, e.g. `ranking/mmoe`. */
  name: string;
  /** The model-store version. */
  version: string;
  /** Free text: `mmoe`, `ple`, `shared-bottom`, ... */
  architecture: string;
  onnx: { file: string; opset: typeof MODEL_OPSET };
  inputs: ModelCardInput[];
  outputs: ModelCardOutput[];
  /** Task → the weight of its loss in training (finite, ≥ 0); one per output task. */
  lossWeights: Record<string, number>;
  training: ModelCardTraining;
  /** Split (e.g. `test`) → task → metric (e.g. `auc`) → value. */
  metrics: Record<string, Record<string, Record<string, number>>>;
  parity: ModelCardParity;
}

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
/** A file name inside a version directory (the model store's rule). */
const FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Collects problems, each naming the field's path. */
class Problems {
  readonly list: string[] = [];
  add(path: string, message: string): void {
    this.list.push(`${path}: ${message}`);
  }
  /** Adds "expected …" unless `ok`; returns `ok`. */
  expect(ok: boolean, path: string, expected: string, value: unknown): boolean {
    if (!ok) this.add(path, `expected ${expected}, got ${describe(value)}`);
    return ok;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function parseColumns(path: string, value: unknown, seen: Map<string, string>, p: Problems): ModelCardColumn[] {
  if (!p.expect(Array.isArray(value) && value.length > 0, path, 'a non-empty array of { feature, mean, std }', value)) return [];
  return (value as unknown[]).map((column, j) => {
    const at = `${path}[${j}]`;
    if (!p.expect(isRecord(column), at, '{ feature, mean, std }', column)) return { feature: '', mean: 0, std: 1 };
    const c = column as Json;
    if (p.expect(isNonEmptyString(c.feature), `${at}.feature`, 'a non-empty feature name', c.feature)) {
      const earlier = seen.get(c.feature as string);
      if (earlier !== undefined) p.add(`${at}.feature`, `"${c.feature}" repeats ${earlier}`);
      else seen.set(c.feature as string, at);
    }
    p.expect(isFiniteNumber(c.mean), `${at}.mean`, 'a finite number', c.mean);
    p.expect(isFiniteNumber(c.std) && (c.std as number) > 0, `${at}.std`, 'a finite number > 0', c.std);
    return { feature: String(c.feature), mean: c.mean as number, std: c.std as number };
  });
}

function parseInputs(value: unknown, p: Problems): ModelCardInput[] {
  if (!p.expect(Array.isArray(value) && value.length > 0, 'card.inputs', 'a non-empty array of inputs', value)) return [];
  const names = new Set<string>();
  const features = new Map<string, string>();
  return (value as unknown[]).map((input, i) => {
    const at = `card.inputs[${i}]`;
    if (!p.expect(isRecord(input), at, '{ name, type, shape, columns }', input)) return { name: '', type: 'float32', shape: [BATCH_AXIS, 0], columns: [] };
    const x = input as Json;
    if (p.expect(isNonEmptyString(x.name), `${at}.name`, 'a non-empty string', x.name)) {
      if (names.has(x.name as string)) p.add(`${at}.name`, `"${x.name}" names two inputs`);
      names.add(x.name as string);
    }
    p.expect(x.type === 'float32', `${at}.type`, '"float32"', x.type);
    const columns = parseColumns(`${at}.columns`, x.columns, features, p);
    const shape = x.shape;
    if (
      p.expect(
        Array.isArray(shape) && shape.length === 2 && shape[0] === BATCH_AXIS && Number.isSafeInteger(shape[1]) && (shape[1] as number) > 0,
        `${at}.shape`,
        `["${BATCH_AXIS}", <columns>]`,
        shape,
      ) &&
      columns.length > 0 &&
      (shape as number[])[1] !== columns.length
    ) {
      p.add(`${at}.shape`, `has ${(shape as number[])[1]} columns but ${at}.columns names ${columns.length}`);
    }
    return { name: String(x.name), type: 'float32', shape: [BATCH_AXIS, columns.length], columns };
  });
}

function parseOutputs(value: unknown, p: Problems): ModelCardOutput[] {
  if (!p.expect(Array.isArray(value) && value.length > 0, 'card.outputs', 'a non-empty array of outputs', value)) return [];
  const names = new Set<string>();
  const tasks = new Set<string>();
  return (value as unknown[]).map((output, k) => {
    const at = `card.outputs[${k}]`;
    if (!p.expect(isRecord(output), at, '{ name, task, kind }', output)) return { name: '', task: '', kind: 'probability' };
    const o = output as Json;
    if (p.expect(isNonEmptyString(o.name), `${at}.name`, 'a non-empty string', o.name)) {
      if (names.has(o.name as string)) p.add(`${at}.name`, `"${o.name}" names two outputs`);
      names.add(o.name as string);
    }
    if (p.expect(isNonEmptyString(o.task), `${at}.task`, 'a non-empty string', o.task)) {
      if (tasks.has(o.task as string)) p.add(`${at}.task`, `"${o.task}" is the task of two outputs`);
      tasks.add(o.task as string);
    }
    const kindOk = p.expect(o.kind === 'probability' || o.kind === 'regression', `${at}.kind`, '"probability" or "regression"', o.kind);
    if (kindOk && o.kind === 'regression') p.expect(isNonEmptyString(o.unit), `${at}.unit`, 'the unit of the regression output (a non-empty string)', o.unit);
    else if (o.unit !== undefined) p.expect(isNonEmptyString(o.unit), `${at}.unit`, 'a non-empty string when present', o.unit);
    return { name: String(o.name), task: String(o.task), kind: o.kind as ModelOutputKind, ...(o.unit === undefined ? {} : { unit: String(o.unit) }) };
  });
}

function parseLossWeights(value: unknown, tasks: readonly string[], p: Problems): Record<string, number> {
  if (!p.expect(isRecord(value), 'card.lossWeights', 'an object of task → loss weight', value)) return {};
  const weights = value as Json;
  for (const [task, weight] of Object.entries(weights)) {
    if (!tasks.includes(task)) p.add(`card.lossWeights.${task}`, `not a task of card.outputs (tasks: ${tasks.join(', ')})`);
    p.expect(isFiniteNumber(weight) && weight >= 0, `card.lossWeights.${task}`, 'a finite number ≥ 0', weight);
  }
  for (const task of tasks) if (!Object.hasOwn(weights, task)) p.add(`card.lossWeights.${task}`, 'missing: every output task has a loss weight');
  return { ...(weights as Record<string, number>) };
}

function parseTraining(value: unknown, p: Problems): ModelCardTraining {
  const fallback: ModelCardTraining = { data: '', split: '', rows: { train: 0, validation: 0, test: 0 }, seed: 0, epochs: 0, command: '' };
  if (!p.expect(isRecord(value), 'card.training', '{ data, split, rows, seed, epochs, command }', value)) return fallback;
  const t = value as Json;
  for (const field of ['data', 'split', 'command'] as const) p.expect(isNonEmptyString(t[field]), `card.training.${field}`, 'a non-empty string', t[field]);
  const rows = t.rows;
  if (p.expect(isRecord(rows), 'card.training.rows', '{ train, validation, test }', rows)) {
    for (const split of ['train', 'validation', 'test'] as const) {
      p.expect(isCount((rows as Json)[split]), `card.training.rows.${split}`, 'an integer ≥ 0', (rows as Json)[split]);
    }
  }
  p.expect(Number.isSafeInteger(t.seed), 'card.training.seed', 'an integer', t.seed);
  p.expect(isCount(t.epochs), 'card.training.epochs', 'an integer ≥ 0', t.epochs);
  const r = (isRecord(rows) ? rows : {}) as Json;
  return {
    data: String(t.data),
    split: String(t.split),
    rows: { train: r.train as number, validation: r.validation as number, test: r.test as number },
    seed: t.seed as number,
    epochs: t.epochs as number,
    command: String(t.command),
  };
}

function parseMetrics(value: unknown, tasks: readonly string[], p: Problems): ModelCard['metrics'] {
  if (!p.expect(isRecord(value), 'card.metrics', 'an object of split → task → metric → value', value)) return {};
  const out: ModelCard['metrics'] = {};
  for (const [split, byTask] of Object.entries(value as Json)) {
    if (!p.expect(isRecord(byTask), `card.metrics.${split}`, 'an object of task → metric → value', byTask)) continue;
    out[split] = {};
    for (const [task, byMetric] of Object.entries(byTask as Json)) {
      const at = `card.metrics.${split}.${task}`;
      if (!tasks.includes(task)) p.add(at, `not a task of card.outputs (tasks: ${tasks.join(', ')})`);
      if (!p.expect(isRecord(byMetric), at, 'an object of metric → value', byMetric)) continue;
      for (const [metric, v] of Object.entries(byMetric as Json)) p.expect(isFiniteNumber(v), `${at}.${metric}`, 'a finite number', v);
      out[split][task] = { ...(byMetric as Record<string, number>) };
    }
  }
  return out;
}

function parseParity(value: unknown, width: number, outputs: readonly string[], p: Problems): ModelCardParity {
  if (!p.expect(isRecord(value), 'card.parity', '{ rows, outputs }', value)) return { rows: [], outputs: {} };
  const v = value as Json;
  let count = 0;
  if (p.expect(Array.isArray(v.rows) && v.rows.length > 0, 'card.parity.rows', 'a non-empty array of input rows', v.rows)) {
    count = (v.rows as unknown[]).length;
    (v.rows as unknown[]).forEach((row, r) => {
      const at = `card.parity.rows[${r}]`;
      if (!p.expect(Array.isArray(row), at, `an array of ${width} numbers (every input column, inputs in order)`, row)) return;
      if ((row as unknown[]).length !== width) p.add(at, `expected ${width} values (every input column, inputs in order), got ${(row as unknown[]).length}`);
      (row as unknown[]).forEach((x, j) => p.expect(isFiniteNumber(x), `${at}[${j}]`, 'a finite number', x));
    });
  }
  if (p.expect(isRecord(v.outputs), 'card.parity.outputs', 'an object of output name → one value per parity row', v.outputs)) {
    const o = v.outputs as Json;
    for (const name of Object.keys(o)) if (!outputs.includes(name)) p.add(`card.parity.outputs.${name}`, `not an output of card.outputs (outputs: ${outputs.join(', ')})`);
    for (const name of outputs) {
      const at = `card.parity.outputs.${name}`;
      const values = o[name];
      if (!p.expect(Array.isArray(values), at, `an array of ${count} numbers (one per parity row)`, values)) continue;
      if ((values as unknown[]).length !== count) p.add(at, `expected ${count} values (one per parity row), got ${(values as unknown[]).length}`);
      (values as unknown[]).forEach((x, r) => p.expect(isFiniteNumber(x), `${at}[${r}]`, 'a finite number', x));
    }
  }
  // Copies (meaningful only when there were no problems: the caller throws otherwise).
  const copy = (values: unknown): number[] => (Array.isArray(values) ? [...(values as number[])] : []);
  return {
    rows: Array.isArray(v.rows) ? (v.rows as unknown[]).map(copy) : [],
    outputs: Object.fromEntries(outputs.map((name) => [name, copy(isRecord(v.outputs) ? v.outputs[name] : undefined)])),
  };
}

/** A card's bytes, text or parsed JSON as a JSON object; throws `invalid model card: …` when it is not one. */
function cardObject(json: unknown): Json {
  let value = json;
  if (typeof json === 'string' || json instanceof Uint8Array) {
    try {
      value = JSON.parse(typeof json === 'string' ? json : new TextDecoder().decode(json));
    } catch (error) {
      throw new Error(`invalid model card: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  if (!isRecord(value)) throw new Error(`invalid model card: expected a JSON object, got ${describe(value)}`);
  return value;
}

/**
 * Parses and validates a model card (the bytes or text of `card.json`, or its parsed JSON) against
 * docs/model-card.md. Throws one Error listing every problem, each naming its field (e.g.
 * `card.inputs[0].columns[2].std: expected a finite number > 0, got 0`): wrong `format`; empty `name`, `version` or
 * `architecture`; an `onnx.file` that is not a plain file name or an `onnx.opset` other than 17; inputs that are not
 * float32 `["batch", columns]` matrices or name a feature twice; outputs without a unique name and task, a kind other
 * than probability/regression, a regression output without a unit; loss weights that do not cover exactly the
 * output tasks; training provenance missing a field; metrics of unknown tasks or non-finite values; parity rows whose
 * width is not the total input width or parity outputs that do not give one finite value per row for every output.
 * Fields the contract does not define are ignored. Returns a deep copy holding only the defined fields.
 * O(size of the card).
 */
export function parseModelCard(json: unknown): ModelCard {
  const value = cardObject(json);
  const p = new Problems();
  p.expect(value.format === MODEL_CARD_FORMAT, 'card.format', `"${MODEL_CARD_FORMAT}"`, value.format);
  for (const field of ['name', 'version', 'architecture'] as const) p.expect(isNonEmptyString(value[field]), `card.${field}`, 'a non-empty string', value[field]);
  const onnx = value.onnx;
  if (p.expect(isRecord(onnx), 'card.onnx', '{ file, opset }', onnx)) {
    const o = onnx as Json;
    p.expect(typeof o.file === 'string' && FILE_NAME.test(o.file) && o.file.length <= 200, 'card.onnx.file', 'the file name of the graph in the version (e.g. "model.onnx")', o.file);
    p.expect(o.opset === MODEL_OPSET, 'card.onnx.opset', `${MODEL_OPSET} (the pinned opset)`, o.opset);
  }
  const inputs = parseInputs(value.inputs, p);
  const outputs = parseOutputs(value.outputs, p);
  const tasks = outputs.map((o) => o.task);
  const lossWeights = parseLossWeights(value.lossWeights, tasks, p);
  const training = parseTraining(value.training, p);
  const metrics = parseMetrics(value.metrics, tasks, p);
  const width = inputs.reduce((sum, input) => sum + input.columns.length, 0);
  const parity = parseParity(value.parity, width, outputs.map((o) => o.name), p);
  if (p.list.length > 0) throw new Error(`invalid model card: ${p.list.join('; ')}`);
  const o = onnx as Json;
  return {
    format: MODEL_CARD_FORMAT,
    name: value.name as string,
    version: value.version as string,
    architecture: value.architecture as string,
    onnx: { file: o.file as string, opset: MODEL_OPSET },
    inputs,
    outputs,
    lossWeights,
    training,
    metrics,
    parity,
  };
}

/** The features of every input column, inputs in card order: the columns of a parity row. */
export function cardFeatures(card: Pick<ModelCard, 'inputs'>): string[] {
  return card.inputs.flatMap((input) => input.columns.map((c) => c.feature));
}

/** One tower of a two-tower model: its graph, its one input (raw feature columns) and its `embedding` output. */
export interface TwoTowerCardTower {
  onnx: { file: string; opset: typeof MODEL_OPSET };
  input: ModelCardInput;
  /** `[batch, dim]` float32. */
  output: { name: string; dim: number };
}

/** Input rows of a tower and the training framework's embeddings of them (one `dim` array per row). */
export interface TwoTowerCardParity {
  rows: number[][];
  embeddings: number[][];
}

/** The card of a two-tower model version (docs/model-card.md): two towers and the catalogue's item embeddings. */
export interface TwoTowerCard {
  format: typeof MODEL_CARD_FORMAT;
  name: string;
  version: string;
  architecture: 'two-tower';
  towers: { user: TwoTowerCardTower; item: TwoTowerCardTower };
  /** The catalogue at training time: `rows × dim` float32 in `file`, the items' ids (a JSON array) in `ids`. */
  itemEmbeddings: { file: string; ids: string; rows: number; dim: number };
  training: ModelCardTraining;
  /** Free-form metrics (e.g. `test.retrieval.auc`), finite numbers. */
  metrics: Record<string, Record<string, Record<string, number>>>;
  parity: { user: TwoTowerCardParity; item: TwoTowerCardParity };
}

/** The architecture tag of a two-tower card. */
export const TWO_TOWER_ARCHITECTURE = 'two-tower';

/** The `architecture` of a card's bytes or JSON, or undefined when it names none (no validation beyond that). */
export function cardArchitecture(json: unknown): string | undefined {
  let value: Json;
  try {
    value = cardObject(json);
  } catch {
    return undefined;
  }
  return typeof value.architecture === 'string' ? value.architecture : undefined;
}

function parseTower(kind: 'user' | 'item', value: unknown, p: Problems): TwoTowerCardTower {
  const at = `card.towers.${kind}`;
  const fallback: TwoTowerCardTower = { onnx: { file: '', opset: MODEL_OPSET }, input: { name: '', type: 'float32', shape: [BATCH_AXIS, 0], columns: [] }, output: { name: '', dim: 0 } };
  if (!p.expect(isRecord(value), at, '{ onnx, input, output }', value)) return fallback;
  const t = value as Json;
  const onnx = isRecord(t.onnx) ? t.onnx : {};
  p.expect(typeof onnx.file === 'string' && FILE_NAME.test(onnx.file) && onnx.file.length <= 200, `${at}.onnx.file`, 'the file name of the tower’s graph in the version', onnx.file);
  p.expect(onnx.opset === MODEL_OPSET, `${at}.onnx.opset`, `${MODEL_OPSET} (the pinned opset)`, onnx.opset);
  const x = isRecord(t.input) ? t.input : {};
  p.expect(isNonEmptyString(x.name), `${at}.input.name`, 'a non-empty string', x.name);
  p.expect(x.type === 'float32', `${at}.input.type`, '"float32"', x.type);
  const columns = parseColumns(`${at}.input.columns`, x.columns, new Map(), p);
  const shape = x.shape;
  p.expect(Array.isArray(shape) && shape.length === 2 && shape[0] === BATCH_AXIS && shape[1] === columns.length, `${at}.input.shape`, `["${BATCH_AXIS}", ${columns.length}]`, shape);
  const o = isRecord(t.output) ? t.output : {};
  p.expect(isNonEmptyString(o.name), `${at}.output.name`, 'a non-empty string', o.name);
  const oShape = o.shape;
  const dimOk = p.expect(
    Array.isArray(oShape) && oShape.length === 2 && oShape[0] === BATCH_AXIS && Number.isSafeInteger(oShape[1]) && (oShape[1] as number) > 0,
    `${at}.output.shape`,
    `["${BATCH_AXIS}", <dim>]`,
    oShape,
  );
  return {
    onnx: { file: String(onnx.file), opset: MODEL_OPSET },
    input: { name: String(x.name), type: 'float32', shape: [BATCH_AXIS, columns.length], columns },
    output: { name: String(o.name), dim: dimOk ? (oShape as number[])[1] : 0 },
  };
}

function parseTowerParity(kind: 'user' | 'item', value: unknown, width: number, dim: number, p: Problems): TwoTowerCardParity {
  const at = `card.parity.${kind}`;
  if (!p.expect(isRecord(value), at, '{ rows, outputs: { embedding } }', value)) return { rows: [], embeddings: [] };
  const v = value as Json;
  const matrix = (path: string, m: unknown, cols: number, count?: number): number[][] => {
    if (!p.expect(Array.isArray(m) && m.length > 0 && (count === undefined || m.length === count), path, `${count ?? 'a non-empty array of'} rows of ${cols} finite numbers`, m)) return [];
    return (m as unknown[]).map((row, r) => {
      const ok = Array.isArray(row) && row.length === cols && row.every(isFiniteNumber);
      p.expect(ok, `${path}[${r}]`, `${cols} finite numbers`, row);
      return ok ? [...(row as number[])] : [];
    });
  };
  const rows = matrix(`${at}.rows`, v.rows, width);
  const outputs = isRecord(v.outputs) ? v.outputs : {};
  return { rows, embeddings: matrix(`${at}.outputs.embedding`, outputs.embedding, dim, rows.length) };
}

/**
 * Parses and validates a two-tower model card (docs/model-card.md): `architecture` "two-tower", a user and an item
 * tower (graph file, opset 17, one float32 `[batch, columns]` input of named feature columns, a `[batch, dim]` output,
 * the same dim for both), the item embeddings' file, ids file, rows and dim, training provenance, finite metrics, and
 * per-tower parity rows with their embeddings. Throws one Error listing every problem, each naming its field.
 */
export function parseTwoTowerCard(json: unknown): TwoTowerCard {
  const value = cardObject(json);
  const p = new Problems();
  p.expect(value.format === MODEL_CARD_FORMAT, 'card.format', `"${MODEL_CARD_FORMAT}"`, value.format);
  for (const field of ['name', 'version'] as const) p.expect(isNonEmptyString(value[field]), `card.${field}`, 'a non-empty string', value[field]);
  p.expect(value.architecture === TWO_TOWER_ARCHITECTURE, 'card.architecture', `"${TWO_TOWER_ARCHITECTURE}"`, value.architecture);
  const towers = isRecord(value.towers) ? value.towers : {};
  p.expect(isRecord(value.towers), 'card.towers', '{ user, item }', value.towers);
  const user = parseTower('user', towers.user, p);
  const item = parseTower('item', towers.item, p);
  if (user.output.dim > 0 && item.output.dim > 0 && user.output.dim !== item.output.dim) {
    p.add('card.towers.item.output.shape', `dim ${item.output.dim} is not the user tower's ${user.output.dim}`);
  }
  const e = isRecord(value.itemEmbeddings) ? value.itemEmbeddings : {};
  p.expect(isRecord(value.itemEmbeddings), 'card.itemEmbeddings', '{ file, ids, rows, dim }', value.itemEmbeddings);
  for (const field of ['file', 'ids'] as const) p.expect(typeof e[field] === 'string' && FILE_NAME.test(e[field] as string), `card.itemEmbeddings.${field}`, 'a file name in the version', e[field]);
  p.expect(isCount(e.rows) && (e.rows as number) > 0, 'card.itemEmbeddings.rows', 'an integer > 0', e.rows);
  p.expect(e.dim === user.output.dim, 'card.itemEmbeddings.dim', `the towers' dim ${user.output.dim}`, e.dim);
  const training = parseTraining(value.training, p);
  const metrics: TwoTowerCard['metrics'] = {};
  if (p.expect(isRecord(value.metrics), 'card.metrics', 'an object of split → group → metric → value', value.metrics)) {
    for (const [split, groups] of Object.entries(value.metrics as Json)) {
      metrics[split] = {};
      for (const [group, byMetric] of Object.entries(isRecord(groups) ? groups : {})) {
        if (!p.expect(isRecord(byMetric), `card.metrics.${split}.${group}`, 'an object of metric → value', byMetric)) continue;
        for (const [metric, v] of Object.entries(byMetric as Json)) p.expect(isFiniteNumber(v), `card.metrics.${split}.${group}.${metric}`, 'a finite number', v);
        metrics[split][group] = { ...(byMetric as Record<string, number>) };
      }
    }
  }
  const parity = isRecord(value.parity) ? value.parity : {};
  const userParity = parseTowerParity('user', parity.user, user.input.columns.length, user.output.dim, p);
  const itemParity = parseTowerParity('item', parity.item, item.input.columns.length, item.output.dim, p);
  if (p.list.length > 0) throw new Error(`invalid model card: ${p.list.join('; ')}`);
  return {
    format: MODEL_CARD_FORMAT,
    name: value.name as string,
    version: value.version as string,
    architecture: TWO_TOWER_ARCHITECTURE,
    towers: { user, item },
    itemEmbeddings: { file: e.file as string, ids: e.ids as string, rows: e.rows as number, dim: e.dim as number },
    training,
    metrics,
    parity: { user: userParity, item: itemParity },
  };
}
