// The Kafka adapter against the local broker (KAFKA_BROKERS, set by tools/infra/jest-global-setup.js).
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { RecsysError } from '@recsys/domain';
import { eventBusContract } from '../contracts/event-bus.contract';
import type { DeliveredMessage } from '../ports';
import { KafkaEventBus, openKafkaEventBus, type KafkaEventBusOptions } from './kafka.event-bus';

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const encoder = new TextEncoder();
const text = (m: { value: Uint8Array }): string => new TextDecoder().decode(m.value);
const unique = (prefix: string): string => `${prefix}-${randomBytes(5).toString('hex')}`;

function openBus(options: Partial<KafkaEventBusOptions> = {}): Promise<KafkaEventBus> {
  return openKafkaEventBus({ brokers, clientId: 'recsys-test', onWarning: () => undefined, ...options });
}

eventBusContract('KafkaEventBus', () => openBus());

/** A port on 127.0.0.1 where nothing listens: bound, then released. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function rejection(promise: Promise<unknown>): Promise<RecsysError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof RecsysError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('KafkaEventBus', () => {
  const open: KafkaEventBus[] = [];

  async function bus(options: Partial<KafkaEventBusOptions> = {}): Promise<KafkaEventBus> {
    const opened = await openBus(options);
    open.push(opened);
    return opened;
  }

  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  it('rejects a publish with unavailable, naming the brokers, when no broker is reachable', async () => {
    const port = await closedPort();
    const warnings: string[] = [];
    const down = await bus({ brokers: [`127.0.0.1:${port}`], publishTimeoutMs: 1_500, adminTimeoutMs: 1_000, onWarning: (m) => warnings.push(m) });
    const error = await rejection(down.publish(unique('unreachable'), [{ key: 'k', value: encoder.encode('lost') }]));
    expect(error.category).toBe('unavailable');
    expect(error.message).toContain(`Kafka did not acknowledge 1 message(s)`);
    expect(error.message).toContain(`within 1500 ms (brokers 127.0.0.1:${port})`);
    expect(error.message).toMatch(/ECONNREFUSED|Connection error|connect/i);
    expect(warnings.some((w) => w.includes(`127.0.0.1:${port}`))).toBe(true);
    const subscribing = await rejection(down.subscribe({ topic: unique('unreachable'), groupId: 'g', from: 'earliest', handler: async () => undefined }));
    expect(subscribing.category).toBe('unavailable');
    expect(subscribing.message).toContain(`Kafka (127.0.0.1:${port})`);
  }, 30_000);

  it('rejects at once beyond maxPendingMessages and accepts again once acknowledged', async () => {
    const port = await closedPort();
    const down = await bus({ brokers: [`127.0.0.1:${port}`], maxPendingMessages: 3, publishTimeoutMs: 2_000, adminTimeoutMs: 500 });
    const topic = unique('pending');
    const waiting = down.publish(topic, [0, 1].map((i) => ({ key: 'k', value: encoder.encode(`m${i}`) })));
    waiting.catch(() => undefined);
    const over = await rejection(down.publish(topic, [2, 3].map((i) => ({ key: 'k', value: encoder.encode(`m${i}`) }))));
    expect(over.category).toBe('unavailable');
    expect(over.message).toMatch(/2 message\(s\) are already waiting .* exceed maxPendingMessages \(3\)/);
    expect((await rejection(waiting)).category).toBe('unavailable');

    const up = await bus({ maxPendingMessages: 3 });
    const topicUp = unique('pending');
    await up.publish(topicUp, [0, 1, 2].map((i) => ({ key: 'k', value: encoder.encode(`m${i}`) })));
    await up.publish(topicUp, [3, 4, 5].map((i) => ({ key: 'k', value: encoder.encode(`m${i}`) })));
    await expect(up.publish(topicUp, [0, 1, 2, 3].map((i) => ({ key: 'k', value: encoder.encode(`x${i}`) })))).rejects.toThrow(
      /exceed maxPendingMessages \(3\)/,
    );
  }, 30_000);

  it('round-trips headers, including W3C trace context, and keeps each key in one partition', async () => {
    const b = await bus();
    const topic = unique('headers');
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const keys = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    await b.publish(
      topic,
      keys.flatMap((key) => [0, 1].map((n) => ({ key, value: encoder.encode(`${key}/${n}`), headers: { traceparent, tracestate: `n=${n}`, 'x-ünïcode': 'värde ✓' } }))),
    );
    const received: DeliveredMessage[] = [];
    const subscription = await b.subscribe({ topic, groupId: unique('g'), from: 'earliest', handler: async (batch) => void received.push(...batch) });
    await subscription.caughtUp();
    expect(received).toHaveLength(24);
    for (const message of received) {
      expect(message.headers).toEqual({ traceparent, tracestate: `n=${text(message).endsWith('/0') ? 0 : 1}`, 'x-ünïcode': 'värde ✓' });
    }
    const partitions = new Map<string, Set<number>>();
    for (const message of received) partitions.set(message.key, (partitions.get(message.key) ?? new Set()).add(message.partition));
    for (const key of keys) expect(partitions.get(key)?.size).toBe(1);
    // Twelve keys over three partitions: the default partitioner uses more than one.
    expect(new Set(received.map((m) => m.partition)).size).toBeGreaterThan(1);
    expect(Math.max(...received.map((m) => m.partition))).toBeLessThan(3);
  }, 30_000);

  it('splits a publish larger than one request into several, in order', async () => {
    const b = await bus({ maxRequestBytes: 4_096 });
    const topic = unique('split');
    const values = Array.from({ length: 40 }, (_, i) => `${i}:`.padEnd(1_000, 'x'));
    await b.publish(topic, values.map((v) => ({ key: 'k', value: encoder.encode(v) })));
    const received: DeliveredMessage[] = [];
    const subscription = await b.subscribe({ topic, groupId: unique('g'), from: 'earliest', handler: async (batch) => void received.push(...batch) });
    await subscription.caughtUp();
    expect(received.map(text)).toEqual(values);
  }, 30_000);

  it('rejects a message larger than the topic accepts as a bad request, without failing the publishes around it', async () => {
    const b = await bus();
    const topic = unique('too-large');
    const huge = new Uint8Array(2 * 1024 * 1024);
    const results = await Promise.allSettled([
      b.publish(topic, [{ key: 'k', value: encoder.encode('before') }]),
      b.publish(topic, [{ key: 'k', value: huge }]),
      b.publish(topic, [{ key: 'k', value: encoder.encode('after') }]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (results[1] as PromiseRejectedResult).reason as RecsysError;
    expect(error.category).toBe('bad-request');
    expect(error.message).toMatch(new RegExp(`Kafka refused the publish to ${topic}: .*(too large|larger)`, 'i'));
    const received: DeliveredMessage[] = [];
    const subscription = await b.subscribe({ topic, groupId: unique('g'), from: 'earliest', handler: async (batch) => void received.push(...batch) });
    await subscription.caughtUp();
    expect(received.map(text)).toEqual(['before', 'after']);
  }, 30_000);

  it('keeps call order for publishes that are not awaited one by one', async () => {
    const b = await bus();
    const topic = unique('burst');
    await Promise.all(Array.from({ length: 50 }, (_, i) => b.publish(topic, [{ key: 'k', value: encoder.encode(`p${i}`) }])));
    const received: DeliveredMessage[] = [];
    const subscription = await b.subscribe({ topic, groupId: unique('g'), from: 'earliest', handler: async (batch) => void received.push(...batch) });
    await subscription.caughtUp();
    expect(received.map(text)).toEqual(Array.from({ length: 50 }, (_, i) => `p${i}`));
  }, 30_000);

  it('creates topics with the configured partitions and topic configs', async () => {
    const compacted = unique('catalog');
    const b = await bus({ partitions: 2, topicConfigs: { [compacted]: { 'cleanup.policy': 'compact' } } });
    await b.publish(compacted, [{ key: 'item-1', value: encoder.encode('v1') }]);
    const { Kafka } = await import('kafkajs');
    const admin = new Kafka({ brokers, clientId: 'recsys-test-admin', logLevel: 0 }).admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: [compacted] });
      expect(metadata.topics[0].partitions).toHaveLength(2);
      const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: compacted, configNames: ['cleanup.policy'] }] });
      expect(configs.resources[0].configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue).toBe('compact');
    } finally {
      await admin.disconnect();
    }
  }, 30_000);

  it('shares the partitions between the members of a group; caughtUp covers the partitions of other members', async () => {
    const b = await bus();
    const topic = unique('members');
    const groupId = unique('g');
    const publishRound = (round: number) =>
      b.publish(topic, Array.from({ length: 30 }, (_, i) => ({ key: `user-${i % 10}`, value: encoder.encode(`r${round}-${i}`) })));
    await publishRound(0);
    const byMember: DeliveredMessage[][] = [[], []];
    const first = await b.subscribe({ topic, groupId, from: 'earliest', handler: async (batch) => void byMember[0].push(...batch) });
    const second = await b.subscribe({ topic, groupId, from: 'earliest', handler: async (batch) => void byMember[1].push(...batch) });
    await second.caughtUp();
    const distinct = () => new Set(byMember.flat().map(text));
    expect(distinct().size).toBe(30);

    const before = byMember.map((m) => m.length);
    await publishRound(1);
    await first.caughtUp();
    expect(distinct().size).toBe(60);
    // Both members joined before round 1, so its ten keys (three partitions) were split between them.
    expect(byMember[0].length).toBeGreaterThan(before[0]);
    expect(byMember[1].length).toBeGreaterThan(before[1]);
    const owners = new Map<number, Set<number>>();
    byMember.forEach((messages, member) =>
      messages.slice(before[member]).forEach((m) => owners.set(m.partition, (owners.get(m.partition) ?? new Set()).add(member))),
    );
    for (const members of owners.values()) expect(members.size).toBe(1);
  }, 60_000);

  it('a partition whose handler keeps failing does not hold up the other partitions', async () => {
    const b = await bus();
    const topic = unique('stuck');
    const keys = ['stuck', ...Array.from({ length: 12 }, (_, i) => `user-${i}`)];
    await b.publish(topic, keys.map((key) => ({ key, value: encoder.encode(key) })));
    const attempted = new Map<string, number>();
    const handled = new Set<string>();
    let failures = 0;
    const subscription = await b.subscribe({
      topic,
      groupId: unique('g'),
      from: 'earliest',
      handler: async (batch) => {
        for (const m of batch) attempted.set(m.key, m.partition);
        if (batch.some((m) => m.key === 'stuck')) {
          failures += 1;
          throw new Error('cannot apply');
        }
        for (const m of batch) handled.add(m.key);
      },
    });
    const elsewhere = () => keys.filter((key) => attempted.get(key) !== attempted.get('stuck'));
    await waitUntil(
      () => attempted.size === keys.length && failures >= 2 && elsewhere().every((key) => handled.has(key)),
      'the other partitions to be handled while one keeps failing',
    );
    expect(elsewhere().length).toBeGreaterThan(0);
    expect(handled.has('stuck')).toBe(false);
    await subscription.stop();
  }, 30_000);

  it('hands batches of several partitions to the handler at once with concurrentPartitions, one at a time by default', async () => {
    const b = await bus();
    const topic = unique('concurrent');
    const keys = Array.from({ length: 12 }, (_, i) => `user-${i}`);
    await b.publish(topic, keys.map((key) => ({ key, value: encoder.encode(key) })));
    const partitions = new Set<number>();
    const run = async (concurrentPartitions: number | undefined) => {
      let inFlight = 0;
      let most = 0;
      const handled = new Set<string>();
      const subscription = await b.subscribe({
        topic,
        groupId: unique('g'),
        from: 'earliest',
        concurrentPartitions,
        handler: async (batch) => {
          inFlight++;
          most = Math.max(most, inFlight);
          // Held long enough for the batches of the other partitions of the same fetch to arrive meanwhile.
          await new Promise((resolve) => setTimeout(resolve, 300));
          for (const m of batch) {
            handled.add(m.key);
            partitions.add(m.partition);
          }
          inFlight--;
        },
      });
      await waitUntil(() => handled.size === keys.length, 'every message handled');
      await subscription.stop();
      return most;
    };
    expect(await run(4)).toBeGreaterThan(1);
    expect(partitions.size).toBeGreaterThan(1);
    expect(await run(undefined)).toBe(1);
    await expect(b.subscribe({ topic, groupId: 'g', from: 'earliest', concurrentPartitions: 0, handler: async () => undefined })).rejects.toMatchObject({
      category: 'bad-request',
      field: 'concurrentPartitions',
    });
  }, 60_000);

  it('treats a failed dead-letter publish as a handler failure: the batch comes again and is not committed', async () => {
    const topic = unique('dlq-fails');
    const deadLetterTopic = unique('dlq-broken');
    const warnings: string[] = [];
    const b = await bus({ topicConfigs: { [deadLetterTopic]: { 'cleanup.policy': 'no-such-policy' } }, onWarning: (m) => warnings.push(m) });
    await b.publish(topic, [{ key: 'k', value: encoder.encode('poison') }]);
    const groupId = unique('g');
    let calls = 0;
    const subscription = await b.subscribe({
      topic,
      groupId,
      from: 'earliest',
      deadLetterTopic,
      handler: async (batch) => {
        calls += 1;
        return batch.map((message) => ({ message, reason: 'poison' }));
      },
    });
    await waitUntil(() => calls >= 2, 'the batch to be delivered again');
    await subscription.stop();
    expect(warnings.some((w) => w.includes(`creating topic ${deadLetterTopic} failed`))).toBe(true);

    const received: DeliveredMessage[] = [];
    const next = await b.subscribe({ topic, groupId, from: 'earliest', handler: async (batch) => void received.push(...batch) });
    await next.caughtUp();
    expect(received.map(text)).toEqual(['poison']);
  }, 30_000);

  it('refuses bad options and work after close', async () => {
    expect(() => new KafkaEventBus({ brokers: [], clientId: 'x' })).toThrow(/brokers/);
    expect(() => new KafkaEventBus({ brokers, clientId: 'x', heartbeatIntervalMs: 10_000, sessionTimeoutMs: 6_000 })).toThrow(/heartbeatIntervalMs/);
    expect(() => new KafkaEventBus({ brokers, clientId: 'x', partitions: 0 })).toThrow(/partitions/);
    const b = await bus();
    await expect(b.publish('t', [{ key: 'k', value: 'text' as unknown as Uint8Array }])).rejects.toThrow(/messages\[0\]\.value: must be a Uint8Array/);
    await b.close();
    await expect(b.publish('t', [{ key: 'k', value: new Uint8Array(1) }])).rejects.toThrow(/closed/);
  }, 30_000);
});
