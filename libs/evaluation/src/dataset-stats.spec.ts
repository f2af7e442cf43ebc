import { InteractionMatrixBuilder } from '@recsys/algorithms';
import { datasetStatistics } from './dataset-stats';

/** users × items from rows of item ids. */
function matrixOf(rows: Record<string, string[]>) {
  const b = new InteractionMatrixBuilder('sum');
  for (const [u, items] of Object.entries(rows)) for (const i of items) b.add(u, i, 1);
  return { matrix: b.build(), added: b.size };
}

describe('datasetStatistics', () => {
  it('counts users, items, density and the per-user and per-item spreads', () => {
    const { matrix } = matrixOf({ a: ['x', 'y', 'z'], b: ['x'], c: ['x', 'y'] });
    const s = datasetStatistics({ matrix });
    expect(s).toMatchObject({ users: 3, items: 3, interactions: 6, repeatRate: null, topTopicShare: null });
    expect(s.density).toBeCloseTo(6 / 9, 12);
    expect(s.perUser).toMatchObject({ mean: 2, p50: 2, max: 3 });
    expect(s.perItem).toMatchObject({ mean: 2, p50: 2, max: 3 });
    // Gini of (1, 2, 3): Σ (2i − n − 1) x_i / (n Σ x) = (−2 + 0 + 6) / 18.
    expect(s.perUser.gini).toBeCloseTo(4 / 18, 12);
    expect(s.top1PercentShare).toBeCloseTo(3 / 6, 12);
  });

  it('fits the rank-frequency exponent of a Zipf catalogue', () => {
    // Item k (k = 1..40) engaged by round(400 / k) distinct users: count ∝ rank^−1.
    const rows: Record<string, string[]> = {};
    for (let k = 1; k <= 40; k++) for (let u = 0; u < Math.round(400 / k); u++) (rows[`u${u}`] ??= []).push(`i${k}`);
    expect(datasetStatistics({ matrix: matrixOf(rows).matrix }).popularityExponent).toBeCloseTo(1, 1);
  });

  it('measures co-engagement as the cosine of audiences, over items with at least 5 users', () => {
    // x and y share all 6 users (cosine 1); z has 6 others and shares none; w has 2 users (left out).
    const rows: Record<string, string[]> = {};
    for (let u = 0; u < 6; u++) rows[`a${u}`] = ['x', 'y'];
    for (let u = 0; u < 6; u++) rows[`b${u}`] = ['z'];
    rows.a0.push('w');
    rows.b0.push('w');
    const s = datasetStatistics({ matrix: matrixOf(rows).matrix });
    expect(s.coEngagement).toEqual({ pairs: 1, mean: 1, p50: 1, p90: 1 });
    // A third item with half of x's audience: pairs (x,y) 1, (x,v) and (y,v) 3 / √(6·6) = 0.5.
    for (let u = 0; u < 3; u++) rows[`a${u}`].push('v');
    for (let u = 0; u < 3; u++) rows[`b${u}`].push('v');
    const t = datasetStatistics({ matrix: matrixOf(rows).matrix });
    expect(t.coEngagement.pairs).toBe(4);
    expect(t.coEngagement.mean).toBeCloseTo((1 + 0.5 + 0.5 + 3 / 6) / 4, 12);
  });

  it('gives the share of positives on a user’s 3 top topics (users with 10 or more) and the repeat rate', () => {
    const topics: Record<string, string[]> = {};
    const items: string[] = [];
    // 12 positives: 9 on topics t1..t3, 3 on t4..t6 (one each) → 9 / 12 inside the top 3.
    for (let k = 0; k < 12; k++) {
      const id = `p${k}`;
      items.push(id);
      topics[id] = [k < 9 ? `t${(k % 3) + 1}` : `t${k - 5}`];
    }
    const { matrix } = matrixOf({ heavy: items, light: ['p0', 'p11'] });
    const s = datasetStatistics({ matrix, itemTopics: (id) => topics[id], engagements: 20 });
    expect(s.topTopicShare).toBeCloseTo(9 / 12, 12);
    expect(s.repeatRate).toBeCloseTo(1 - 14 / 20, 12);
  });
});
