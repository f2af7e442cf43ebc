/** Builds the page with the re-ranking service: seen and unsafe filters, diversity, grid layout. */
import { readFloat64Column, readUint32Column } from '@recsys/contracts';
import { RecsysError } from '@recsys/domain';
import type { Selector } from '@recsys/pipeline';
import type { Downstreams } from '../gateways/clients';
import { rerankColumnsRequest } from '../gateways/wire';
import type { PinCandidate, RecommendQuery } from '../query';
import { seenItemIds } from './seen';

/** Creates the re-rank selector; when it fails the page finalizer applies the rules locally without diversity. */
export function rerankSelector(deps: { reranking: Downstreams['reranking'] }): Selector<RecommendQuery, PinCandidate> {
  return {
    id: 'reranking',
    select: async (q, candidates, ctx) => {
      if (candidates.length === 0) return [];
      const res = await deps.reranking.rerankColumns(rerankColumnsRequest(q, candidates, [...seenItemIds(q)]), { signal: ctx.signal, deadlineMs: ctx.deadlineMs });
      const size = Math.floor(res.rows.byteLength / 4);
      const rows = readUint32Column(res.rows, size, 're-rank rows', 'internal');
      const columns = readUint32Column(res.columns, size, 're-rank columns', 'internal');
      const scores = readFloat64Column(res.scores, size, 're-rank scores', 'internal');
      return Array.from(rows, (row, i) => {
        const original = candidates[row];
        if (original === undefined) throw new RecsysError('internal', `re-ranking answered row ${row} of ${candidates.length}`);
        return { ...original, column: columns[i], rerankScore: scores[i] };
      });
    },
  };
}
