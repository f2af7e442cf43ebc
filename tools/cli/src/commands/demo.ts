/** `recsys demo load`: generates the seeded demo world and loads it through the public API. */
import { eventToWire, itemToWire, userToWire } from '@recsys/contracts';
import type { EngagementEvent } from '@recsys/domain';
import { generateWorld, simulateEvents } from '@recsys/simulator';
import { orchestratorClient } from '../client';
import { progressBar } from '../progress';

/** Size and seed of the demo world. */
export interface DemoOptions {
  addr: string;
  seed: number;
  pins: number;
  users: number;
  events: number;
  /** Days of history the world spans, ending today (UTC midnight). */
  days: number;
  /** Show progress bars (default true). */
  progress?: boolean;
  /** Called with every event as it is sent (e.g. to build models from the same events without reading them back). */
  onEvent?: (event: EngagementEvent) => void;
}

/** The demo world `npm start` loads. */
export const DEMO_DEFAULTS: Omit<DemoOptions, 'addr'> = { seed: 7, pins: 100_000, users: 10_000, events: 1_000_000, days: 30 };

const BATCH = 1000;
const DAY_MS = 86_400_000;

/** What was loaded. */
export interface DemoSummary {
  users: number;
  pins: number;
  events: number;
  /** Ids of a few users with history, for examples. */
  exampleUserIds: string[];
  seconds: number;
  /** The world's start, ms since the epoch (with seed, sizes and days it regenerates the same world: `recsys simulate`). */
  startMs: number;
}

/** Generates the world and sends users, pins and events to the orchestrator in batches. */
export async function loadDemo(opts: DemoOptions): Promise<DemoSummary> {
  const started = Date.now();
  // The history ends at today's UTC midnight, so the world is the same all day and its events are recent.
  const startMs = Math.floor(Date.now() / DAY_MS) * DAY_MS - opts.days * DAY_MS;
  const world = generateWorld({ seed: opts.seed, pins: opts.pins, users: opts.users, startMs, days: opts.days });
  const client = orchestratorClient(opts.addr, 30_000);
  const show = opts.progress ?? true;
  try {
    const send = async <T>(label: string, all: T[], call: (batch: T[]) => Promise<unknown>) => {
      const bar = show ? progressBar(label.padEnd(7), all.length) : undefined;
      for (let i = 0; i < all.length; i += BATCH) {
        await call(all.slice(i, i + BATCH));
        bar?.update(Math.min(all.length, i + BATCH));
      }
      bar?.done();
    };
    await send('users', world.users, (users) => client.upsertUsers({ users: users.map(userToWire) }));
    await send('pins', world.pins, (items) => client.upsertItems({ items: items.map(itemToWire) }));

    const bar = show ? progressBar('events ', opts.events) : undefined;
    const active = new Map<string, number>();
    let batch: ReturnType<typeof eventToWire>[] = [];
    let sent = 0;
    for (const event of simulateEvents(world, { seed: opts.seed, events: opts.events })) {
      if (event.type !== 'impression') active.set(event.userId, (active.get(event.userId) ?? 0) + 1);
      opts.onEvent?.(event);
      batch.push(eventToWire(event));
      if (batch.length === BATCH) {
        await client.logEvents({ events: batch });
        sent += batch.length;
        batch = [];
        bar?.update(sent);
      }
    }
    if (batch.length > 0) {
      await client.logEvents({ events: batch });
      sent += batch.length;
    }
    bar?.done();
    const exampleUserIds = [...active.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([id]) => id);
    return { users: world.users.length, pins: world.pins.length, events: sent, exampleUserIds, seconds: (Date.now() - started) / 1000, startMs };
  } finally {
    client.close();
  }
}
