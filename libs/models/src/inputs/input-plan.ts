// Where each input column of a ranking model comes from, decided once at load, and the per-request input matrix.
import { ITEM_FEATURES, RANKING_ITEM_INPUTS, USER_FEATURES, modelInputSource, type ItemInputBatch } from '@recsys/features';
import { cardFeatures, type ModelCard } from '../card/model-card';

/** Where one input column's raw value comes from (resolved by `modelInputSource` of @recsys/features). */
export type InputColumn =
  /** The column of the ranking feature matrix named `feature` (a derived ranking feature). */
  | { kind: 'ranking'; feature: string }
  /** The request's item column named `feature`; `fallback` (the declared default) when the request does not carry it. */
  | { kind: 'item'; feature: string; fallback: number }
  /** The request's user feature `feature`; `fallback` (the declared default) when the user record lacks it. */
  | { kind: 'user'; feature: string; fallback: number };

/** A model's input columns mapped to their sources. */
export interface InputPlan {
  /** One per input column, in card order. */
  readonly columns: readonly InputColumn[];
  /** Input width: `columns.length`. */
  readonly width: number;
  /**
   * The item features the model makes the service read, by name: its item columns and, when it reads a derived
   * ranking feature, the item inputs of the ranking features (RANKING_ITEM_INPUTS); in first-use order, no repeats.
   */
  readonly itemFeatures: readonly string[];
}

/**
 * Maps every input column of `card` to its source with `modelInputSource` of @recsys/features (the one place that
 * resolves model input names: a derived ranking feature first, then an item or creator feature, then a user
 * feature). Throws an Error naming the model, its version and every column whose feature the service cannot compute,
 * so a model reading an unknown feature is refused when it is loaded, never fed a silent zero. O(columns).
 */
export function planInputs(card: Pick<ModelCard, 'name' | 'version' | 'inputs'>): InputPlan {
  const unknown: string[] = [];
  const columns = cardFeatures(card).map((feature, j): InputColumn => {
    let kind: InputColumn['kind'];
    try {
      kind = modelInputSource(feature).kind;
    } catch {
      unknown.push(`"${feature}" (input column ${j})`);
      return { kind: 'ranking', feature };
    }
    if (kind === 'item') return { kind, feature, fallback: ITEM_FEATURES[feature] };
    if (kind === 'user') return { kind, feature, fallback: USER_FEATURES[feature] };
    return { kind, feature };
  });
  if (unknown.length > 0) {
    throw new Error(
      `model ${card.name} version ${card.version} reads features the ranking service cannot compute: ${unknown.join(', ')} ` +
        '(each input must be a derived ranking feature, an item or creator feature, or a user feature of @recsys/features)',
    );
  }
  const itemFeatures = new Set<string>();
  for (const column of columns) {
    if (column.kind === 'item') itemFeatures.add(column.feature);
    else if (column.kind === 'ranking') for (const input of RANKING_ITEM_INPUTS) itemFeatures.add(input);
  }
  return { columns, width: columns.length, itemFeatures: [...itemFeatures] };
}

/** What one request provides to {@link fillInputs}. */
export interface InputRequest {
  /** The candidates' item columns and topics. */
  batch: Pick<ItemInputBatch, 'names' | 'values'>;
  /** The user's feature record (feature name → value). */
  userFeatures: Readonly<Record<string, number>>;
  /** The ranking features of every row of `batch`: row-major `batch rows × names.length`. */
  ranking: { names: readonly string[]; values: ArrayLike<number> };
}

const FROM_RANKING = 0;
const FROM_ITEM = 1;
const FROM_CONSTANT = 2;

/**
 * The input matrix of `rows` (row indexes of the request's batch, in the order the model sees them): row-major
 * `rows.length × plan.width` float32 raw values, column j from `plan.columns[j]`. `missing` lists the item columns the
 * plan reads that the batch does not carry (they took their declared defaults). Writes into `out` when given (at
 * least `rows.length × width` long). O(rows × width).
 */
export function fillInputs(
  plan: InputPlan,
  request: InputRequest,
  rows: ArrayLike<number>,
  out: Float32Array = new Float32Array(rows.length * plan.width),
): { values: Float32Array; missing: string[] } {
  const width = plan.width;
  if (out.length < rows.length * width) throw new Error(`fillInputs: out holds ${out.length} values, needs ${rows.length * width}`);
  const { batch, ranking } = request;
  const itemColumn = new Map(batch.names.map((name, j) => [name, j]));
  const from = new Uint8Array(width);
  const index = new Int32Array(width);
  const constant = new Float64Array(width);
  const missing: string[] = [];
  plan.columns.forEach((column, j) => {
    if (column.kind === 'ranking') {
      index[j] = ranking.names.indexOf(column.feature);
      if (index[j] < 0) throw new Error(`fillInputs: the ranking feature matrix has no column ${column.feature}`);
      from[j] = FROM_RANKING;
    } else if (column.kind === 'item') {
      const k = itemColumn.get(column.feature);
      if (k === undefined) {
        from[j] = FROM_CONSTANT;
        constant[j] = column.fallback;
        missing.push(column.feature);
      } else {
        from[j] = FROM_ITEM;
        index[j] = k;
      }
    } else {
      from[j] = FROM_CONSTANT;
      constant[j] = Object.hasOwn(request.userFeatures, column.feature) ? request.userFeatures[column.feature] : column.fallback;
    }
  });
  const rankingWidth = ranking.names.length;
  const itemWidth = batch.names.length;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    const at = i * width;
    for (let j = 0; j < width; j++) {
      const source = from[j];
      out[at + j] =
        source === FROM_RANKING ? ranking.values[row * rankingWidth + index[j]] : source === FROM_ITEM ? batch.values[row * itemWidth + index[j]] : constant[j];
    }
  }
  return { values: out, missing };
}
