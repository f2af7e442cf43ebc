/** Conversions between the orchestrator's candidates and the columnar wire messages of its downstream services. */
import type { FusionRule } from '@recsys/algorithms';
import {
  DictionaryEncoder,
  FusionKind,
  columnBytes,
  float32MatrixToWire,
  newBitset,
  readBitset,
  readDictionary,
  readFloat32Column,
  readFloat32Matrix,
  readFloat64Column,
  readUint32Column,
  readUint8Column,
  setBit,
  hasBit,
  surfaceToWire,
  type DictionaryColumn,
  type Float32Matrix,
  type FusionRule as WireFusionRule,
  type GetFeatureColumnsResponse,
  type GetUserFeaturesResponse,
  type RecallColumnsResponse,
  type RequestContext,
  type RerankColumnsRequest,
  type ScoringColumns,
  type UserScoringContext,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import {
  aspectRatioOf,
  creatorOf,
  topicOf,
  unsafeOf,
  type ItemFeatureBatch,
  type PinCandidate,
  type RecallBatch,
  type RecommendQuery,
  type UserView,
} from '../query';

export { surfaceToWire };

/** A fusion rule on the wire (an empty `negative`: the ranking service's default, hide). */
export function fusionRuleToWire(rule: FusionRule): WireFusionRule {
  return {
    kind: rule.kind === 'product' ? FusionKind.FUSION_KIND_PRODUCT : FusionKind.FUSION_KIND_SUM,
    weights: { ...rule.weights },
    negative: [...(rule.negative ?? [])],
  };
}

/** The request context on the wire. */
export function contextToWire(q: RecommendQuery): RequestContext {
  return { ...q.context };
}

/** A RecallColumns answer as a batch; throws an internal RecsysError naming the field when its columns disagree. */
export function recallBatchFromWire(res: RecallColumnsResponse): RecallBatch {
  const rows = res.itemIds.length;
  const hitEnds = readUint32Column(res.hitEnds, rows, 'recall hit_ends', 'internal');
  const hits = rows === 0 ? 0 : hitEnds[rows - 1];
  const hitChannels = readUint8Column(res.hitChannels, hits, 'recall hit_channels', 'internal');
  for (let h = 0; h < hits; h++) {
    if (hitChannels[h] >= res.channelNames.length) throw new RecsysError('internal', `recall answered hit ${h} on channel ${hitChannels[h]} of ${res.channelNames.length}`);
  }
  for (let r = 1; r < rows; r++) if (hitEnds[r] < hitEnds[r - 1]) throw new RecsysError('internal', `recall answered decreasing hit_ends at row ${r}`);
  return {
    itemIds: res.itemIds,
    recallScores: readFloat64Column(res.recallScores, rows, 'recall recall_scores', 'internal'),
    channelNames: res.channelNames,
    hitEnds,
    hitChannels,
    hitScores: readFloat64Column(res.hitScores, hits, 'recall hit_scores', 'internal'),
  };
}

/**
 * One pipeline candidate per row of a recall batch, in recall's order. Every field a later stage sets is present
 * (undefined) from the start: all candidates share one object shape, which patches then fill in place.
 */
export function candidatesOfRecall(batch: RecallBatch): PinCandidate[] {
  const out: PinCandidate[] = new Array(batch.itemIds.length);
  for (let row = 0; row < out.length; row++) {
    out[row] = {
      id: batch.itemIds[row],
      recall: batch,
      recallRow: row,
      recallScore: batch.recallScores[row],
      features: undefined,
      featureRow: undefined,
      preRankScore: undefined,
      rankScore: undefined,
      tasks: undefined,
      column: undefined,
      rerankScore: undefined,
    };
  }
  return out;
}

/** The user part of a GetFeatureColumns answer (undefined when it has none). */
export function userViewFromWire(res: GetUserFeaturesResponse | undefined): UserView | undefined {
  if (!res) return undefined;
  return {
    known: res.known,
    features: { values: res.features?.values ?? {}, defaulted: res.features?.defaulted ?? [] },
    recentItemIds: res.recentItemIds,
    topicAffinity: res.topicAffinity,
    snapshot: res.snapshot,
  };
}

/**
 * The item part of a GetFeatureColumns answer for `rows` requested items as a batch; throws an internal RecsysError
 * naming the field when it does not hold one row per requested item.
 */
export function itemFeatureBatchFromWire(res: GetFeatureColumnsResponse, rows: number): ItemFeatureBatch {
  const width = res.featureNames.length;
  const field = (name: string) => `feature service ${name}`;
  return {
    names: res.featureNames,
    rows,
    values: readFloat32Matrix(res.values, rows, width, field('values'), 'internal').values,
    defaulted: readBitset(res.defaulted, rows * width, field('defaulted'), 'internal'),
    known: readUint8Column(res.known, rows, field('known'), 'internal'),
    creators: readDictionary(res.creatorIds, rows, field('creator_ids'), 'internal'),
    topics: readDictionary(res.topics, rows, field('topics'), 'internal'),
    aspectRatios: readFloat32Column(res.aspectRatios, rows, field('aspect_ratios'), 'internal'),
    unsafe: readUint8Column(res.unsafe, rows, field('unsafe'), 'internal'),
    snapshot: res.snapshot,
  };
}

/**
 * The item-feature batch all `candidates` share (the hydrator sets one answer on every candidate, or none), or
 * undefined when none has one.
 *
 * @throws RecsysError internal when only some carry one, or they carry different answers.
 */
export function sharedFeatures(candidates: readonly PinCandidate[]): ItemFeatureBatch | undefined {
  const batch = candidates[0]?.features;
  for (const c of candidates) {
    if (c.features !== batch || (batch !== undefined && c.featureRow === undefined)) {
      throw new RecsysError('internal', `candidate ${c.id} has item features of another GetFeatureColumns answer than its batch, or none`);
    }
  }
  return batch;
}

/** True when `candidates` are exactly the rows of `batch`, in order (their columns can be sent as they are). */
function wholeBatch(candidates: readonly PinCandidate[], batch: ItemFeatureBatch): boolean {
  if (candidates.length !== batch.rows) return false;
  for (let i = 0; i < candidates.length; i++) if (candidates[i].featureRow !== i) return false;
  return true;
}

/** The values of the candidates' feature rows, row-major (the batch's own array when they are the whole batch). */
function featureRows(candidates: readonly PinCandidate[], batch: ItemFeatureBatch): Float32Array {
  if (wholeBatch(candidates, batch)) return batch.values;
  const width = batch.names.length;
  const out = new Float32Array(candidates.length * width);
  candidates.forEach((c, i) => out.set(batch.values.subarray((c.featureRow as number) * width, ((c.featureRow as number) + 1) * width), i * width));
  return out;
}

/** A dictionary column of the candidates' values, reusing the batch's dictionary (and its indexes when they are the whole batch). */
function gatherDictionary(candidates: readonly PinCandidate[], batch: ItemFeatureBatch | undefined, pick: (b: ItemFeatureBatch) => { values: readonly string[]; indexes: Uint32Array }, valueOf: (c: PinCandidate) => string): DictionaryColumn {
  if (batch === undefined) {
    const encoder = new DictionaryEncoder(candidates.length);
    for (const c of candidates) encoder.push(valueOf(c));
    return encoder.toWire();
  }
  const dictionary = pick(batch);
  if (wholeBatch(candidates, batch)) return { values: [...dictionary.values], indexes: columnBytes(dictionary.indexes) };
  return { values: [...dictionary.values], indexes: columnBytes(Uint32Array.from(candidates, (c) => dictionary.indexes[c.featureRow as number])) };
}

/**
 * The candidates of a RankColumns request: their item ids, item feature rows (sent without a copy when they are a
 * whole GetFeatureColumns answer in order) and primary topics. Without item features the request names no
 * feature and every feature takes its declared default.
 */
export function scoringColumns(candidates: readonly PinCandidate[]): ScoringColumns {
  const batch = sharedFeatures(candidates);
  const names = batch?.names ?? [];
  const itemFeatures: Float32Matrix = batch
    ? float32MatrixToWire(candidates.length, names.length, featureRows(candidates, batch))
    : { rows: candidates.length, columns: 0, values: Buffer.alloc(0) };
  return { featureNames: [...names], itemFeatures, topics: gatherDictionary(candidates, batch, (b) => b.topics, topicOf), itemIds: candidates.map((c) => c.id) };
}

/** The user as the ranking service sees it. */
export function userScoringContext(q: RecommendQuery): UserScoringContext {
  return {
    userId: q.userId,
    features: { values: { ...(q.user?.features.values ?? {}) }, defaulted: [...(q.user?.features.defaulted ?? [])] },
    topicAffinity: { ...(q.user?.topicAffinity ?? {}) },
  };
}

/** A RerankColumns request for ranked `candidates` (best first). */
export function rerankColumnsRequest(q: RecommendQuery, candidates: readonly PinCandidate[], seenItemIds: readonly string[]): RerankColumnsRequest {
  const batch = sharedFeatures(candidates);
  return {
    userId: q.userId,
    itemIds: candidates.map((c) => c.id),
    creatorIds: gatherDictionary(candidates, batch, (b) => b.creators, creatorOf),
    topics: gatherDictionary(candidates, batch, (b) => b.topics, topicOf),
    aspectRatios: columnBytes(Float32Array.from(candidates, aspectRatioOf)),
    unsafe: columnBytes(Uint8Array.from(candidates, (c) => (unsafeOf(c) ? 1 : 0))),
    pageSize: q.pageSize,
    seenItemIds: [...seenItemIds],
    columns: 0,
  };
}

/** The item features `candidates` were scored with, as the served log's columns (names, ids, values, defaulted bits). */
export function scoredFeatureColumns(candidates: readonly PinCandidate[]): {
  names: readonly string[];
  itemIds: string[];
  values: Float32Matrix;
  defaulted: Uint8Array;
  batch?: ItemFeatureBatch;
} {
  const batch = sharedFeatures(candidates);
  if (!batch) return { names: [], itemIds: candidates.map((c) => c.id), values: { rows: candidates.length, columns: 0, values: Buffer.alloc(0) }, defaulted: new Uint8Array(0) };
  const width = batch.names.length;
  const defaulted = newBitset(candidates.length * width);
  candidates.forEach((c, i) => {
    const from = (c.featureRow as number) * width;
    for (let j = 0; j < width; j++) if (hasBit(batch.defaulted, from + j)) setBit(defaulted, i * width + j);
  });
  return {
    names: batch.names,
    itemIds: candidates.map((c) => c.id),
    values: float32MatrixToWire(candidates.length, width, featureRows(candidates, batch)),
    defaulted,
    batch,
  };
}
