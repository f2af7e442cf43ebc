import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Backend, DeliveredMessage } from '../ports';
import { FileLogEventBus } from './file-log.event-bus';
import { KafkaEventBus } from './kafka.event-bus';
import { openEventBus } from './open-event-bus';

const root = mkdtempSync(path.join(tmpdir(), 'recsys-open-event-bus-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

describe('openEventBus', () => {
  it('opens the file log in <dataDir>/bus for the embedded backend', async () => {
    const bus = await openEventBus({ backend: 'embedded', dataDir: root, clientId: 'test', kafkaBrokers: ['127.0.0.1:1'] });
    try {
      expect(bus).toBeInstanceOf(FileLogEventBus);
      await bus.publish('events', [{ key: 'k', value: new Uint8Array([1]) }]);
      expect(existsSync(path.join(root, 'bus', 'events.log'))).toBe(true);
    } finally {
      await bus.close();
    }
  });

  it('opens a Kafka bus on the brokers for the redis-kafka backend', async () => {
    const bus = await openEventBus({ backend: 'redis-kafka', dataDir: root, clientId: 'test', kafkaBrokers: brokers, onWarning: () => undefined });
    try {
      expect(bus).toBeInstanceOf(KafkaEventBus);
      const topic = `open-event-bus-${randomBytes(5).toString('hex')}`;
      await bus.publish(topic, [{ key: 'k', value: new Uint8Array([7]) }]);
      const received: DeliveredMessage[] = [];
      const subscription = await bus.subscribe({ topic, groupId: 'g', from: 'earliest', ephemeral: true, handler: async (b) => void received.push(...b) });
      await subscription.caughtUp();
      expect(received.map((m) => Array.from(m.value))).toEqual([[7]]);
    } finally {
      await bus.close();
    }
  }, 30_000);

  it('requires brokers for the redis-kafka backend and refuses unknown backends', async () => {
    await expect(openEventBus({ backend: 'redis-kafka', dataDir: root, clientId: 'test' })).rejects.toMatchObject({
      category: 'bad-request',
      field: 'kafkaBrokers',
    });
    await expect(openEventBus({ backend: 'pulsar' as Backend, dataDir: root, clientId: 'test' })).rejects.toMatchObject({
      category: 'bad-request',
      field: 'backend',
    });
  });
});
