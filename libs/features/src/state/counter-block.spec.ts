import type { EventType } from '@recsys/domain';
import fc from 'fast-check';
import { COUNTER, COUNTER_NAMES, type CounterName } from '../definitions/event-updates';
import { WINDOW, WINDOWS } from '../definitions/windows';
import { DAY, HOUR, MINUTE, T0, blockOf } from '../testing/fixtures';
import { countInto, emptyBlock, windowCount, windowTotals, type CounterBlock } from './counter-block';

// Bucket indexes of T0 (aligned to every bucket width) in the 1h, 24h and 7d windows.
const B5 = T0 / (5 * MINUTE);
const H = T0 / HOUR;
const D = T0 / DAY;

const W1H = WINDOW['1h'];
const W24H = WINDOW['24h'];
const W7D = WINDOW['7d'];

const bucketsOf = (block: CounterBlock, window: number) => block.windows[window].map((s) => s.bucket);
const clicksAt = (times: number[]) => blockOf(times.map((t) => ['click', t] as const));

describe('WINDOWS', () => {
  it('are 12 × 5 min, 24 × 1 h and 7 × 1 d', () => {
    expect(WINDOWS.map((w) => [w.name, w.bucketMs, w.buckets])).toEqual([
      ['1h', 5 * MINUTE, 12],
      ['24h', HOUR, 24],
      ['7d', DAY, 7],
    ]);
  });
});

