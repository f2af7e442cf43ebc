// Merging channel hits: every channel kept once, recall score = best + 0.1 per further channel.
import { ChannelHit, mergeCandidates, recallScoreOf } from './types';

describe('mergeCandidates', () => {
  it('keeps every channel once, adds to one copy, and never changes the sources’ candidates', () => {
    const a = new ChannelHit('x', 'popular', 0.5);
    const b = new ChannelHit('x', 'fresh', 0.8);
    const c = { id: 'x', channels: [{ channel: 'graph', score: 0.2 }], recallScore: 0.2 };
    const ab = mergeCandidates(a, b);
    expect(ab.channels.map((h) => [h.channel, h.score])).toEqual([
      ['popular', 0.5],
      ['fresh', 0.8],
    ]);
    expect(ab.recallScore).toBeCloseTo(0.9, 12);
    const abc = mergeCandidates(ab, c);
    expect(abc).toBe(ab);
    expect(abc.channels.map((h) => h.channel)).toEqual(['popular', 'fresh', 'graph']);
    expect(abc.recallScore).toBeCloseTo(1.0, 12);
    expect(mergeCandidates(abc, new ChannelHit('x', 'fresh', 1)).channels).toHaveLength(3);
    // The sources' objects are untouched.
    expect(a.channels.map((h) => h.channel)).toEqual(['popular']);
    expect(a.recallScore).toBe(0.5);
    expect(c.channels).toEqual([{ channel: 'graph', score: 0.2 }]);
  });

  it('scores by the best channel plus 0.1 per further channel', () => {
    expect(recallScoreOf([])).toBe(0);
    expect(recallScoreOf([{ channel: 'a', score: 0.3 }, { channel: 'b', score: 0.7 }])).toBeCloseTo(0.8, 12);
  });
});
