// Runs recall calls before the service reports SERVING, so the first real requests run optimised code.
import { RecallResponse, Surface, type RecallRequest } from '@recsys/contracts';
import { encodeRecallColumnsResponse } from './columns-wire';
import { recallColumnsResponse, recallResponse, type RecallCall } from './service';
import type { RecallIndex } from './state/recall-index';

/** Options of {@link warmUp}. */
export interface WarmUpOptions {
  /** Calls at most (default 40). */
  calls?: number;
  /** Stop after this long, ms (default 3000). */
  maxMs?: number;
}

/**
 * Sends `calls` recall calls through `call` (the handler both RPCs share) and encodes both answers, for users with
 * history (every channel has work), an unknown user and the related-pins surface, within `maxMs`. A freshly started
 * Node process interprets the channels' loops (graph walks, heap walks, merging) until V8 has compiled them: the
 * first calls cost tens of milliseconds more than later ones and would run out of their deadline, so the service
 * makes them itself before it reports SERVING. Returns the number of calls made.
 */
export async function warmUp(call: RecallCall, index: RecallIndex, opts: WarmUpOptions = {}): Promise<number> {
  const calls = opts.calls ?? 40;
  const stopAt = Date.now() + (opts.maxMs ?? 3000);
  const users = index.usersWithHistory(8);
  const requests: RecallRequest[] = [];
  for (const userId of users) {
    requests.push({ userId, surface: Surface.SURFACE_HOME_FEED, channelQuotas: {}, limit: 0 });
    const context = index.recentPositives(userId)[0];
    requests.push({
      userId,
      surface: Surface.SURFACE_RELATED_PINS,
      channelQuotas: {},
      limit: 0,
      context: { country: '', device: '', locale: '', recentItemIds: [], contextItemId: context },
    });
  }
  requests.push({ userId: 'recall-warm-up', surface: Surface.SURFACE_HOME_FEED, channelQuotas: {}, limit: 0 });
  let made = 0;
  while (made < calls && Date.now() < stopAt) {
    const outcome = await call(requests[made % requests.length], stopAt);
    RecallResponse.encode(recallResponse(outcome)).finish();
    encodeRecallColumnsResponse(recallColumnsResponse(outcome));
    made++;
  }
  return made;
}