describe('windowCount', () => {
  it('1h: the current partial 5-min bucket plus the 11 before it, so between 55 and 60 minutes', () => {
    // Buckets B5, B5 (last ms of it) and B5 + 6.
    const block = clicksAt([T0, T0 + 5 * MINUTE - 1, T0 + 30 * MINUTE]);
    expect(windowCount(block, W1H, 'clicks', T0 + 30 * MINUTE)).toBe(3); // B5 + 6 is the current, partial bucket
    expect(windowCount(block, W1H, 'clicks', T0 + 60 * MINUTE - 1)).toBe(3); // bucket B5 + 11: (B5 − 1, B5 + 11]
    // At T0 + 60 min the window is (B5, B5 + 12]: the event exactly one window old is out, and so is the one only
    // 55 min + 1 ms old, because it shares its bucket.
    expect(windowCount(block, W1H, 'clicks', T0 + 60 * MINUTE)).toBe(1);
    expect(windowCount(block, W1H, 'clicks', T0 + 90 * MINUTE - 1)).toBe(1); // (B5 + 5, B5 + 17]
    expect(windowCount(block, W1H, 'clicks', T0 + 90 * MINUTE)).toBe(0); // (B5 + 6, B5 + 18]
  });

  it('never counts events in buckets after now', () => {
    // Reads before the newest event are exact while no newer bucket has pruned the ones read (see countInto).
    const hourly = clicksAt([T0, T0 + 5 * MINUTE, T0 + 30 * MINUTE, T0 + HOUR, T0 + 5 * HOUR]);
    for (let w = 0; w < WINDOWS.length; w++) expect(windowCount(hourly, w, 'clicks', T0 - 1)).toBe(0);
    expect(windowCount(hourly, W24H, 'clicks', T0 + HOUR - 1)).toBe(3);
    expect(windowCount(hourly, W24H, 'clicks', T0 + HOUR)).toBe(4);
    expect(windowCount(hourly, W24H, 'clicks', T0 + 5 * HOUR - 1)).toBe(4);
    expect(windowCount(hourly, W24H, 'clicks', T0 + 5 * HOUR)).toBe(5);
    const daily = clicksAt([T0, T0 + 12 * HOUR, T0 + DAY]);
    expect(windowCount(daily, W7D, 'clicks', T0 - 1)).toBe(0);
    expect(windowCount(daily, W7D, 'clicks', T0 + DAY - 1)).toBe(2);
    expect(windowCount(daily, W7D, 'clicks', T0 + DAY)).toBe(3);
    const recent = clicksAt([T0, T0 + 5 * MINUTE, T0 + 30 * MINUTE]);
    expect(windowCount(recent, W1H, 'clicks', T0 + 5 * MINUTE - 1)).toBe(1);
    expect(windowCount(recent, W1H, 'clicks', T0 + 30 * MINUTE - 1)).toBe(2);
    expect(windowCount(recent, W1H, 'clicks', T0 + 30 * MINUTE)).toBe(3);
  });

  it('counts the whole current bucket: its granularity is one bucket (the documented formula)', () => {
    // Both events are in bucket B5 of the 1h window, so at T0 + 1 min the one at T0 + 4 min counts too.
    const block = clicksAt([T0, T0 + 4 * MINUTE]);
    expect(windowCount(block, W1H, 'clicks', T0 + MINUTE)).toBe(2);
  });

  it('24h: 24 hourly buckets; an event exactly 24 h old is out', () => {
    const block = clicksAt([T0, T0 + 30 * MINUTE, T0 + 23 * HOUR]); // hours H, H, H + 23
    expect(windowCount(block, W24H, 'clicks', T0 + 23 * HOUR)).toBe(3);
    expect(windowCount(block, W24H, 'clicks', T0 + 24 * HOUR - 1)).toBe(3); // (H − 1, H + 23]
    expect(windowCount(block, W24H, 'clicks', T0 + 24 * HOUR)).toBe(1); // (H, H + 24]
    expect(windowCount(block, W24H, 'clicks', T0 + 47 * HOUR - 1)).toBe(1);
    expect(windowCount(block, W24H, 'clicks', T0 + 47 * HOUR)).toBe(0);
    // The 1h window of the same block at T0 + 23 h holds only the last event.
    expect(windowCount(block, W1H, 'clicks', T0 + 23 * HOUR)).toBe(1);
  });

  it('7d: 7 daily buckets (UTC days); an event exactly 7 days old is out', () => {
    const block = clicksAt([T0, T0 + 12 * HOUR, T0 + 3 * DAY]); // days D, D, D + 3
    expect(windowCount(block, W7D, 'clicks', T0 + 7 * DAY - 1)).toBe(3);
    expect(windowCount(block, W7D, 'clicks', T0 + 7 * DAY)).toBe(1); // T0 + 12 h is only 6.5 days old but in day D
    expect(windowCount(block, W7D, 'clicks', T0 + 10 * DAY - 1)).toBe(1);
    expect(windowCount(block, W7D, 'clicks', T0 + 10 * DAY)).toBe(0);
  });

  it('keeps every counter per window, dwell time included', () => {
    const block = blockOf([
      ['impression', T0],
      ['impression', T0 + MINUTE],
      ['click', T0 + 2 * MINUTE],
      ['save', T0 + 3 * MINUTE],
      ['share', T0 + 3 * MINUTE],
      ['hide', T0 + 3 * MINUTE],
      ['dwell', T0 + 4 * MINUTE, 1500],
    ]);
    const at = (window: number, nowMs: number) => COUNTER_NAMES.map((name) => windowCount(block, window, name, nowMs));
    // impressions, clicks, saves, shares, hides, dwells, dwell_ms
    expect(at(W1H, T0 + 4 * MINUTE)).toEqual([2, 1, 1, 1, 1, 1, 1500]);
    countInto(block, 'dwell', 500, T0 + 2 * HOUR);
    expect(at(W1H, T0 + 2 * HOUR)).toEqual([0, 0, 0, 0, 0, 1, 500]);
    expect(at(W24H, T0 + 2 * HOUR)).toEqual([2, 1, 1, 1, 1, 2, 2000]);
    expect(at(W24H, T0 + 24 * HOUR)).toEqual([0, 0, 0, 0, 0, 1, 500]);
    expect(at(W7D, T0 + 6 * DAY)).toEqual([2, 1, 1, 1, 1, 2, 2000]);
    expect(Array.from(block.totals)).toEqual([2, 1, 1, 1, 1, 2, 2000]);
  });

  it('windowTotals gives every counter of every window at once, window-major', () => {
    const block = blockOf([
      ['click', T0 - 2 * HOUR],
      ['impression', T0 - 10 * MINUTE],
      ['dwell', T0 - DAY, 700],
    ]);
    const totals = Array.from(windowTotals(block, T0));
    // impressions, clicks, saves, shares, hides, dwells, dwell_ms per window: 1h, 24h, 7d.
    expect(totals).toEqual([1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 700]);
    expect(Array.from(windowTotals(emptyBlock(), T0))).toEqual(new Array(3 * 7).fill(0));
  });

  it('is 0 for an empty block', () => {
    for (let w = 0; w < WINDOWS.length; w++) expect(windowCount(emptyBlock(), w, 'clicks', T0)).toBe(0);
  });
});

