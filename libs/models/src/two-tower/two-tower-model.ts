// A two-tower model version loaded from the model store: two onnxruntime sessions and the catalogue's item embeddings.
import type { ModelStore } from '@recsys/stores';
import { Tensor } from 'onnxruntime-node';
import { ITEM_FEATURES, USER_FEATURES } from '@recsys/features';
import { MODEL_CARD_FILE, cardFeatures, parseTwoTowerCard, type TwoTowerCard, type TwoTowerCardTower } from '../card/model-card';
import type { InputColumn, InputPlan } from '../inputs/input-plan';
import { openSession } from '../onnx/onnx-model';
import { PARITY_TOLERANCE, withinTolerance } from '../onnx/parity';

/** The catalogue's item embeddings at training time: row i of `embeddings` (`dim` floats) is item `ids[i]`. */
export interface ItemEmbeddingTable {
  readonly ids: readonly string[];
  /** Item id → its row. */
  readonly rowOf: ReadonlyMap<string, number>;
  /** Row-major `ids.length × dim`, each row unit length (as the item tower outputs them). */
  readonly embeddings: Float32Array;
}

/** A two-tower model version: embed users and items (unit vectors; their dot product is the score). */
export interface TwoTowerModel {
  readonly card: TwoTowerCard;
  /** Embedding size. */
  readonly dim: number;
  /** Where the user tower's input columns come from (user features only). */
  readonly userPlan: InputPlan;
  /** Where the item tower's input columns come from (item features only). */
  readonly itemPlan: InputPlan;
  readonly items: ItemEmbeddingTable;
  /** Runs the user tower once on `rows` rows (row-major `rows × userPlan.width`); resolves to `rows × dim` embeddings. */
  embedUsers(input: Float32Array, rows: number): Promise<Float32Array>;
  /** Runs the item tower once on `rows` rows (row-major `rows × itemPlan.width`); resolves to `rows × dim` embeddings. */
  embedItems(input: Float32Array, rows: number): Promise<Float32Array>;
  /** Frees both sessions; later runs reject. Idempotent. */
  release(): Promise<void>;
}

/** One tower's session with its input and output checked against the card. */
interface Tower {
  run(input: Float32Array, rows: number): Promise<Float32Array>;
  release(): Promise<void>;
}

async function openTower(fail: (message: string) => Error, kind: string, spec: TwoTowerCardTower, onnx: Uint8Array): Promise<Tower> {
  const session = await openSession(onnx, spec.onnx.file, fail);
  const width = spec.input.columns.length;
  const dim = spec.output.dim;
  const problems: string[] = [];
  if (session.inputNames.length !== 1 || session.inputNames[0] !== spec.input.name) problems.push(`inputs [${session.inputNames.join(', ')}], card says [${spec.input.name}]`);
  if (!session.outputNames.includes(spec.output.name)) problems.push(`outputs [${session.outputNames.join(', ')}] lack ${spec.output.name}`);
  const input = session.inputMetadata.find((m) => m.name === spec.input.name);
  if (input && (!input.isTensor || input.type !== 'float32' || typeof input.shape[0] !== 'string' || input.shape[1] !== width || input.shape.length !== 2)) {
    problems.push(`input ${input.name} is not float32 [batch (dynamic), ${width}]`);
  }
  const output = session.outputMetadata.find((m) => m.name === spec.output.name);
  if (output && (!output.isTensor || output.type !== 'float32' || typeof output.shape[0] !== 'string' || output.shape[1] !== dim || output.shape.length !== 2)) {
    problems.push(`output ${output.name} is not float32 [batch (dynamic), ${dim}]`);
  }
  if (problems.length > 0) {
    await session.release();
    throw fail(`the ${kind} tower's graph does not match its card: ${problems.join('; ')}`);
  }
  let released = false;
  return {
    run: async (values, rows) => {
      if (released) throw fail(`${kind} tower run after release`);
      if (!Number.isSafeInteger(rows) || rows < 0 || values.length !== rows * width) {
        throw fail(`the ${kind} tower expects rows × ${width} input values, got ${values.length} values for ${rows} rows`);
      }
      if (rows === 0) return new Float32Array(0);
      const results = await session.run({ [spec.input.name]: new Tensor('float32', values, [rows, width]) });
      const data = results[spec.output.name]?.data;
      if (!(data instanceof Float32Array) || data.length !== rows * dim) throw fail(`the ${kind} tower answered no ${rows} × ${dim} float32 embeddings`);
      return data;
    },
    release: async () => {
      if (released) return;
      released = true;
      await session.release();
    },
  };
}

/** Every disagreement of a tower with its card's parity embeddings, as text (empty when it agrees within tolerance). */
async function parityProblems(kind: string, tower: Tower, rows: number[][], expected: number[][], width: number, dim: number): Promise<string[]> {
  const input = new Float32Array(rows.length * width);
  rows.forEach((row, r) => input.set(row, r * width));
  const actual = await tower.run(input, rows.length);
  const problems: string[] = [];
  for (let r = 0; r < rows.length; r++) {
    for (let d = 0; d < dim; d++) {
      const got = actual[r * dim + d];
      if (!withinTolerance(expected[r][d], got)) {
        problems.push(`${kind} tower row ${r} component ${d}: expected ${expected[r][d]}, got ${got}`);
        if (problems.length >= 3) return problems;
      }
    }
  }
  return problems;
}

