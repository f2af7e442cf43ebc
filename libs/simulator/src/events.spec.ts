import { EngagementEvent, RecsysError } from '@recsys/domain';
import { bestBoard, DAY_MS, generateWorld, simulateEvents } from './index';

const world = generateWorld({ seed: 3 });
const stream = [...simulateEvents(world, { seed: 5, events: 50_000 })];

function take(gen: Generator<EngagementEvent>, n: number): EngagementEvent[] {
  const out: EngagementEvent[] = [];
  for (const e of gen) {
    out.push(e);
    if (out.length === n) break;
  }
  return out;
}

describe('simulateEvents: determinism and counts', () => {
  it('replays identically for the same seed and differs for another seed', () => {
    const first = take(simulateEvents(world, { seed: 5, events: 50_000 }), 1000);
    expect(first).toEqual(stream.slice(0, 1000));
    const again = [...simulateEvents(generateWorld({ seed: 3 }), { seed: 9, events: 1000 })];
    expect([...simulateEvents(world, { seed: 9, events: 1000 })]).toEqual(again);
    const other = [...simulateEvents(world, { seed: 10, events: 1000 })];
    expect(other.map((e) => `${e.userId}/${e.itemId}`)).not.toEqual(again.map((e) => `${e.userId}/${e.itemId}`));
  });

  it('produces exactly the requested number of events', () => {
    expect(stream).toHaveLength(50_000);
    for (const n of [0, 1, 7, 1234]) expect([...simulateEvents(world, { seed: 1, events: n })]).toHaveLength(n);
  });

  it('numbers events ev_<seed>_<n> in stream order', () => {
    expect(stream.filter((e, n) => e.eventId !== `ev_5_${n}`)).toEqual([]);
  });

  it('is lazy: a few events of a huge target come out without simulating the rest', () => {
    const first = take(simulateEvents(world, { seed: 2, events: 1_000_000_000 }), 500);
    expect(first).toHaveLength(500);
    expect(first[499].eventId).toBe('ev_2_499');
  });
});

describe('simulateEvents: time and causality', () => {
  it('is ordered by time and stays inside the window', () => {
    expect(stream.filter((e, i) => i > 0 && e.timestampMs < stream[i - 1].timestampMs)).toEqual([]);
    expect(stream[0].timestampMs).toBeGreaterThanOrEqual(world.startMs);
    expect(stream[stream.length - 1].timestampMs).toBeLessThan(world.endMs);
    // The adaptive session rate spreads the stream over the whole window.
    expect(stream[stream.length - 1].timestampMs).toBeGreaterThan(world.endMs - 2 * DAY_MS);
  });

  it('honours a custom window', () => {
    const startMs = world.startMs + 10 * DAY_MS;
    const endMs = startMs + DAY_MS;
    const events = [...simulateEvents(world, { seed: 4, events: 3000, startMs, endMs })];
    expect(events).toHaveLength(3000);
    for (const e of events) {
      expect(e.timestampMs).toBeGreaterThanOrEqual(startMs);
      expect(e.timestampMs).toBeLessThan(endMs);
    }
  });

  it('emits clicks only after an impression of the same user and pin in the same request, and saves, shares, dwell only after a click', () => {
    const impressions = new Map<string, number>();
    const clicks = new Map<string, number>();
    const key = (e: EngagementEvent) => `${e.requestId}|${e.userId}|${e.itemId}|${e.position}`;
    const violations: EngagementEvent[] = [];
    let checked = 0;
    for (const e of stream) {
      if (e.type === 'impression') {
        if (impressions.has(key(e))) violations.push(e);
        impressions.set(key(e), e.timestampMs);
      } else if (e.type === 'click' || e.type === 'hide') {
        if (!((impressions.get(key(e)) ?? Infinity) < e.timestampMs)) violations.push(e);
        if (e.type === 'click') clicks.set(key(e), e.timestampMs);
        checked++;
      } else if (!((clicks.get(key(e)) ?? Infinity) < e.timestampMs)) {
        violations.push(e);
      }
    }
    expect(violations).toEqual([]);
    expect(checked).toBeGreaterThan(1000);
  });

  it('fills dwell and board fields only where they belong: a save lands on the user’s best-matching board', () => {
    const wrong = stream.filter((e) => {
      const dwellOk = e.type === 'dwell' ? e.dwellMs >= 500 && e.dwellMs <= 120_000 : e.dwellMs === 0;
      const board = e.type === 'save' ? bestBoard(world, { id: e.userId }, { id: e.itemId }).id : '';
      return !dwellOk || e.boardId !== board || e.surface !== 'home_feed' || !/^req_5_\d+$/.test(e.requestId);
    });
    expect(wrong).toEqual([]);
    expect(stream.filter((e) => e.type === 'save' && /^board_\d{6}$/.test(e.boardId)).length).toBeGreaterThan(100);
  });
});

