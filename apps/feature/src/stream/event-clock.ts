/** The time features are read at: the later of the wall clock and the newest event or upsert time seen. */

/**
 * A clock that never runs behind the event stream. Time-dependent features (item age, account age, affinity decay)
 * are computed at {@link EventClock.now}; taking the later of wall clock and the newest event time keeps them
 * sensible when a replayed log's timestamps run ahead of this machine's clock (a simulated world), and equals the
 * wall clock in normal operation.
 */
export class EventClock {
  private latestMs = Number.NEGATIVE_INFINITY;

  /** @param wall the wall clock, ms since the Unix epoch. */
  constructor(private readonly wall: () => number = Date.now) {}

  /** Records an event or upsert time; non-finite values are ignored. */
  observe(tMs: number): void {
    if (Number.isFinite(tMs) && tMs > this.latestMs) this.latestMs = tMs;
  }

  /** max(wall clock, newest observed time), ms since the Unix epoch. */
  now(): number {
    return Math.max(this.wall(), this.latestMs);
  }
}
