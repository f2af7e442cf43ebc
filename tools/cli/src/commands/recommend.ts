/** `recsys recommend`: asks the orchestrator for a page and prints it as a table. */
import { Surface, type RecommendResponse } from '@recsys/contracts';
import { orchestratorClient } from '../client';
import { renderTable } from '../table';

/** Options of the recommend command. */
export interface RecommendOptions {
  addr: string;
  user: string;
  surface: 'home' | 'related';
  item?: string;
  size: number;
  country?: string;
  overrides: Record<string, string>;
  debug: boolean;
}

/** Calls Recommend. */
export async function recommend(opts: RecommendOptions): Promise<RecommendResponse> {
  const client = orchestratorClient(opts.addr);
  try {
    return await client.recommend({
      userId: opts.user,
      surface: opts.surface === 'related' ? Surface.SURFACE_RELATED_PINS : Surface.SURFACE_HOME_FEED,
      context: { country: opts.country ?? '', device: 'cli', locale: '', recentItemIds: [], contextItemId: opts.item ?? '' },
      pageSize: opts.size,
      experimentOverrides: opts.overrides,
      debug: opts.debug,
    });
  } finally {
    client.close();
  }
}

/** Renders a Recommend response: rank, item, channels, score, explanation; then degradations and arms. */
export function formatPage(res: RecommendResponse): string {
  const table = renderTable(
    ['rank', 'item', 'topic', 'channels', 'score', 'explanation'],
    res.items.map((it, i) => [i + 1, it.itemId, it.topic, it.channels.map((c) => c.channel).join(','), it.score, it.explanation]),
  );
  const lines = [table, '', `request ${res.requestId}: ${res.items.length} items`];
  const arms = Object.entries(res.experimentArms).map(([l, a]) => `${l}=${a}`).join(' ');
  if (arms) lines.push(`experiments: ${arms}`);
  if (res.degraded.length > 0) {
    lines.push('DEGRADED:');
    for (const d of res.degraded) lines.push(`  ${d.stage}: ${d.reason} (fallback: ${d.fallback})`);
  }
  if (res.trace.length > 0) {
    lines.push('', `trace of ${res.trace.length} candidates (first 40):`);
    lines.push(renderTable(['item', 'outcome', 'recall', 'pre-rank', 'rank'], res.trace.slice(0, 40).map((t) => [
      t.itemId, t.outcome, t.scores?.recall ?? 0, t.scores?.preRank ?? 0, t.scores?.rank ?? 0,
    ])));
  }
  return lines.join('\n');
}
