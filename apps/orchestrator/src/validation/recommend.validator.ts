/** Validates a Recommend request and converts it to the pipeline's query. */
import { surfaceFromWire, type RecommendRequest } from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import type { RecommendQuery } from '../query';
import { optionalCountry, optionalString, requireCount, requireId, requireRange } from './rules';

/** Largest page a client may ask for. */
export const MAX_PAGE_SIZE = 100;
/** Most session items a client may send. */
export const MAX_RECENT_ITEMS = 200;

/** Returns the query for a valid request; throws INVALID_ARGUMENT naming the first bad field. */
export function validateRecommend(req: RecommendRequest, requestId: string, nowMs: number): Omit<RecommendQuery, 'arms' | 'params'> {
  requireId('user_id', req.userId);
  const surface = surfaceFromWire(req.surface);
  if (!surface) throw RecsysError.badRequest('surface', 'must be SURFACE_HOME_FEED or SURFACE_RELATED_PINS');
  requireRange('page_size', req.pageSize, 1, MAX_PAGE_SIZE);
  const ctx = req.context ?? { country: '', device: '', locale: '', recentItemIds: [], contextItemId: '' };
  optionalCountry('context.country', ctx.country);
  optionalString('context.device', ctx.device, 32);
  optionalString('context.locale', ctx.locale, 35);
  requireCount('context.recent_item_ids', ctx.recentItemIds.length, 0, MAX_RECENT_ITEMS);
  ctx.recentItemIds.forEach((id, i) => requireId(`context.recent_item_ids[${i}]`, id));
  if (surface === 'related_pins') requireId('context.context_item_id', ctx.contextItemId);
  else optionalString('context.context_item_id', ctx.contextItemId, 128);
  const overrides = req.experimentOverrides ?? {};
  requireCount('experiment_overrides', Object.keys(overrides).length, 0, 16);
  for (const [layer, arm] of Object.entries(overrides)) {
    optionalString(`experiment_overrides[${layer}]`, layer, 64);
    optionalString(`experiment_overrides[${layer}]`, arm, 64);
  }
  return {
    requestId,
    userId: req.userId,
    surface,
    context: {
      country: ctx.country.toUpperCase(),
      device: ctx.device,
      locale: ctx.locale,
      recentItemIds: [...ctx.recentItemIds],
      contextItemId: ctx.contextItemId,
    },
    pageSize: req.pageSize,
    overrides: { ...overrides },
    debug: req.debug,
    nowMs,
  };
}
