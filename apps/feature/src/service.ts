/** FeatureService binding: validates requests, runs the feature-read pipelines, maps views to wire messages. */
import {
  DictionaryEncoder,
  FeatureServiceService,
  columnBytes,
  float32MatrixToWire,
  itemToWire,
  newBitset,
  setBit,
  userToWire,
  type GetFeatureColumnsRequest,
  type GetFeatureColumnsResponse,
  type GetItemFeaturesRequest,
  type GetItemFeaturesResponse,
  type GetUserFeaturesRequest,
  type GetUserFeaturesResponse,
  type FeatureSnapshot,
  type ItemFeatures,
} from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import {
  ITEM_FEATURE_COLUMNS,
  itemFeatureColumns,
  itemFeatureRow,
  userView,
  type Catalog,
  type ItemFeatureColumns,
  type ItemFeatureRow,
  type UserFeatureView,
} from '@recsys/features';
import type { CallContext, ServiceBinding } from '@recsys/grpc';
import { executePipeline, type PipelineDefinition } from '@recsys/pipeline';
import { userViewOf } from './hydrators/user-view.hydrator';
import type { ItemCandidate, ItemFeaturesQuery, ReadSnapshot, UserCandidate, UserFeaturesQuery } from './types';

/** Longest accepted id, characters. */
export const MAX_ID_LENGTH = 128;
/** Most item ids in one GetItemFeatures request. */
export const MAX_ITEM_IDS = 2000;

/**
 * The `feature_names` of every GetItemFeatures answer: every item feature (item, then creator features) in
 * declaration order. Fixed by the feature definitions, so one list serves every item of every answer.
 */
export const ITEM_FEATURE_NAMES: readonly string[] = ITEM_FEATURE_COLUMNS;

/** Every item feature, the columns of a GetItemFeatures answer. */
const ALL_ITEM_COLUMNS = itemFeatureColumns(ITEM_FEATURE_NAMES);

/** Dependencies of {@link featureServiceBinding}. */
export interface FeatureServiceDeps {
  userPipeline: PipelineDefinition<UserFeaturesQuery, UserCandidate>;
  itemPipeline: PipelineDefinition<ItemFeaturesQuery, ItemCandidate>;
  /** The catalog (users' registration attributes, for the user part of GetFeatureColumns). */
  catalog: Catalog;
  /** The time features are computed at (see `EventClock`). */
  now: () => number;
  /** Longest a call may run, ms (the caller's deadline applies when earlier). */
  maxCallMs: number;
}

function checkId(field: string, id: string): void {
  if (id.length === 0) throw RecsysError.badRequest(field, 'must not be empty');
  if (id.length > MAX_ID_LENGTH) throw RecsysError.badRequest(field, `must be at most ${MAX_ID_LENGTH} characters`);
}

/** Validates a GetItemFeatures request: 1..2000 ids, each non-empty and at most 128 characters. */
export function validateItemIds(itemIds: readonly string[]): void {
  if (itemIds.length === 0 || itemIds.length > MAX_ITEM_IDS) {
    throw RecsysError.badRequest('item_ids', `must have 1 to ${MAX_ITEM_IDS} entries, got ${itemIds.length}`);
  }
  itemIds.forEach((id, i) => checkId(`item_ids[${i}]`, id));
}

/** The wire form of what a read saw. */
function snapshotToWire(nowMs: number, snapshot: ReadSnapshot): FeatureSnapshot {
  return {
    asOfMs: String(nowMs),
    positions: snapshot.positions.map((p) => ({ topic: p.topic, partition: p.partition, offset: String(p.offset) })),
  };
}

function userToResponse(view: UserFeatureView, snapshot: FeatureSnapshot): GetUserFeaturesResponse {
  return {
    snapshot,
    userId: view.userId,
    known: view.known,
    attributes: view.user ? userToWire(view.user) : undefined,
    features: { values: view.features, defaulted: view.defaulted },
    recentItemIds: view.recentItemIds,
    topicAffinity: view.topicAffinity,
  };
}

/** The row of a requested item: its candidate's, or every default for an item the pipeline has no candidate for. */
function rowOf(candidate: ItemCandidate | undefined, columns: ItemFeatureColumns, nowMs: number): ItemFeatureRow {
  return candidate?.row ?? itemFeatureRow({}, nowMs, columns);
}

/**
 * One item of a GetItemFeatures answer: its feature values as a row aligned with {@link ITEM_FEATURE_NAMES}
 * and the indexes of the defaulted ones. The content embedding is not sent: no caller scores with it, and it is
 * nearly half of the attribute bytes (16 floats per demo pin).
 */
function itemToResponse(itemId: string, candidate: ItemCandidate | undefined, columns: ItemFeatureColumns, nowMs: number): ItemFeatures {
  const row = rowOf(candidate, columns, nowMs);
  const item = candidate?.item;
  return {
    itemId,
    known: item !== undefined,
    attributes: item ? itemToWire({ ...item, embedding: [] }) : undefined,
    values: row.values,
    defaulted: row.defaulted,
  };
}

