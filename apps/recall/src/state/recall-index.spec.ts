// RecallIndex: catalog indexes, per-user interaction state and popularity tables, checked against hand-computed values.
import type { EngagementEvent, EventType, Item, User } from '@recsys/domain';
import { RecallIndex } from './recall-index';

const HOUR = 3_600_000;
const item = (id: string, topics: string[], createdAtMs = 0, unsafe = false): Item => ({ id, creatorId: 'c', topics, aspectRatio: 1, createdAtMs, quality: 0.5, embedding: [], unsafe });
const user = (id: string, country: string): User => ({ id, ageBucket: '25-34', gender: 'female', country, signupAtMs: 0 });
let n = 0;
const ev = (userId: string, itemId: string, type: EventType, timestampMs = 0, eventId = `e${++n}`): EngagementEvent => ({
  eventId, userId, itemId, type, timestampMs, dwellMs: 0, requestId: '', position: 0, surface: '', boardId: '',
});

describe('RecallIndex', () => {
  it('weights engagement types and decays popularity with the half-life', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0 });
    for (const id of ['a', 'b', 'c']) index.applyItem(item(id, ['t']));
    index.applyEvent(ev('u', 'a', 'save', 0)); // 3
    index.applyEvent(ev('u', 'b', 'click', HOUR)); // 1, one half-life later
    index.applyEvent(ev('u', 'c', 'impression', HOUR)); // 0.02
    index.applyEvent(ev('u', 'c', 'hide', HOUR)); // −1 → net −0.98: never listed
    expect(index.now()).toBe(HOUR);
    expect(index.popularity('a', HOUR)).toBeCloseTo(1.5, 12);
    expect(index.topPopular(10, HOUR)).toEqual([
      { key: 'a', score: expect.closeTo(1.5, 12) },
      { key: 'b', score: 1 },
    ]);
    expect(index.topPopularInTopic('t', 10, HOUR).map((s) => s.key)).toEqual(['a', 'b']);
  });

  it('is idempotent on event ids', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0 });
    index.applyItem(item('a', ['t']));
    expect(index.applyEvent(ev('u', 'a', 'click', 0, 'same'))).toBe(true);
    expect(index.applyEvent(ev('u', 'a', 'click', 0, 'same'))).toBe(false);
    expect(index.popularity('a', 0)).toBe(1);
  });

  it('attributes events to the segment of the user at event time; unknown users count globally only', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0 });
    index.applyItem(item('a', ['t']));
    index.applyItem(item('b', ['t']));
    index.applyUser(user('fr', 'FR'));
    index.applyEvent(ev('fr', 'a', 'click'));
    index.applyEvent(ev('stranger', 'b', 'save'));
    expect(index.topPopularInSegment('FR|25-34', 10, 0).map((s) => s.key)).toEqual(['a']);
    expect(index.topPopularInSegment('US|25-34', 10, 0)).toEqual([]);
    expect(index.topPopularInSegment('all', 10, 0).map((s) => s.key)).toEqual(['b', 'a']);
  });

  it('never lists unsafe items or items outside the catalog', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0 });
    index.applyItem(item('bad', ['t'], 0, true));
    index.applyEvent(ev('u', 'bad', 'share'));
    index.applyEvent(ev('u', 'ghost', 'share'));
    expect(index.topPopular(10, 0)).toEqual([]);
    index.applyItem(item('ghost', ['t']));
    expect(index.topPopular(10, 0).map((s) => s.key)).toEqual(['ghost']);
  });

  it('re-indexes an item whose topics or creation time change', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0 });
    index.applyItem(item('a', ['x'], 10));
    index.applyItem(item('b', ['x'], 20));
    index.applyEvent(ev('u', 'a', 'click'));
    index.applyItem(item('a', ['y'], 30));
    expect([...index.itemsInTopic('x')]).toEqual(['b']);
    expect([...index.itemsInTopic('y')]).toEqual(['a']);
    expect(index.itemsCreatedSince(15).map((i) => i.id)).toEqual(['b', 'a']);
    // Popularity collected under the old topic is not served for it any more.
    expect(index.topPopularInTopic('x', 10, 0)).toEqual([]);
  });

  it('keeps recent positives most recent first without repeats, and hidden items', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0, recentLimit: 3 });
    for (const [id, type] of [['a', 'click'], ['b', 'save'], ['a', 'share'], ['c', 'impression'], ['d', 'click'], ['e', 'click'], ['f', 'hide']] as const) {
      index.applyEvent(ev('u', id, type));
    }
    expect(index.recentPositives('u')).toEqual(['e', 'd', 'a']);
    expect([...index.hidden('u')]).toEqual(['f']);
    expect(index.recentPositives('other')).toEqual([]);
  });

  it('keeps the time of each recent positive: a repeated item moves to the front with its new time', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0, recentLimit: 3 });
    for (const [id, type, t] of [['a', 'click', 10], ['b', 'save', 20], ['c', 'impression', 25], ['a', 'share', 30], ['d', 'click', 40], ['e', 'click', 50]] as const) {
      index.applyEvent(ev('u', id, type, t));
    }
    expect(index.recentPositives('u')).toEqual(['e', 'd', 'a']);
    expect(index.recentPositiveTimes('u')).toEqual([50, 40, 30]);
    expect(index.recentPositiveTimes('other')).toEqual([]);
  });

  it('measures time as the later of the wall clock and the newest event', () => {
    let wall = 5 * HOUR;
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => wall });
    index.applyEvent(ev('u', 'a', 'click', 2 * HOUR));
    expect(index.now()).toBe(5 * HOUR);
    index.applyEvent(ev('u', 'a', 'click', 9 * HOUR));
    expect(index.now()).toBe(9 * HOUR);
    wall = 10 * HOUR;
    expect(index.now()).toBe(10 * HOUR);
  });
});
