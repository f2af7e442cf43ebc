import type { PinCandidate, RecommendQuery } from '../query';
import { finalPage } from './page.selector';

const query = (pageSize: number): RecommendQuery => ({
  requestId: 'r', userId: 'u', surface: 'home_feed', pageSize, overrides: {}, debug: false, nowMs: 0, arms: {}, params: {},
  context: { country: '', device: '', locale: '', recentItemIds: ['p2'], contextItemId: '' },
  user: { known: true, features: { values: {}, defaulted: [] }, recentItemIds: ['p3'], topicAffinity: {} },
});
const pin = (id: string, score: number, over: Partial<PinCandidate> = {}): PinCandidate => ({ id, channels: [], recallScore: score, aspectRatio: 1, ...over });

describe('finalPage', () => {
  it('keeps a re-ranked page in order and cuts it to the page size', () => {
    const ranked = [pin('a', 0.1, { column: 0 }), pin('b', 0.9, { column: 1 }), pin('c', 0.5, { column: 0 })];
    expect(finalPage(query(2), ranked).map((c) => c.id)).toEqual(['a', 'b']);
  });

  it('applies the rules itself otherwise: no unsafe, no seen, best score first, laid out, and is idempotent', () => {
    const raw = [pin('p1', 0.2), pin('p2', 0.9), pin('p3', 0.8), pin('p4', 0.7, { unsafe: true }), pin('p5', 0.5, { rankScore: 0.95 }), pin('p6', 0.1)];
    const page = finalPage(query(3), raw);
    expect(page.map((c) => c.id)).toEqual(['p5', 'p1', 'p6']);
    expect(page.map((c) => c.column)).toEqual([0, 1, 0]);
    expect(finalPage(query(3), page)).toEqual(page);
  });
});