/**
 * The candidate of each requested id, in request order (undefined for an id the pipeline has none for). The source
 * answers the distinct ids in request order, so without repeats row r is candidate r; otherwise they are looked up.
 */
function candidatesByRow(itemIds: readonly string[], candidates: readonly ItemCandidate[]): (ItemCandidate | undefined)[] {
  if (candidates.length === itemIds.length && candidates.every((c, r) => c.id === itemIds[r])) return [...candidates];
  const byId = new Map(candidates.map((c) => [c.id, c]));
  return itemIds.map((id) => byId.get(id));
}

/** The FeatureService binding for `startGrpcServer`. */
export function featureServiceBinding(deps: FeatureServiceDeps): ServiceBinding {
  const deadline = (ctx: CallContext) => Math.min(ctx.deadlineMs, Date.now() + deps.maxCallMs);

  const getUserFeatures = async (request: GetUserFeaturesRequest, ctx: CallContext): Promise<GetUserFeaturesResponse> => {
    checkId('user_id', request.userId);
    const query: UserFeaturesQuery = { userId: request.userId, nowMs: deps.now(), snapshot: { positions: [] } };
    const result = await executePipeline(deps.userPipeline, query, { deadlineMs: deadline(ctx), signal: ctx.signal });
    const view = result.candidates[0]?.view ?? userView(request.userId, {}, query.nowMs);
    return userToResponse(view, snapshotToWire(query.nowMs, query.snapshot));
  };

  /** Runs the item pipeline (reading `userId`'s record too when given): the candidate of each distinct requested id, by id. */
  const readItems = async (itemIds: readonly string[], columns: ItemFeaturesQuery['columns'], ctx: CallContext, userId?: string) => {
    validateItemIds(itemIds);
    const query: ItemFeaturesQuery = { itemIds: [...itemIds], userId, columns, nowMs: deps.now(), snapshot: { positions: [] } };
    const result = await executePipeline(deps.itemPipeline, query, { deadlineMs: deadline(ctx), signal: ctx.signal });
    return { query, candidates: candidatesByRow(query.itemIds, result.candidates) };
  };

  const getItemFeatures = async (request: GetItemFeaturesRequest, ctx: CallContext): Promise<GetItemFeaturesResponse> => {
    const { query, candidates } = await readItems(request.itemIds, ALL_ITEM_COLUMNS, ctx);
    // One entry per requested id, in request order (a repeated id is answered each time it is asked).
    return {
      items: query.itemIds.map((id, r) => itemToResponse(id, candidates[r], query.columns, query.nowMs)),
      featureNames: [...ITEM_FEATURE_NAMES],
      snapshot: snapshotToWire(query.nowMs, query.snapshot),
    };
  };

  const getFeatureColumns = async (request: GetFeatureColumnsRequest, ctx: CallContext): Promise<GetFeatureColumnsResponse> => {
    if (request.userId !== '') checkId('user_id', request.userId);
    const columns = request.itemFeatureNames.length === 0 ? ALL_ITEM_COLUMNS : itemFeatureColumns(request.itemFeatureNames, 'item_feature_names');
    const { query, candidates } = await readItems(request.itemIds, columns, ctx, request.userId === '' ? undefined : request.userId);
    const snapshot = snapshotToWire(query.nowMs, query.snapshot);
    // One row per requested id, in request order.
    const rows = query.itemIds.length;
    const width = columns.names.length;
    const values = new Float32Array(rows * width);
    const defaulted = newBitset(rows * width);
    const known = new Uint8Array(rows);
    const creators = new DictionaryEncoder(rows);
    const topics = new DictionaryEncoder(rows);
    const aspectRatios = new Float32Array(rows);
    const unsafe = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      const candidate = candidates[r];
      const row = rowOf(candidate, columns, query.nowMs);
      for (let c = 0; c < width; c++) values[r * width + c] = row.values[c];
      for (const c of row.defaulted) setBit(defaulted, r * width + c);
      const item = candidate?.item;
      known[r] = item ? 1 : 0;
      creators.push(item?.creatorId ?? '');
      topics.push(item?.topics[0] ?? '');
      aspectRatios[r] = item?.aspectRatio ?? 0;
      unsafe[r] = item?.unsafe ? 1 : 0;
    }
    return {
      featureNames: [...columns.names],
      values: float32MatrixToWire(rows, width, values),
      defaulted: columnBytes(defaulted),
      known: columnBytes(known),
      creatorIds: creators.toWire(),
      topics: topics.toWire(),
      aspectRatios: columnBytes(aspectRatios),
      unsafe: columnBytes(unsafe),
      snapshot,
      user: query.userId === undefined ? undefined : userToResponse(userViewOf(deps.catalog, query.userId, query.user?.record, query.nowMs), snapshot),
    };
  };

  return { definition: FeatureServiceService, handlers: { getUserFeatures, getItemFeatures, getFeatureColumns } };
}
