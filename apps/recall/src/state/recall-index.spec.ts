// RecallIndex: catalog indexes, per-user interaction state and popularity tables, checked against hand-computed values.
import type { TopKeys } from '@recsys/algorithms';
import type { EngagementEvent, EventType, Item, User } from '@recsys/domain';
import { RecallIndex } from './recall-index';

const HOUR = 3_600_000;
const item = (id: string, topics: string[], createdAtMs = 0, unsafe = false): Item => ({ id, creatorId: 'c', topics, aspectRatio: 1, createdAtMs, quality: 0.5, embedding: [], unsafe });
const user = (id: string, country: string): User => ({ id, ageBucket: '25-34', gender: 'female', country, signupAtMs: 0 });
let n = 0;
const ev = (userId: string, itemId: string, type: EventType, timestampMs = 0, eventId = `e${++n}`): EngagementEvent => ({
  eventId, userId, itemId, type, timestampMs, dwellMs: 0, requestId: '', position: 0, surface: '', boardId: '',
});

/** A top list with its item ids. */
function named(index: RecallIndex, top: TopKeys): { key: string; score: number }[] {
  return Array.from(top.keys, (i, r) => ({ key: index.ids.id(i), score: top.scores[r] }));
}

function keys(index: RecallIndex, top: TopKeys): string[] {
  return named(index, top).map((s) => s.key);
}

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
    expect(named(index, index.topPopular(10, HOUR))).toEqual([
      { key: 'a', score: expect.closeTo(1.5, 12) },
      { key: 'b', score: 1 },
    ]);
    expect(keys(index, index.topPopularInTopic('t', 10, HOUR))).toEqual(['a', 'b']);
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
    expect(keys(index, index.topPopularInSegment('FR|25-34', 10, 0))).toEqual(['a']);
    expect(keys(index, index.topPopularInSegment('US|25-34', 10, 0))).toEqual([]);
    expect(keys(index, index.topPopularInSegment('all', 10, 0))).toEqual(['b', 'a']);
    expect(index.segmentOfUser('fr')).toBe('FR|25-34');
    expect(index.segmentOfUser('stranger')).toBe('all');
  });

  it('never lists unsafe items or items outside the catalog', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0 });
    index.applyItem(item('bad', ['t'], 0, true));
    index.applyEvent(ev('u', 'bad', 'share'));
    index.applyEvent(ev('u', 'ghost', 'share'));
    expect(keys(index, index.topPopular(10, 0))).toEqual([]);
    index.applyItem(item('ghost', ['t']));
    expect(keys(index, index.topPopular(10, 0))).toEqual(['ghost']);
    // Its popularity counts for its topic once it is in the catalog.
    expect(keys(index, index.topPopularInTopic('t', 10, 0))).toEqual(['ghost']);
    expect(index.isServable('bad')).toBe(false);
    expect(index.isServable('ghost')).toBe(true);
  });

  it('re-indexes an item whose topics or creation time change; its popularity moves with it', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0, freshWindowMs: 15 });
    index.applyItem(item('a', ['x'], 10));
    index.applyItem(item('b', ['x'], 20));
    index.applyEvent(ev('u', 'a', 'click'));
    expect(index.topFresh(10, 20).map((i) => index.ids.id(i))).toEqual(['a', 'b']);
    index.applyItem(item('a', ['y'], 30));
    const ids = (set: ReadonlySet<number>) => [...set].map((i) => index.ids.id(i));
    expect(ids(index.itemsInTopic('x'))).toEqual(['b']);
    expect(ids(index.itemsInTopic('y'))).toEqual(['a']);
    // At 25 the window starts at 10: a (created at 30 now, popular) then b.
    expect(index.topFresh(10, 25).map((i) => index.ids.id(i))).toEqual(['a', 'b']);
    // A topic lists the items it holds now, with their (global) popularity.
    expect(keys(index, index.topPopularInTopic('x', 10, 0))).toEqual([]);
    expect(keys(index, index.topPopularInTopic('y', 10, 0))).toEqual(['a']);
  });

  it('lists fresh items by popularity, then newest, then id, within the window; unsafe ones never', () => {
    const index = new RecallIndex({ halfLifeMs: HOUR, clock: () => 0, freshWindowMs: 10 * HOUR });
    index.applyItem(item('old', ['t'], -11 * HOUR)); // outside the window at 0: never listed
    index.applyItem(item('z', ['t'], 1 * HOUR));
    index.applyItem(item('y', ['t'], 2 * HOUR));
    index.applyItem(item('x', ['t'], 2 * HOUR));
    index.applyItem(item('hot', ['t'], -HOUR));
    index.applyItem(item('hated', ['t'], 3 * HOUR));
    index.applyItem(item('bad', ['t'], 3 * HOUR, true));
    index.applyEvent(ev('u', 'old', 'save', 0));
    index.applyEvent(ev('u', 'hot', 'click', 0));
    index.applyEvent(ev('u', 'z', 'impression', 0));
    index.applyEvent(ev('u', 'hated', 'hide', 0));
    index.applyEvent(ev('u', 'bad', 'save', 0));
    const fresh = (n: number, at: number) => index.topFresh(n, at).map((i) => index.ids.id(i));
    // Positive popularity first (hot 1 > z 0.02), then no engagement newest first (x and y at 2h: by id), then negative.
    expect(fresh(10, 3 * HOUR)).toEqual(['hot', 'z', 'x', 'y', 'hated']);
    expect(fresh(3, 3 * HOUR)).toEqual(['hot', 'z', 'x']);
    // At 9.5h the window starts at −0.5h: hot (created at −1h) has left it, for good.
    expect(fresh(10, 9.5 * HOUR)).toEqual(['z', 'x', 'y', 'hated']);
    expect(fresh(10, 3 * HOUR)).toEqual(['z', 'x', 'y', 'hated']);
    // A hide on z takes it below the items without engagement; a click lifts y to the top.
    index.applyEvent(ev('u', 'z', 'hide', 0));
    index.applyEvent(ev('u', 'y', 'click', 0));
    expect(fresh(10, 9.5 * HOUR)).toEqual(['y', 'x', 'z', 'hated']);
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