/**
 * The input plan of a tower: every column of the user tower a user feature, of the item tower an item (or creator)
 * feature of @recsys/features, by its own name (a tower reads no derived ranking feature: those need both sides).
 * Throws naming the model, the version and the columns that are not.
 */
function towerPlan(card: TwoTowerCard, tower: 'user' | 'item'): InputPlan {
  const declared = tower === 'user' ? USER_FEATURES : ITEM_FEATURES;
  const wrong: string[] = [];
  const columns: InputColumn[] = cardFeatures({ inputs: [card.towers[tower].input] }).map((feature) => {
    if (!Object.hasOwn(declared, feature)) wrong.push(`"${feature}"`);
    return { kind: tower, feature, fallback: declared[feature] ?? 0 };
  });
  if (wrong.length > 0) throw new Error(`model ${card.name} version ${card.version}: the ${tower} tower reads ${wrong.join(', ')}, not ${tower} features`);
  return { columns, width: columns.length, itemFeatures: tower === 'item' ? columns.map((c) => c.feature) : [] };
}

/**
 * Loads version `version` of two-tower model `name` from `store` (docs/model-card.md): parses `card.json`
 * ({@link parseTwoTowerCard}), checks it names this model and version, plans both towers' inputs (the user tower must
 * read user features, the item tower item features, all known to @recsys/features), reads the item ids (unique
 * strings, `itemEmbeddings.rows` of them) and embeddings (`rows × dim` float32), opens both graphs and requires both
 * to reproduce the card's parity embeddings within 1e-5. Rejects naming the model, the version and the problem;
 * nothing stays open on failure.
 */
export async function loadTwoTowerModel(store: ModelStore, name: string, version: string): Promise<TwoTowerModel> {
  const fail = (message: string) => new Error(`model ${name} version ${version}: ${message}`);
  let card: TwoTowerCard;
  try {
    card = parseTwoTowerCard(await store.read(name, version, MODEL_CARD_FILE));
  } catch (error) {
    throw fail(error instanceof Error ? error.message : String(error));
  }
  if (card.name !== name) throw fail(`card.name is "${card.name}"`);
  if (card.version !== version) throw fail(`card.version is "${card.version}"`);
  const userPlan = towerPlan(card, 'user');
  const itemPlan = towerPlan(card, 'item');
  const { rows, dim } = card.itemEmbeddings;

  let ids: unknown;
  try {
    ids = JSON.parse(new TextDecoder().decode(await store.read(name, version, card.itemEmbeddings.ids)));
  } catch (error) {
    throw fail(`${card.itemEmbeddings.ids}: not a JSON array of item ids (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!Array.isArray(ids) || ids.length !== rows || !ids.every((id) => typeof id === 'string' && id.length > 0)) {
    throw fail(`${card.itemEmbeddings.ids}: expected ${rows} item ids (card.itemEmbeddings.rows)`);
  }
  const rowOf = new Map<string, number>();
  (ids as string[]).forEach((id, row) => rowOf.set(id, row));
  if (rowOf.size !== rows) throw fail(`${card.itemEmbeddings.ids}: item ids repeat`);
  const bytes = await store.read(name, version, card.itemEmbeddings.file);
  if (bytes.byteLength !== rows * dim * 4) throw fail(`${card.itemEmbeddings.file}: ${bytes.byteLength} bytes, expected ${rows} × ${dim} float32 (${rows * dim * 4})`);
  const embeddings = new Float32Array(rows * dim);
  new Uint8Array(embeddings.buffer).set(bytes);
  for (let i = 0; i < embeddings.length; i++) if (!Number.isFinite(embeddings[i])) throw fail(`${card.itemEmbeddings.file}: row ${Math.floor(i / dim)} holds a non-finite value`);

  const user = await openTower(fail, 'user', card.towers.user, await store.read(name, version, card.towers.user.onnx.file));
  let item: Tower | undefined;
  try {
    item = await openTower(fail, 'item', card.towers.item, await store.read(name, version, card.towers.item.onnx.file));
    const problems = [
      ...(await parityProblems('user', user, card.parity.user.rows, card.parity.user.embeddings, userPlan.width, dim)),
      ...(await parityProblems('item', item, card.parity.item.rows, card.parity.item.embeddings, itemPlan.width, dim)),
    ];
    if (problems.length > 0) throw fail(`onnxruntime does not reproduce the card's parity embeddings within ${PARITY_TOLERANCE}: ${problems.join('; ')}`);
  } catch (error) {
    await user.release();
    await item?.release();
    throw error;
  }
  const itemTower = item;
  return {
    card,
    dim,
    userPlan,
    itemPlan,
    items: { ids: ids as string[], rowOf, embeddings },
    embedUsers: (input, n) => user.run(input, n),
    embedItems: (input, n) => itemTower.run(input, n),
    release: async () => {
      await user.release();
      await itemTower.release();
    },
  };
}