describe('simulateEvents: logging policy and engagement', () => {
  const sessions = new Map<string, EngagementEvent[]>();
  for (const e of stream) {
    if (e.type !== 'impression') continue;
    const page = sessions.get(e.requestId);
    if (page) page.push(e);
    else sessions.set(e.requestId, [e]);
  }

  it('shows pages of up to 10 distinct, safe pins that exist, to users who have signed up', () => {
    const pins = new Map(world.pins.map((p) => [p.id, p]));
    const users = new Map(world.users.map((u) => [u.id, u]));
    let full = 0;
    const badPages: string[] = [];
    for (const [requestId, page] of sessions) {
      if (page.length === 10) full++;
      const start = page[0].timestampMs;
      // Positions run 0, 1, 2... in impression order (the last page may be cut by the exact event count).
      const ok =
        page.length <= 10 &&
        new Set(page.map((e) => e.itemId)).size === page.length &&
        new Set(page.map((e) => e.userId)).size === 1 &&
        page.every((e, i) => e.position === i) &&
        page.every((e) => {
          const pin = pins.get(e.itemId);
          const user = users.get(e.userId);
          return pin !== undefined && !pin.unsafe && pin.createdAtMs <= start && user !== undefined && user.signupAtMs <= start;
        });
      if (!ok) badPages.push(requestId);
    }
    expect(badPages).toEqual([]);
    expect(full / sessions.size).toBeGreaterThan(0.95);
  });

  it('has an overall click-through rate in a plausible 2–15% band', () => {
    const impressions = stream.filter((e) => e.type === 'impression').length;
    const clicks = stream.filter((e) => e.type === 'click').length;
    expect(clicks / impressions).toBeGreaterThan(0.02);
    expect(clicks / impressions).toBeLessThan(0.15);
    const saves = stream.filter((e) => e.type === 'save').length;
    expect(saves).toBeGreaterThan(0);
    expect(saves).toBeLessThan(clicks);
  });

  it('shows the position bias in the log: the top slot is clicked more than the last', () => {
    const rate = (position: number) => {
      const shown = stream.filter((e) => e.type === 'impression' && e.position === position).length;
      return stream.filter((e) => e.type === 'click' && e.position === position).length / shown;
    };
    expect(rate(0)).toBeGreaterThan(1.8 * rate(9));
  });

  it('serves a heavy-tailed mix of users: the most active 10% open more than a quarter of sessions', () => {
    const perUser = new Map<string, number>();
    for (const page of sessions.values()) perUser.set(page[0].userId, (perUser.get(page[0].userId) ?? 0) + 1);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    const top = counts.slice(0, Math.ceil(world.users.length / 10)).reduce((s, c) => s + c, 0);
    expect(top / sessions.size).toBeGreaterThan(0.25);
  });
});

describe('simulateEvents: validation', () => {
  const fieldOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (error) {
      return error instanceof RecsysError && error.category === 'bad-request' ? error.field : 'wrong error';
    }
    return undefined;
  };

  it('rejects bad options when called, before the first event', () => {
    expect(fieldOf(() => simulateEvents(world, { seed: 1, events: -1 }))).toBe('events');
    expect(fieldOf(() => simulateEvents(world, { seed: 1, events: 1.5 }))).toBe('events');
    expect(fieldOf(() => simulateEvents(world, { seed: 1, events: 10, pageSize: 0 }))).toBe('pageSize');
    expect(fieldOf(() => simulateEvents(world, { seed: 1, events: 10, endMs: world.startMs + 1000 }))).toBe('endMs');
    // A window that ends before any pin exists cannot produce events.
    expect(fieldOf(() => simulateEvents(world, { seed: 1, events: 10, startMs: world.startMs - DAY_MS, endMs: world.startMs }))).toBe('endMs');
  });
});
