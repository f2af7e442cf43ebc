// The recall model artifacts (item-CF, user-CF, ALS): how they are built from an interaction matrix and stored as bytes.
import { buildItemNeighbors, buildUserNeighbors, type NeighborTable } from '../cf/neighbors';
import { type InteractionMatrix } from '../matrix/interaction-matrix';
import { ALS_DEFAULTS, trainAls, type AlsModel, type AlsOptions } from '../mf/als';
import { type AlsWorkerPool } from '../mf/als-workers';
import { type CsrRows } from '../mf/csr';
import { checkSimilarityKind, type SimilarityKind } from '../similarity/sparse-similarity';

/** Model-store names of the recall artifacts, by kind. */
export const RECALL_MODELS = Object.freeze({ itemcf: 'recall/itemcf', usercf: 'recall/usercf', als: 'recall/als' } as const);

/** A kind of recall artifact. */
export type RecallModelKind = keyof typeof RECALL_MODELS;

/** The kinds, in build order. */
export const RECALL_MODEL_KINDS: readonly RecallModelKind[] = Object.freeze(['itemcf', 'usercf', 'als']);

/** The `format` tag of every recall artifact manifest; a new layout gets a new tag. */
export const RECALL_ARTIFACT_FORMAT = 'recsys.recall-artifact/v1';

/** The manifest file of an artifact: JSON with the ids, the parameters and the list of binary arrays. */
export const RECALL_MANIFEST_FILE = 'manifest.json';

/** Where an artifact came from, recorded in its manifest. */
export interface RecallArtifactInfo {
  /** The model-store version it is published under (e.g. `v20260101120000-0000`). */
  version: string;
  /** Build time, ms since the Unix epoch. */
  createdAtMs: number;
  /** What it was built from, e.g. `world demo (seed 7)` or a dataset folder name. */
  dataset: string;
  /** The build parameters (similarity, k, factors, ...). */
  params: Readonly<Record<string, string | number | boolean>>;
}

/** Item-CF: the k most similar items of every item. Row i of `neighbors` is item `itemIds[i]`. */
export interface ItemCFArtifact {
  kind: 'itemcf';
  info: RecallArtifactInfo;
  itemIds: readonly string[];
  neighbors: NeighborTable;
}

/**
 * User-CF: the k most similar users of every user, and the training rows (user × item CSR with the interaction
 * weights) their items are read from. Row u is user `userIds[u]`; column j is item `itemIds[j]`.
 */
export interface UserCFArtifact {
  kind: 'usercf';
  info: RecallArtifactInfo;
  userIds: readonly string[];
  itemIds: readonly string[];
  neighbors: NeighborTable;
  rows: CsrRows;
}

/** ALS: user and item factors (x_u·y_i scores item i for user u). Row u of the user factors is `userIds[u]`. */
export interface AlsArtifact {
  kind: 'als';
  info: RecallArtifactInfo;
  userIds: readonly string[];
  itemIds: readonly string[];
  model: AlsModel;
}

/** Any recall artifact. */
export type RecallArtifact = ItemCFArtifact | UserCFArtifact | AlsArtifact;

/** Options of {@link buildRecallArtifacts}; every default is in {@link RECALL_BUILD_DEFAULTS}. */
export interface RecallBuildOptions {
  /** Similarity of the item-CF and user-CF tables. */
  similarity?: SimilarityKind;
  /** Neighbours per item. */
  itemK?: number;
  /** Neighbours per user. */
  userK?: number;
  /** Shrinkage λ of both similarity tables. */
  shrinkage?: number;
  /** ALS latent dimension. */
  factors?: number;
  /** ALS sweeps. */
  iterations?: number;
  /** ALS L2 strength λ. */
  regularization?: number;
  /** ALS confidence scale α (c = 1 + α·r). */
  alpha?: number;
  /** Seed of the ALS initial factors. */
  seed?: number;
}

/**
 * Defaults of {@link RecallBuildOptions}: cosine tables of 50 neighbours without shrinkage, and ALS with 64
 * factors and 10 sweeps (regularization, α and seed as `ALS_DEFAULTS`).
 */