describe('countInto', () => {
  it('keeps all-time totals however old the events', () => {
    const block = blockOf([
      ['click', T0],
      ['click', T0 + 30 * DAY],
      ['dwell', T0 - 400 * DAY, 250],
      ['impression', T0 + 60 * DAY],
    ]);
    expect(block.totals[COUNTER.clicks]).toBe(2);
    expect(block.totals[COUNTER.impressions]).toBe(1);
    expect(block.totals[COUNTER.dwells]).toBe(1);
    expect(block.totals[COUNTER.dwell_ms]).toBe(250);
    expect(windowCount(block, W7D, 'clicks', T0 + 60 * DAY)).toBe(0);
  });

  it('prunes each window to at most `buckets` slots, newest first', () => {
    // 15 clicks 5 min apart: 5-min buckets B5 … B5 + 14, hours H (0–55 min) and H + 1 (60–70 min), day D.
    const block = clicksAt(Array.from({ length: 15 }, (_, k) => T0 + k * 5 * MINUTE));
    expect(bucketsOf(block, W1H)).toEqual(Array.from({ length: 12 }, (_, k) => B5 + 14 - k));
    expect(block.windows[W1H].every((s) => s.counts[COUNTER.clicks] === 1)).toBe(true);
    expect(bucketsOf(block, W24H)).toEqual([H + 1, H]);
    expect(block.windows[W24H].map((s) => s.counts[COUNTER.clicks])).toEqual([3, 12]);
    expect(bucketsOf(block, W7D)).toEqual([D]);
    expect(block.windows[W7D][0].counts[COUNTER.clicks]).toBe(15);

    // 30 daily clicks: the 7d window keeps the last 7 days; each hour bucket is 24 behind the next, so 1 is left.
    const daily = clicksAt(Array.from({ length: 30 }, (_, k) => T0 + k * DAY));
    expect(bucketsOf(daily, W7D)).toEqual([D + 29, D + 28, D + 27, D + 26, D + 25, D + 24, D + 23]);
    expect(bucketsOf(daily, W24H)).toEqual([H + 29 * 24]);
    expect(bucketsOf(daily, W1H)).toEqual([B5 + 29 * 288]);
  });

  it('counts an older event that is still inside the window into its bucket, in bucket order', () => {
    const block = clicksAt([T0 + 50 * MINUTE]); // B5 + 10
    countInto(block, 'click', 0, T0 + 10 * MINUTE); // B5 + 2: inside (B5 − 2, B5 + 10]
    countInto(block, 'click', 0, T0 + 30 * MINUTE); // B5 + 6: between the two
    countInto(block, 'click', 0, T0 + 11 * MINUTE); // B5 + 2 again
    expect(bucketsOf(block, W1H)).toEqual([B5 + 10, B5 + 6, B5 + 2]);
    expect(block.windows[W1H].map((s) => s.counts[COUNTER.clicks])).toEqual([1, 1, 2]);
    expect(windowCount(block, W1H, 'clicks', T0 + 50 * MINUTE)).toBe(4);
  });

  it('drops an older event outside a window from that window only', () => {
    const block = clicksAt([T0 + 50 * MINUTE, T0 + 10 * MINUTE]); // B5 + 10, B5 + 2
    countInto(block, 'click', 0, T0 - 10 * MINUTE); // B5 − 2 = (B5 + 10) − 12: can never be in the 1h window again
    expect(bucketsOf(block, W1H)).toEqual([B5 + 10, B5 + 2]);
    expect(bucketsOf(block, W24H)).toEqual([H, H - 1]);
    expect(block.totals[COUNTER.clicks]).toBe(3);
    expect(windowCount(block, W1H, 'clicks', T0 + 50 * MINUTE)).toBe(2);
    expect(windowCount(block, W24H, 'clicks', T0 + 50 * MINUTE)).toBe(3);
    // A newer bucket pushes B5 + 2 out: (B5 + 2, B5 + 14].
    countInto(block, 'click', 0, T0 + 70 * MINUTE);
    expect(bucketsOf(block, W1H)).toEqual([B5 + 14, B5 + 10]);
    expect(windowCount(block, W1H, 'clicks', T0 + 70 * MINUTE)).toBe(2);
  });

  it('sets lastEngagedAtMs from clicks, saves and shares only, to the latest of them', () => {
    const block = blockOf([
      ['impression', T0],
      ['hide', T0],
      ['dwell', T0, 100],
    ]);
    expect(block.lastEngagedAtMs).toBe(Number.NEGATIVE_INFINITY);
    countInto(block, 'click', 0, T0 + HOUR);
    expect(block.lastEngagedAtMs).toBe(T0 + HOUR);
    countInto(block, 'save', 0, T0 + 2 * HOUR);
    expect(block.lastEngagedAtMs).toBe(T0 + 2 * HOUR);
    countInto(block, 'share', 0, T0 + 3 * HOUR);
    expect(block.lastEngagedAtMs).toBe(T0 + 3 * HOUR);
    countInto(block, 'click', 0, T0 + HOUR / 2); // older: no move back
    countInto(block, 'impression', 0, T0 + 5 * HOUR);
    countInto(block, 'hide', 0, T0 + 5 * HOUR);
    countInto(block, 'dwell', 10, T0 + 5 * HOUR);
    expect(block.lastEngagedAtMs).toBe(T0 + 3 * HOUR);
  });
});

