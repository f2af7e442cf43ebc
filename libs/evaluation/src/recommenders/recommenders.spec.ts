import { InteractionMatrixBuilder, topK } from '@recsys/algorithms';
import { PopularityRecommender } from './popularity';
import { RandomRecommender } from './random';
import { createRecommender, parseModelSpec } from './registry';
import { SegmentPopularityRecommender } from './segment-popularity';

/** Items a..e; users u1..u4. Binary counts a:3 b:1 c:3 d:0 e:1; weighted a:3 b:10 c:3 e:1. */
function matrix() {
  const b = new InteractionMatrixBuilder();
  for (const id of ['a', 'b', 'c', 'd', 'e']) b.addItem(id);
  b.add('u1', 'a', 1);
  b.add('u1', 'c', 1);
  b.add('u2', 'a', 1);
  b.add('u2', 'c', 1);
  b.add('u2', 'b', 10);
  b.add('u3', 'a', 1);
  b.add('u3', 'c', 1);
  b.add('u4', 'e', 1);
  return b.build();
}

function scoresOf(model: { scoreAll(u: number, out: Float32Array): void }, u: number, n: number): Float32Array {
  const out = new Float32Array(n);
  model.scoreAll(u, out);
  return out;
}

describe('PopularityRecommender', () => {
  const m = matrix();

  it('ranks by binary count, equal counts by lower item index', () => {
    const pop = new PopularityRecommender();
    pop.fit(m);
    const s = scoresOf(pop, 0, m.nItems);
    expect(Array.from(s)).toEqual([3, 1, 3, 0, 1]);
    // a and c tie at 3 → a (index 0) first; b and e tie at 1 → b (1) before e (4).
    expect(Array.from(topK(s, 5))).toEqual([0, 2, 1, 4, 3]);
    expect(Array.from(scoresOf(pop, 3, m.nItems))).toEqual(Array.from(s)); // the same list for everyone
  });

  it('sums weights when weighted', () => {
    const pop = new PopularityRecommender('weighted');
    pop.fit(m);
    expect(Array.from(scoresOf(pop, 0, m.nItems))).toEqual([3, 10, 3, 0, 1]);
    expect(pop.params).toEqual({ weighting: 'weighted' });
  });

  it('refuses to score before fit', () => {
    expect(() => new PopularityRecommender().scoreAll(0, new Float32Array(5))).toThrow(/before fit/);
  });
});

describe('RandomRecommender', () => {
  const m = matrix();

  it('is deterministic per (seed, user) whatever the call order, and differs between users and seeds', () => {
    const r = new RandomRecommender(7);
    r.fit(m);
    const u2 = scoresOf(r, 2, m.nItems);
    const u0 = scoresOf(r, 0, m.nItems);
    expect(Array.from(scoresOf(r, 2, m.nItems))).toEqual(Array.from(u2));
    expect(Array.from(u0)).not.toEqual(Array.from(u2));
    const other = new RandomRecommender(8);
    other.fit(m);
    expect(Array.from(scoresOf(other, 2, m.nItems))).not.toEqual(Array.from(u2));
    for (const v of u0) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('SegmentPopularityRecommender', () => {
  // Segment F likes item 0, segment M likes item 1; both have 3 users. Item 2 is liked by the single user of
  // segment X and by one F user (so it is the global tie-breaker inside F's zeros and counts).
  const b = new InteractionMatrixBuilder();
  for (const id of ['i0', 'i1', 'i2', 'i3']) b.addItem(id);
  for (const u of ['f1', 'f2', 'f3']) b.add(u, 'i0', 1);
  for (const u of ['m1', 'm2', 'm3']) b.add(u, 'i1', 1);
  b.add('m1', 'i3', 1);
  b.add('m2', 'i3', 1);
  b.add('f1', 'i2', 1);
  b.add('x1', 'i2', 1);
  b.add('x1', 'i1', 1);
  const m = b.build();
  const demo = (gender: string) => ({ ageBucket: '25-34', gender });
  const users = new Map([
    ['f1', demo('F')],
    ['f2', demo('F')],
    ['f3', demo('F')],
    ['m1', demo('M')],
    ['m2', demo('M')],
    ['m3', demo('M')],
    ['x1', demo('X')],
  ]);
  const model = new SegmentPopularityRecommender({ minSegmentUsers: 3 });
  model.fit(m, { users });
  const rankOf = (user: string) => Array.from(topK(scoresOf(model, m.userIndex.get(user) as number, m.nItems), 4));

  it('ranks by the popularity within the user segment, which differs by segment', () => {
    // F counts i0:3 i2:1; then global (i1:4 > i3:2) breaks F's zero-count tie.
    expect(rankOf('f2')).toEqual([0, 2, 1, 3]);
    // M counts i1:3 i3:2; zeros i0 (global 3) before i2 (global 2).
    expect(rankOf('m3')).toEqual([1, 3, 0, 2]);
  });

  it('falls back to the global ranking for a segment smaller than minSegmentUsers', () => {
    // Global counts i1:4 i0:3 i2:2 i3:2 (tie → lower index).
    expect(model.usesSegment(m.userIndex.get('x1') as number)).toBe(false);
    expect(rankOf('x1')).toEqual([1, 0, 2, 3]);
    expect(model.segmentSizes.get('ageBucket=25-34|gender=X')).toBe(1);
  });

  it('needs demographics', () => {
    expect(() => new SegmentPopularityRecommender().fit(m, {})).toThrow(/demographics/);
    expect(() => new SegmentPopularityRecommender({ minSegmentUsers: 0 })).toThrow(RangeError);
  });
});

describe('registry', () => {
  it('creates models by name and alias, with parameters given as strings', () => {
    expect(createRecommender('pop').params).toEqual({ weighting: 'binary' });
    expect(createRecommender('popularity', { weighting: 'weighted' }).name).toBe('pop');
    expect(createRecommender('random', { seed: '5' }).params).toEqual({ seed: 5 });
    const seg = createRecommender('segpop', { attributes: 'gender+occupation', minSegmentUsers: '20' });
    expect(seg.name).toBe('segment-pop');
    expect(seg.params).toEqual({ attributes: ['gender', 'occupation'], minSegmentUsers: 20, weighting: 'binary' });
  });

  it('names the known models and parameters on a typo', () => {
    expect(() => createRecommender('popp')).toThrow(/unknown model "popp" \(known: random, pop, segment-pop, [a-z, -]+\)/);
    expect(() => createRecommender('pop', { weight: 'x' })).toThrow(/no parameter "weight" \(known: weighting\)/);
    expect(() => createRecommender('random', { seed: 'abc' })).toThrow(/must be a number/);
  });

  it('parses model specs', () => {
    expect(parseModelSpec('pop')).toEqual({ name: 'pop', params: {} });
    expect(parseModelSpec('segment-pop:attributes=gender+ageBucket,minSegmentUsers=20')).toEqual({
      name: 'segment-pop',
      params: { attributes: 'gender+ageBucket', minSegmentUsers: '20' },
    });
    expect(() => parseModelSpec('pop:weighting')).toThrow(/not key=value/);
  });
});
