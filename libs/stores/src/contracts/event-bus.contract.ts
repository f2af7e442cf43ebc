// Contract suite every EventBus adapter must pass (the file log embedded, Kafka in production); call it from a spec.
import { randomBytes } from 'node:crypto';
import type { DeadLetter, DeliveredMessage, EventBus, OutgoingMessage, SubscribeOptions } from '../ports';

const TEST_TIMEOUT_MS = 30_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

function text(message: { value: Uint8Array }): string {
  return decoder.decode(message.value);
}

function messages(key: (i: number) => string, values: string[]): OutgoingMessage[] {
  return values.map((value, i) => ({ key: key(i), value: encoder.encode(value) }));
}

function range(prefix: string, from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`${prefix}${i}`);
  return out;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Values per key in delivery (or publication) order. The bus orders messages per key only: messages of different keys
 * may sit in different partitions (Kafka), whose relative order is not defined.
 */
function valuesByKey(list: readonly (OutgoingMessage | DeliveredMessage)[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const message of list) (out[message.key] ??= []).push(text(message));
  return out;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

/**
 * Defines the EventBus contract tests (jest `describe`/`it`) for one adapter. `open` must return a bus that
 * every call can use with fresh, unique topic and group names (tests never reuse a topic), and `close()` must stop
 * the bus's subscriptions. The suite relies on: `caughtUp()` resolving only once the handled position has been
 * committed; topic names of letters, digits, `.`, `-`, `_` being accepted and others refused. Order is asserted per
 * key only (an adapter may spread keys over partitions); a handler batch is one partition's messages in offset order.
 */
export function eventBusContract(name: string, open: () => Promise<EventBus>): void {
  describe(`EventBus contract: ${name}`, () => {
    let bus: EventBus;

    beforeEach(async () => {
      bus = await open();
    });

    afterEach(async () => {
      await bus.close();
    });

    /** Subscribes with a handler that records every message it accepts. */
    async function record(options: Omit<SubscribeOptions, 'handler'>, received: DeliveredMessage[] = []) {
      const subscription = await bus.subscribe({
        ...options,
        handler: async (batch) => {
          received.push(...batch);
        },
      });
      return { subscription, received };
    }

    it(
      'delivers key, value bytes, headers, topic and a timestamp as published',
      async () => {
        const topic = unique('contract.fields');
        const bytes = new Uint8Array([0, 1, 2, 127, 128, 255, 10, 13]);
        const before = Date.now();
        await bus.publish(topic, [
          { key: 'user-1', value: bytes, headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', empty: '' } },
          { key: 'user-2', value: new Uint8Array(0) },
        ]);
        const after = Date.now();
        const { subscription, received } = await record({ topic, groupId: unique('g'), from: 'earliest' });
        await subscription.caughtUp();

        expect(received).toHaveLength(2);
        const first = received.find((m) => m.key === 'user-1') as DeliveredMessage;
        const second = received.find((m) => m.key === 'user-2') as DeliveredMessage;
        expect(first.topic).toBe(topic);
        expect(first.key).toBe('user-1');
        expect(Array.from(first.value)).toEqual(Array.from(bytes));
        expect(first.headers).toEqual({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', empty: '' });
        expect(first.timestampMs).toBeGreaterThanOrEqual(before - 1_000);
        expect(first.timestampMs).toBeLessThanOrEqual(after + 1_000);
        expect(second.key).toBe('user-2');
        expect(second.value).toHaveLength(0);
        expect(second.headers).toEqual({});
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'keeps the order of each key across publish calls and batches, never exceeding maxBatch',
      async () => {
        const topic = unique('contract.order');
        const keys = ['alice', 'bob', 'carol', 'dave'];
        const sequence = new Map(keys.map((k) => [k, 0]));
        for (let call = 0; call < 5; call++) {
          const batch: OutgoingMessage[] = [];
          for (let i = 0; i < 40; i++) {
            const key = keys[(i * 7 + call) % keys.length];
            const n = sequence.get(key) ?? 0;
            sequence.set(key, n + 1);
            batch.push({ key, value: encoder.encode(`${key}:${n}`) });
          }
          await bus.publish(topic, batch);
        }
        const batches: DeliveredMessage[][] = [];
        const received: DeliveredMessage[] = [];
        const subscription = await bus.subscribe({
          topic,
          groupId: unique('g'),
          from: 'earliest',
          maxBatch: 7,
          handler: async (batch) => {
            batches.push(batch);
            received.push(...batch);
          },
        });
        await subscription.caughtUp();

        expect(received).toHaveLength(200);
        expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(7);
        for (const batch of batches) {
          expect(new Set(batch.map((m) => m.partition)).size).toBe(1);
          for (let i = 1; i < batch.length; i++) expect(batch[i].offset).toBeGreaterThan(batch[i - 1].offset);
        }
        for (const message of received) {
          expect(Number.isInteger(message.partition)).toBe(true);
          expect(message.partition).toBeGreaterThanOrEqual(0);
        }
        for (const key of keys) {
          const mine = received.filter((m) => m.key === key);
          expect(mine.map(text)).toEqual(range(`${key}:`, 0, sequence.get(key) ?? 0));
          expect(new Set(mine.map((m) => m.partition)).size).toBe(1);
          for (let i = 1; i < mine.length; i++) expect(mine[i].offset).toBeGreaterThan(mine[i - 1].offset);
        }
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'redelivers a batch whose handler threw until it succeeds (at-least-once)',
      async () => {
        const topic = unique('contract.retry');
        await bus.publish(topic, messages(() => 'k', range('m', 0, 10)));
        let failuresLeft = 2;
        let deliveriesOfM3 = 0;
        const handled: string[] = [];
        const subscription = await bus.subscribe({
          topic,
          groupId: unique('g'),
          from: 'earliest',
          handler: async (batch) => {
            const values = batch.map(text);
            if (values.includes('m3')) {
              deliveriesOfM3 += 1;
              if (failuresLeft > 0) {
                failuresLeft -= 1;
                throw new Error('simulated handler failure');
              }
            }
            handled.push(...values);
          },
        });
        await subscription.caughtUp();

        expect(deliveriesOfM3).toBe(3);
        expect(handled).toEqual(range('m', 0, 10));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'after a consumer crash, a new member of the group resumes from the last committed position',
      async () => {
        const topic = unique('contract.crash');
        const groupId = unique('g');
        const before = messages((i) => `k${i % 2}`, range('m', 0, 5));
        const after = messages((i) => `k${i % 2}`, range('m', 5, 10));
        await bus.publish(topic, before);
        let crashed = false;
        let attemptsWhileCrashed = 0;
        const handledBefore: DeliveredMessage[] = [];
        const first = await bus.subscribe({
          topic,
          groupId,
          from: 'earliest',
          handler: async (batch) => {
            if (crashed) {
              attemptsWhileCrashed += 1;
              throw new Error('consumer crashed mid-batch');
            }
            handledBefore.push(...batch);
          },
        });
        await first.caughtUp();
        expect(valuesByKey(handledBefore)).toEqual(valuesByKey(before));

        crashed = true;
        await bus.publish(topic, after);
        await waitUntil(() => attemptsWhileCrashed > 0, 'the crashing handler to see the new messages');
        await first.stop();

        const { subscription: second, received } = await record({ topic, groupId, from: 'earliest' });
        await second.caughtUp();
        expect(valuesByKey(received)).toEqual(valuesByKey(after));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a committed position wins over `from`: a group that stopped cleanly resumes where it was',
      async () => {
        const topic = unique('contract.resume');
        const groupId = unique('g');
        await bus.publish(topic, messages(() => 'k', range('m', 0, 3)));
        const first = await record({ topic, groupId, from: 'earliest' });
        await first.subscription.caughtUp();
        await first.subscription.stop();
        expect(first.received.map(text)).toEqual(range('m', 0, 3));

        await bus.publish(topic, messages(() => 'k', range('m', 3, 5)));
        const second = await record({ topic, groupId, from: 'latest' });
        await second.subscription.caughtUp();
        expect(second.received.map(text)).toEqual(range('m', 3, 5));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'stop() lets the batch in flight finish and commits it',
      async () => {
        const topic = unique('contract.stop');
        const groupId = unique('g');
        await bus.publish(topic, messages(() => 'k', range('m', 0, 3)));
        let started = false;
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const handled: string[] = [];
        const subscription = await bus.subscribe({
          topic,
          groupId,
          from: 'earliest',
          handler: async (batch) => {
            started = true;
            await gate;
            handled.push(...batch.map(text));
          },
        });
        await waitUntil(() => started, 'the handler to start');
        let stopped = false;
        const stopping = subscription.stop().then(() => (stopped = true));
        await delay(100);
        expect(stopped).toBe(false);
        release();
        await stopping;
        expect(handled).toEqual(range('m', 0, 3));

        await bus.publish(topic, messages(() => 'k', ['m3']));
        const next = await record({ topic, groupId, from: 'earliest' });
        await next.subscription.caughtUp();
        expect(next.received.map(text)).toEqual(['m3']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'ephemeral subscriptions replay from the earliest message on every start and commit nothing',
      async () => {
        const topic = unique('contract.ephemeral');
        const groupId = unique('g');
        await bus.publish(topic, messages(() => 'k', range('m', 0, 5)));
        const first = await record({ topic, groupId, from: 'earliest', ephemeral: true });
        await first.subscription.caughtUp();
        await first.subscription.stop();
        expect(first.received.map(text)).toEqual(range('m', 0, 5));

        await bus.publish(topic, messages(() => 'k', range('m', 5, 7)));
        const second = await record({ topic, groupId, from: 'earliest', ephemeral: true });
        await second.subscription.caughtUp();
        await second.subscription.stop();
        expect(second.received.map(text)).toEqual(range('m', 0, 7));

        const durable = await record({ topic, groupId, from: 'earliest' });
        await durable.subscription.caughtUp();
        expect(durable.received.map(text)).toEqual(range('m', 0, 7));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "`from: 'latest'` delivers only messages published after subscribe resolved",
      async () => {
        const topic = unique('contract.latest');
        await bus.publish(topic, messages(() => 'k', ['old0', 'old1', 'old2']));
        const { subscription, received } = await record({ topic, groupId: unique('g'), from: 'latest' });
        await bus.publish(topic, messages(() => 'k', ['new0', 'new1']));
        await subscription.caughtUp();
        expect(received.map(text)).toEqual(['new0', 'new1']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'caughtUp resolves once everything published before the call is handled, and at once on an empty topic',
      async () => {
        const empty = await record({ topic: unique('contract.empty'), groupId: unique('g'), from: 'earliest' });
        await empty.subscription.caughtUp();
        expect(empty.received).toHaveLength(0);

        const topic = unique('contract.caughtup');
        for (let call = 0; call < 3; call++) await bus.publish(topic, messages(() => `k${call}`, range(`c${call}-`, 0, 100)));
        const handled: DeliveredMessage[] = [];
        const subscription = await bus.subscribe({
          topic,
          groupId: unique('g'),
          from: 'earliest',
          maxBatch: 50,
          handler: async (batch) => {
            await delay(5);
            handled.push(...batch);
          },
        });
        await subscription.caughtUp();
        expect(handled).toHaveLength(300);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'two groups each receive every message',
      async () => {
        const topic = unique('contract.groups');
        const published = messages((i) => `k${i % 3}`, range('m', 0, 20));
        await bus.publish(topic, published);
        const a = await record({ topic, groupId: unique('a'), from: 'earliest' });
        const b = await record({ topic, groupId: unique('b'), from: 'earliest' });
        await Promise.all([a.subscription.caughtUp(), b.subscription.caughtUp()]);
        expect(valuesByKey(a.received)).toEqual(valuesByKey(published));
        expect(valuesByKey(b.received)).toEqual(valuesByKey(published));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'messages published while subscribed are delivered without another subscribe',
      async () => {
        const topic = unique('contract.live');
        const { subscription, received } = await record({ topic, groupId: unique('g'), from: 'earliest' });
        for (let i = 0; i < 5; i++) await bus.publish(topic, messages(() => 'k', [`live${i}`]));
        await waitUntil(() => received.length >= 5, 'five live messages');
        await subscription.caughtUp();
        expect(received.map(text)).toEqual(range('live', 0, 5));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'publishes returned dead letters to `<topic>.dlq` with their origin, handles the rest once and commits the batch',
      async () => {
        const topic = unique('contract.dlq');
        const groupId = unique('g');
        const traced = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
        await bus.publish(topic, [
          { key: 'k', value: encoder.encode('ok0') },
          { key: 'k', value: encoder.encode('bad1'), headers: traced },
          { key: 'k', value: encoder.encode('ok2') },
          { key: 'k', value: encoder.encode('bad3') },
        ]);
        const handled: string[] = [];
        const offered: DeliveredMessage[] = [];
        const subscription = await bus.subscribe({
          topic,
          groupId,
          from: 'earliest',
          handler: async (batch) => {
            const letters: DeadLetter[] = [];
            for (const message of batch) {
              offered.push(message);
              if (text(message).startsWith('bad')) letters.push({ message, reason: `cannot apply ${text(message)}` });
              else handled.push(text(message));
            }
            return letters;
          },
        });
        await subscription.caughtUp();
        await subscription.stop();
        expect(handled).toEqual(['ok0', 'ok2']);
        expect(offered.map(text)).toEqual(['ok0', 'bad1', 'ok2', 'bad3']);

        const dlq = await record({ topic: `${topic}.dlq`, groupId: unique('g'), from: 'earliest' });
        await dlq.subscription.caughtUp();
        expect(dlq.received.map(text)).toEqual(['bad1', 'bad3']);
        const origin = (value: string) => offered.find((m) => text(m) === value) as DeliveredMessage;
        const deadLetterHeaders = (value: string) => ({
          'x-dead-letter-reason': `cannot apply ${value}`,
          'x-dead-letter-topic': topic,
          'x-dead-letter-partition': String(origin(value).partition),
          'x-dead-letter-offset': String(origin(value).offset),
        });
        expect(dlq.received.map((m) => m.key)).toEqual(['k', 'k']);
        expect(dlq.received[0].headers).toEqual({ ...traced, ...deadLetterHeaders('bad1') });
        expect(dlq.received[1].headers).toEqual(deadLetterHeaders('bad3'));

        const next = await record({ topic, groupId, from: 'earliest' });
        await next.subscription.caughtUp();
        expect(next.received).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'publishes dead letters to a custom deadLetterTopic instead of `<topic>.dlq`',
      async () => {
        const topic = unique('contract.dlq-custom');
        const deadLetterTopic = unique('contract.dead');
        await bus.publish(topic, messages(() => 'k', ['keep', 'drop']));
        const subscription = await bus.subscribe({
          topic,
          groupId: unique('g'),
          from: 'earliest',
          deadLetterTopic,
          handler: async (batch) => batch.filter((m) => text(m) === 'drop').map((message) => ({ message, reason: 'unwanted' })),
        });
        await subscription.caughtUp();
        const custom = await record({ topic: deadLetterTopic, groupId: unique('g'), from: 'earliest' });
        const fallback = await record({ topic: `${topic}.dlq`, groupId: unique('g'), from: 'earliest' });
        await Promise.all([custom.subscription.caughtUp(), fallback.subscription.caughtUp()]);
        expect(custom.received.map(text)).toEqual(['drop']);
        expect(custom.received[0].headers['x-dead-letter-reason']).toBe('unwanted');
        expect(custom.received[0].headers['x-dead-letter-topic']).toBe(topic);
        expect(fallback.received).toEqual([]);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'refuses invalid topic names',
      async () => {
        await expect(bus.publish('bad topic!', messages(() => 'k', ['x']))).rejects.toThrow(/topic/);
        await expect(
          bus.subscribe({ topic: '../escape', groupId: unique('g'), from: 'earliest', handler: async () => undefined }),
        ).rejects.toThrow(/topic/);
        await expect(
          bus.subscribe({
            topic: unique('contract.names'),
            groupId: unique('g'),
            from: 'earliest',
            deadLetterTopic: 'dead letters',
            handler: async () => undefined,
          }),
        ).rejects.toThrow(/deadLetterTopic/);
      },
      TEST_TIMEOUT_MS,
    );
  });
}