describe('counter block properties', () => {
  const TYPES: readonly EventType[] = ['impression', 'click', 'save', 'share', 'hide', 'dwell'];
  const COUNTED: Readonly<Record<EventType, CounterName>> = {
    impression: 'impressions',
    click: 'clicks',
    save: 'saves',
    share: 'shares',
    hide: 'hides',
    dwell: 'dwells',
  };
  type Ev = readonly [EventType, number, number];

  // Times over ~11 days around T0, half of them on or next to a 5-min boundary (hence also hour and day boundaries).
  const time = fc.oneof(
    fc.integer({ min: -DAY, max: 10 * DAY }).map((dt) => T0 + dt),
    fc.tuple(fc.integer({ min: -288, max: 2880 }), fc.constantFrom(-1, 0, 1)).map(([k, d]) => T0 + k * 5 * MINUTE + d),
  );
  const ev: fc.Arbitrary<Ev> = fc.tuple(fc.constantFrom(...TYPES), time, fc.integer({ min: 0, max: 10_000 }));
  const gap = fc.oneof(
    fc.constant(0),
    fc.integer({ min: 0, max: 9 * DAY }),
    fc.tuple(fc.integer({ min: 0, max: 9 * 288 }), fc.constantFrom(-1, 0)).map(([k, d]) => Math.max(0, k * 5 * MINUTE + d)),
  );

  /** The window's definition, computed from the raw events. */
  function bruteForce(events: readonly Ev[], window: (typeof WINDOWS)[number], name: CounterName, nowMs: number): number {
    const current = Math.floor(nowMs / window.bucketMs);
    let sum = 0;
    for (const [type, t, dwellMs] of events) {
      const bucket = Math.floor(t / window.bucketMs);
      if (bucket <= current - window.buckets || bucket > current) continue;
      if (name === 'dwell_ms') sum += type === 'dwell' ? dwellMs : 0;
      else if (COUNTED[type] === name) sum += 1;
    }
    return sum;
  }

  it('windowCount and windowTotals equal a brute-force count for events in any order and any now at or after the latest event', () => {
    fc.assert(
      fc.property(fc.array(ev, { minLength: 1, maxLength: 60 }), gap, (events, after) => {
        const block = blockOf(events);
        const nowMs = Math.max(...events.map((e) => e[1])) + after;
        const expected = WINDOWS.flatMap((window) => COUNTER_NAMES.map((name) => bruteForce(events, window, name, nowMs)));
        const counts = WINDOWS.flatMap((_, w) => COUNTER_NAMES.map((name) => windowCount(block, w, name, nowMs)));
        expect(counts).toEqual(expected);
        expect(Array.from(windowTotals(block, nowMs))).toEqual(expected); // window-major, COUNTER_NAMES order
      }),
    );
  });

  it('keeps at most `buckets` distinct slots per window, newest first, and totals and lastEngagedAtMs exact', () => {
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 60 }), (events) => {
        const block = blockOf(events);
        WINDOWS.forEach((window, w) => {
          const buckets = bucketsOf(block, w);
          expect(buckets.length).toBeLessThanOrEqual(window.buckets);
          for (let i = 1; i < buckets.length; i++) expect(buckets[i]).toBeLessThan(buckets[i - 1]);
          if (buckets.length > 0) expect(buckets[0]).toBe(Math.max(...events.map((e) => Math.floor(e[1] / window.bucketMs))));
        });
        COUNTER_NAMES.forEach((name, i) => {
          const expected = name === 'dwell_ms' ? events.reduce((s, e) => s + (e[0] === 'dwell' ? e[2] : 0), 0) : events.filter((e) => COUNTED[e[0]] === name).length;
          expect(block.totals[i]).toBe(expected);
        });
        const engaged = events.filter((e) => e[0] === 'click' || e[0] === 'save' || e[0] === 'share').map((e) => e[1]);
        expect(block.lastEngagedAtMs).toBe(Math.max(Number.NEGATIVE_INFINITY, ...engaged));
      }),
    );
  });

  it('does not depend on the order the events are counted in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(ev, fc.double({ noNaN: true })), { maxLength: 60 }),
        (keyed) => {
          const events = keyed.map(([e]) => e);
          const shuffled = [...keyed].sort((a, b) => a[1] - b[1]).map(([e]) => e);
          expect(blockOf(shuffled)).toStrictEqual(blockOf(events));
        },
      ),
    );
  });
});
