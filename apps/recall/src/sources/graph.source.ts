// Recall channel `graph`: Pixie random walks on the live pin–board save graph from the user's recent pins.
import { hashString } from '@recsys/algorithms';
import type { CandidateSource } from '@recsys/pipeline';
import { channelCandidates, scaledToBest } from '../channel-scores';
import type { RecallIndex } from '../state/recall-index';
import type { SaveGraph } from '../state/save-graph';
import { sourceId, type RecallCandidate, type RecallQuery } from '../types';
import { seedsOf } from './seeds';

/** Dependencies of {@link graphSource}. */
export interface GraphSourceDeps {
  index: RecallIndex;
  graph: SaveGraph;
  /** Walk steps per request (Pixie's N, config `RECALL_GRAPH_STEPS`). */
  steps: number;
  /** Per-call time budget, ms. */
  timeoutMs?: number;
}

/** Extra pins asked of the walk beyond the quota, to make up for unservable ones dropped afterwards. */
const OVERFETCH = 1.2;

/**
 * The `recall/graph` source: a Pixie walk (`PixieWalker`: restarts, degree-scaled step allocation, early
 * stopping) over the saves seen on the stream, from the session's items and the user's recent positives that
 * are in the graph, weighted towards the most recent (`historySeeds`); the walk's seed is a hash of the user id,
 * so one user's answer is stable while the graph is. The seeds and unservable pins are left out; channel score:
 * visit score / best. Saves published after start take part from the next request. O(steps + visited pins).
 */
export function graphSource(deps: GraphSourceDeps): CandidateSource<RecallQuery, RecallCandidate> {
  return {
    id: sourceId('graph'),
    timeoutMs: deps.timeoutMs,
    fetch: async (query) => {
      const quota = query.quotas.graph;
      if (quota <= 0) return [];
      const seeds = seedsOf(query, deps.index.ids);
      if (seeds.ids.length === 0) return [];
      const hits = deps.graph.walk(seeds.items, seeds.weights, {
        totalSteps: deps.steps,
        seed: hashString(query.userId),
        topN: Math.ceil(quota * OVERFETCH),
      });
      const items: number[] = [];
      const scores: number[] = [];
      for (let r = 0; r < hits.items.length && items.length < quota; r++) {
        if (!deps.index.isServableAt(hits.items[r])) continue;
        items.push(hits.items[r]);
        scores.push(hits.scores[r]);
      }
      return channelCandidates('graph', deps.index.ids, items, scaledToBest(scores));
    },
  };
}
