import type { ItemFeatureBatch, PinCandidate, RecallBatch, RecommendQuery } from '../query';
import { finalPage } from './page.finalizer';

const query = (pageSize: number): RecommendQuery => ({
  requestId: 'r', userId: 'u', surface: 'home_feed', pageSize, overrides: {}, debug: false, nowMs: 0, arms: {}, params: {},
  context: { country: '', device: '', locale: '', recentItemIds: ['p2'], contextItemId: '' },
  user: { known: true, features: { values: {}, defaulted: [] }, recentItemIds: ['p3'], topicAffinity: {} },
});

/** Candidates p1.. with the given recall scores and overrides; `unsafe` ids are flagged in their feature batch. */
function pins(scores: number[], over: Record<string, Partial<PinCandidate>> = {}, unsafe: string[] = []): PinCandidate[] {
  const ids = scores.map((_, i) => `p${i + 1}`);
  const recall: RecallBatch = {
    itemIds: ids, recallScores: Float64Array.from(scores), channelNames: [], hitEnds: new Uint32Array(ids.length),
    hitChannels: new Uint8Array(0), hitScores: new Float64Array(0),
  };
  const features: ItemFeatureBatch = {
    names: [], rows: ids.length, values: new Float32Array(0), defaulted: new Uint8Array(0), known: new Uint8Array(ids.length).fill(1),
    creators: { values: [''], indexes: new Uint32Array(ids.length) }, topics: { values: [''], indexes: new Uint32Array(ids.length) },
    aspectRatios: new Float32Array(ids.length).fill(1), unsafe: Uint8Array.from(ids, (id) => (unsafe.includes(id) ? 1 : 0)),
  };
  return ids.map((id, i) => ({ id, recall, recallRow: i, recallScore: scores[i], features, featureRow: i, ...over[id] }));
}

describe('finalPage', () => {
  it('keeps a re-ranked page in order and cuts it to the page size', () => {
    const ranked = pins([0.1, 0.9, 0.5], { p1: { column: 0 }, p2: { column: 1 }, p3: { column: 0 } });
    expect(finalPage(query(2), ranked).map((c) => c.id)).toEqual(['p1', 'p2']);
  });

  it('applies the rules itself otherwise: no unsafe, no seen, best score first, laid out, and is idempotent', () => {
    const raw = pins([0.2, 0.9, 0.8, 0.7, 0.5, 0.1], { p5: { rankScore: 0.95 } }, ['p4']);
    const page = finalPage(query(3), raw);
    expect(page.map((c) => c.id)).toEqual(['p5', 'p1', 'p6']);
    expect(page.map((c) => c.column)).toEqual([0, 1, 0]);
    expect(finalPage(query(3), page)).toEqual(page);
  });
});