export const RECALL_BUILD_DEFAULTS: Readonly<Required<RecallBuildOptions>> = Object.freeze({
  similarity: 'cosine',
  itemK: 50,
  userK: 50,
  shrinkage: 0,
  factors: 64,
  iterations: 10,
  regularization: ALS_DEFAULTS.regularization,
  alpha: ALS_DEFAULTS.alpha,
  seed: ALS_DEFAULTS.seed,
});

/** Progress of {@link buildRecallArtifacts}: the artifact being built and its steps done out of its total. */
export type RecallBuildProgress = (kind: RecallModelKind, done: number, total: number) => void;

/** The three recall artifacts built from one matrix. */
export interface RecallArtifacts {
  itemcf: ItemCFArtifact;
  usercf: UserCFArtifact;
  als: AlsArtifact;
}

/**
 * Builds the three recall artifacts from one implicit-feedback matrix: the item-CF table (`buildItemNeighbors`),
 * the user-CF table (`buildUserNeighbors`) with the matrix rows, and ALS factors (`trainAls`, in this thread).
 * `info` is shared (the three are published under one version); its `params` are replaced by the resolved
 * options. Reports progress per artifact (one step each for the tables, one per ALS sweep). Deterministic: same
 * matrix and options, same bytes once encoded (apart from `info`).
 */
export function buildRecallArtifacts(
  matrix: InteractionMatrix,
  info: Omit<RecallArtifactInfo, 'params'>,
  options: RecallBuildOptions = {},
  onProgress?: RecallBuildProgress,
): RecallArtifacts {
  const build = startRecallBuild(matrix, info, options, onProgress);
  return build.finish(trainAls(matrix, build.als));
}

/**
 * {@link buildRecallArtifacts} with ALS trained on the threads of `pool` (`AlsWorkerPool.train`): the same
 * artifacts, bit for bit.
 */
export async function buildRecallArtifactsOnWorkers(
  pool: AlsWorkerPool,
  matrix: InteractionMatrix,
  info: Omit<RecallArtifactInfo, 'params'>,
  options: RecallBuildOptions = {},
  onProgress?: RecallBuildProgress,
): Promise<RecallArtifacts> {
  const build = startRecallBuild(matrix, info, options, onProgress);
  return build.finish(await pool.train(matrix, build.als));
}

/** Resolves the options and builds the neighbour tables; `finish` assembles the artifacts around the ALS model. */
function startRecallBuild(
  matrix: InteractionMatrix,
  info: Omit<RecallArtifactInfo, 'params'>,
  options: RecallBuildOptions,
  onProgress: RecallBuildProgress | undefined,
): { als: AlsOptions; finish(model: AlsModel): RecallArtifacts } {
  // Options left undefined (e.g. flags not given) keep their defaults; keys that are not build options are ignored.
  const o: Required<RecallBuildOptions> = { ...RECALL_BUILD_DEFAULTS };
  for (const key of Object.keys(RECALL_BUILD_DEFAULTS) as (keyof RecallBuildOptions)[]) {
    if (options[key] !== undefined) (o as Record<string, unknown>)[key] = options[key];
  }
  checkSimilarityKind(o.similarity);
  const rows: CsrRows = { nRows: matrix.nUsers, nCols: matrix.nItems, indptr: matrix.indptr, indices: matrix.indices, values: matrix.values };
  const itemIds = [...matrix.itemIds];
  const userIds = [...matrix.userIds];

  onProgress?.('itemcf', 0, 1);
  const itemTable = buildItemNeighbors(matrix, { similarity: o.similarity, k: o.itemK, shrinkage: o.shrinkage });
  onProgress?.('itemcf', 1, 1);
  onProgress?.('usercf', 0, 1);
  const userTable = buildUserNeighbors(matrix, { similarity: o.similarity, k: o.userK, shrinkage: o.shrinkage });
  onProgress?.('usercf', 1, 1);
  onProgress?.('als', 0, o.iterations);
  const cf = { similarity: o.similarity, shrinkage: o.shrinkage };
  return {
    als: {
      factors: o.factors,
      iterations: o.iterations,
      regularization: o.regularization,
      alpha: o.alpha,
      seed: o.seed,
      onIteration: (it) => onProgress?.('als', it, o.iterations),
    },
    finish: (model) => ({
      itemcf: { kind: 'itemcf', info: { ...info, params: { ...cf, k: o.itemK } }, itemIds, neighbors: itemTable },
      usercf: { kind: 'usercf', info: { ...info, params: { ...cf, k: o.userK } }, userIds, itemIds, neighbors: userTable, rows },
      als: {
        kind: 'als',
        info: { ...info, params: { factors: o.factors, iterations: o.iterations, regularization: o.regularization, alpha: o.alpha, seed: o.seed } },
        userIds,
        itemIds,
        model,
      },
    }),
  };
}

/**
 * A sortable version for a build at `nowMs`: `v<yyyymmddHHMMSS>-<nnnn>` (UTC), the counter 0000 unless `latest`
 * has the same second, in which case one more than its counter. Versions of one model so made sort in build
 * order, as the model store requires.
 */
export function nextRecallVersion(nowMs: number, latest?: string): string {
  const d = new Date(nowMs);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `v${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
  const match = latest === undefined ? null : /^(v\d{14})-(\d{4})$/.exec(latest);
  const n = match && match[1] >= stamp ? Number(match[2]) + 1 : 0;
  const base = match && match[1] > stamp ? match[1] : stamp;
  if (n > 9999) throw new RangeError(`more than 10,000 versions in the second ${base}`);
  return `${base}-${p(n, 4)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Bytes.

type ArrayType = 'int32' | 'float32';

interface ArrayEntry {
  file: string;
  type: ArrayType;
  length: number;
}

/** What `manifest.json` holds. */
interface Manifest {
  format: typeof RECALL_ARTIFACT_FORMAT;
  kind: RecallModelKind;
  version: string;
  createdAtMs: number;
  dataset: string;
  params: Record<string, string | number | boolean>;
  itemIds: string[];
  userIds?: string[];
  /** Neighbours per row (item-CF, user-CF). */
  k?: number;
  /** ALS: latent dimension, λ and α. */
  factors?: number;
  regularization?: number;
  alpha?: number;
  arrays: Record<string, ArrayEntry>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The little-endian bytes of a typed array (a copy). */
function bytesOf(a: Int32Array | Float32Array): Uint8Array {
  const out = new Uint8Array(a.byteLength);
  out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  if (!LITTLE_ENDIAN) swap32(out);
  return out;
}

function swap32(b: Uint8Array): void {
  for (let i = 0; i < b.length; i += 4) {
    const t0 = b[i];
    const t1 = b[i + 1];
    b[i] = b[i + 3];
    b[i + 1] = b[i + 2];
    b[i + 2] = t1;
    b[i + 3] = t0;
  }
}

/** A typed array over little-endian bytes (copied when unaligned or on a big-endian machine). */
function arrayOf(bytes: Uint8Array, type: ArrayType, length: number, file: string): Int32Array | Float32Array {
  if (bytes.byteLength !== length * 4) throw new Error(`${file} has ${bytes.byteLength} bytes, the manifest says ${length} ${type} values (${length * 4} bytes)`);
  let b = bytes;
  if (b.byteOffset % 4 !== 0 || !LITTLE_ENDIAN) {
    b = new Uint8Array(bytes);
    if (!LITTLE_ENDIAN) swap32(b);
  }
  return type === 'int32' ? new Int32Array(b.buffer, b.byteOffset, length) : new Float32Array(b.buffer, b.byteOffset, length);
}

/**
 * The files of an artifact: `manifest.json` (format tag, provenance, item and user ids, scalars, and the list of
 * arrays) and one little-endian binary file per array — `<name>.i32` (Int32Array) or `<name>.f32` (Float32Array):
 * item-CF `neighbors.i32`/`scores.f32` (size × k, -1 padded); user-CF the same plus `indptr.i32`, `indices.i32`,
 * `values.f32` (the training rows); ALS `user-factors.f32` (nUsers × factors) and `item-factors.f32`.
 */
export function encodeRecallArtifact(artifact: RecallArtifact): Record<string, Uint8Array> {
  const arrays: Record<string, Int32Array | Float32Array> = {};
  const manifest: Manifest = {
    format: RECALL_ARTIFACT_FORMAT,
    kind: artifact.kind,
    version: artifact.info.version,
    createdAtMs: artifact.info.createdAtMs,
    dataset: artifact.info.dataset,
    params: { ...artifact.info.params },
    itemIds: [...artifact.itemIds],
    arrays: {},
  };
  if (artifact.kind === 'itemcf' || artifact.kind === 'usercf') {
    manifest.k = artifact.neighbors.k;
    arrays.neighbors = artifact.neighbors.indices;
    arrays.scores = artifact.neighbors.scores;
  }
  if (artifact.kind === 'usercf') {
    manifest.userIds = [...artifact.userIds];
    arrays.indptr = artifact.rows.indptr;
    arrays.indices = artifact.rows.indices;
    arrays.values = artifact.rows.values;
  }
  if (artifact.kind === 'als') {
    manifest.userIds = [...artifact.userIds];
    manifest.factors = artifact.model.factors;
    manifest.regularization = artifact.model.regularization;
    manifest.alpha = artifact.model.alpha;
    arrays['user-factors'] = artifact.model.userFactors;
    arrays['item-factors'] = artifact.model.itemFactors;
  }
  const files: Record<string, Uint8Array> = {};
  for (const [name, a] of Object.entries(arrays)) {
    const type: ArrayType = a instanceof Int32Array ? 'int32' : 'float32';
    const file = `${name}.${type === 'int32' ? 'i32' : 'f32'}`;
    manifest.arrays[name] = { file, type, length: a.length };
    files[file] = bytesOf(a);
  }
  files[RECALL_MANIFEST_FILE] = new TextEncoder().encode(JSON.stringify(manifest));
  return files;
}

/** Reads the manifest of an artifact's files (to learn its kind and ids without decoding the arrays). */
function readManifest(files: Readonly<Record<string, Uint8Array>>): Manifest {
  const bytes = files[RECALL_MANIFEST_FILE];
  if (bytes === undefined) throw new Error(`the artifact has no ${RECALL_MANIFEST_FILE}`);
  let m: Manifest;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
  } catch (error) {
    throw new Error(`${RECALL_MANIFEST_FILE} is not JSON: ${(error as Error).message}`);
  }
  if (m === null || typeof m !== 'object' || m.format !== RECALL_ARTIFACT_FORMAT) {
    throw new Error(`${RECALL_MANIFEST_FILE} is not a ${RECALL_ARTIFACT_FORMAT} manifest (format ${JSON.stringify((m as Manifest | null)?.format)})`);
  }
  if (!RECALL_MODEL_KINDS.includes(m.kind)) throw new Error(`unknown artifact kind ${JSON.stringify(m.kind)}`);
  if (!Array.isArray(m.itemIds) || (m.userIds !== undefined && !Array.isArray(m.userIds)) || typeof m.arrays !== 'object') {
    throw new Error(`${RECALL_MANIFEST_FILE} lacks itemIds, userIds or arrays`);
  }
  return m;
}

function uniqueIds(ids: readonly string[], what: string): void {
  if (new Set(ids).size !== ids.length) throw new Error(`${what} ids are not unique`);
}

function checkTable(name: string, table: NeighborTable): void {
  if (!Number.isInteger(table.k) || table.k < 1) throw new Error(`${name}: k must be a positive integer, got ${table.k}`);
  if (table.indices.length !== table.size * table.k || table.scores.length !== table.size * table.k) {
    throw new Error(`${name}: the neighbour arrays must hold ${table.size} × ${table.k} entries`);
  }
  for (let p = 0; p < table.indices.length; p++) {
    const j = table.indices[p];
    if (j < -1 || j >= table.size) throw new Error(`${name}: neighbour ${j} at ${p} is outside -1..${table.size - 1}`);
  }
}

/**
 * Decodes and validates the files of an artifact (as made by {@link encodeRecallArtifact}): the format tag, the
 * kind, unique ids, array lengths against the ids, neighbour indexes in range, monotone CSR row pointers and
 * column indexes in range. Arrays are views of the given bytes where alignment allows. Throws an Error naming
 * the first problem.
 */
export function decodeRecallArtifact(files: Readonly<Record<string, Uint8Array>>): RecallArtifact {
  const m = readManifest(files);
  const array = (name: string, type: ArrayType, length: number) => {
    const entry = m.arrays[name];
    if (entry === undefined || entry.type !== type) throw new Error(`the ${m.kind} artifact lacks the ${type} array ${name}`);
    if (entry.length !== length) throw new Error(`array ${name} has ${entry.length} values, expected ${length}`);
    const bytes = files[entry.file];
    if (bytes === undefined) throw new Error(`the ${m.kind} artifact lacks the file ${entry.file}`);
    return arrayOf(bytes, type, length, entry.file);
  };
  const info: RecallArtifactInfo = { version: String(m.version), createdAtMs: Number(m.createdAtMs), dataset: String(m.dataset), params: { ...m.params } };
  const itemIds = m.itemIds;
  uniqueIds(itemIds, 'item');
  if (m.kind === 'itemcf') {
    const k = Number(m.k);
    const neighbors: NeighborTable = {
      size: itemIds.length,
      k,
      indices: array('neighbors', 'int32', itemIds.length * k) as Int32Array,
      scores: array('scores', 'float32', itemIds.length * k) as Float32Array,
    };
    checkTable('item-CF', neighbors);
    return { kind: 'itemcf', info, itemIds, neighbors };
  }
  const userIds = m.userIds ?? [];
  uniqueIds(userIds, 'user');
  if (m.kind === 'usercf') {
    const k = Number(m.k);
    const neighbors: NeighborTable = {
      size: userIds.length,
      k,
      indices: array('neighbors', 'int32', userIds.length * k) as Int32Array,
      scores: array('scores', 'float32', userIds.length * k) as Float32Array,
    };
    checkTable('user-CF', neighbors);
    const indptr = array('indptr', 'int32', userIds.length + 1) as Int32Array;
    const nnz = indptr[userIds.length];
    if (indptr[0] !== 0) throw new Error('indptr must start at 0');
    for (let u = 0; u < userIds.length; u++) if (indptr[u + 1] < indptr[u]) throw new Error(`indptr decreases at row ${u}`);
    const indices = array('indices', 'int32', nnz) as Int32Array;
    for (let e = 0; e < nnz; e++) if (indices[e] < 0 || indices[e] >= itemIds.length) throw new Error(`column ${indices[e]} at ${e} is outside 0..${itemIds.length - 1}`);
    const values = array('values', 'float32', nnz) as Float32Array;
    return { kind: 'usercf', info, userIds, itemIds, neighbors, rows: { nRows: userIds.length, nCols: itemIds.length, indptr, indices, values } };
  }
  const factors = Number(m.factors);
  if (!Number.isInteger(factors) || factors < 1) throw new Error(`factors must be a positive integer, got ${m.factors}`);
  const regularization = Number(m.regularization);
  const alpha = Number(m.alpha);
  if (!(regularization >= 0) || !(alpha >= 0)) throw new Error('regularization and alpha must be numbers ≥ 0');
  const model: AlsModel = {
    factors,
    nUsers: userIds.length,
    nItems: itemIds.length,
    userFactors: array('user-factors', 'float32', userIds.length * factors) as Float32Array,
    itemFactors: array('item-factors', 'float32', itemIds.length * factors) as Float32Array,
    regularization,
    alpha,
  };
  return { kind: 'als', info, userIds, itemIds, model };
}
