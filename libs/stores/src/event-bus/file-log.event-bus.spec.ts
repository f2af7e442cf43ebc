import { mkdtempSync, promises as fs, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { eventBusContract } from '../contracts/event-bus.contract';
import type { DeliveredMessage, EventBus } from '../ports';
import { encodeFrame } from './frame';
import { FileLogEventBus, openFileLogEventBus, type FileLogEventBusOptions } from './file-log.event-bus';

const root = mkdtempSync(path.join(tmpdir(), 'recsys-file-log-'));
let dirCount = 0;
const freshDir = (): string => path.join(root, `bus-${++dirCount}`);

afterAll(() => rmSync(root, { recursive: true, force: true }));

eventBusContract('FileLogEventBus', () => openFileLogEventBus(freshDir(), { pollMs: 10, onWarning: () => undefined }));

const encoder = new TextEncoder();
const text = (m: { value: Uint8Array }): string => new TextDecoder().decode(m.value);
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

describe('FileLogEventBus', () => {
  const open: EventBus[] = [];
  let warnings: string[];

  async function openBus(dir: string, options: FileLogEventBusOptions = {}): Promise<FileLogEventBus> {
    const bus = await openFileLogEventBus(dir, { pollMs: 10, onWarning: (m) => warnings.push(m), ...options });
    open.push(bus);
    return bus;
  }

  function recorder(): { received: DeliveredMessage[]; handler: (batch: DeliveredMessage[]) => Promise<void> } {
    const received: DeliveredMessage[] = [];
    return { received, handler: async (batch) => void received.push(...batch) };
  }

  const frame = (key: string, value: string): Buffer => encodeFrame({ key, value: encoder.encode(value) }, Date.now());

  beforeEach(() => {
    warnings = [];
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((bus) => bus.close()));
  });

  it('lets a second, independent bus instance on the same directory tail what the first publishes', async () => {
    const dir = freshDir();
    const writer = await openBus(dir);
    const reader = await openBus(dir);
    const { received, handler } = recorder();
    const subscription = await reader.subscribe({ topic: 'events', groupId: 'reader', from: 'earliest', handler });
    for (let i = 0; i < 3; i++) await writer.publish('events', [0, 1, 2].map((j) => ({ key: `k${j}`, value: encoder.encode(`m${i * 3 + j}`) })));
    await subscription.caughtUp();
    expect(received.map(text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8']);
    expect(received.map((m) => m.offset)).toEqual([...received.map((m) => m.offset)].sort((a, b) => a - b));
  });

  it('waits at a torn tail and delivers the frame once the rest is written', async () => {
    const dir = freshDir();
    const bus = await openBus(dir);
    const { received, handler } = recorder();
    await bus.subscribe({ topic: 'torn', groupId: 'g', from: 'earliest', handler });
    const whole = frame('user', 'completed later');
    const file = bus.topicFile('torn');
    await fs.appendFile(file, whole.subarray(0, 5));
    await delay(60);
    await fs.appendFile(file, whole.subarray(5, 20));
    await delay(60);
    expect(received).toHaveLength(0);
    await fs.appendFile(file, whole.subarray(20));
    await waitUntil(() => received.length === 1, 'the completed frame');
    expect(text(received[0])).toBe('completed later');
    expect(received[0].offset).toBe(0);
    await delay(60);
    expect(received).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('skips a complete frame with a bad crc, with a warning, and delivers the frames around it', async () => {
    const dir = freshDir();
    const bus = await openBus(dir);
    const first = frame('k', 'first');
    const damaged = frame('k', 'damaged');
    damaged[damaged.length - 2] ^= 0xff;
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(bus.topicFile('crc'), Buffer.concat([first, damaged, frame('k', 'third')]));
    const { received, handler } = recorder();
    const subscription = await bus.subscribe({ topic: 'crc', groupId: 'g', from: 'earliest', handler });
    await subscription.caughtUp();
    expect(received.map(text)).toEqual(['first', 'third']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`damaged frame at byte ${first.length} .*crc mismatch`));
  });

  it('resynchronises after unreadable bytes between frames', async () => {
    const dir = freshDir();
    const bus = await openBus(dir);
    await fs.writeFile(bus.topicFile('garbage'), Buffer.concat([frame('k', 'before'), Buffer.from('garbage'), frame('k', 'after')]));
    const { received, handler } = recorder();
    const subscription = await bus.subscribe({ topic: 'garbage', groupId: 'g', from: 'earliest', handler });
    await subscription.caughtUp();
    expect(received.map(text)).toEqual(['before', 'after']);
    expect(warnings.some((w) => /skipping 7 unreadable bytes/.test(w))).toBe(true);
  });

  it('cuts a torn tail left by a crashed writer before appending, and live readers pick up the new frames', async () => {
    const dir = freshDir();
    const good = frame('k', 'acknowledged');
    const torn = frame('k', 'never acknowledged').subarray(0, 12);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, 'repair.log'), Buffer.concat([good, torn]));

    const reader = await openBus(dir);
    const { received, handler } = recorder();
    await reader.subscribe({ topic: 'repair', groupId: 'g', from: 'earliest', handler });
    await waitUntil(() => received.length === 1, 'the acknowledged frame');
    await delay(50);

    const writer = await openBus(dir);
    await writer.publish('repair', [{ key: 'k', value: encoder.encode('after restart') }]);
    await waitUntil(() => received.length === 2, 'the frame written after the restart');
    expect(received.map(text)).toEqual(['acknowledged', 'after restart']);
    expect(received[1].offset).toBe(good.length);
    expect(warnings.some((w) => /torn frame at byte/.test(w))).toBe(true);
    const size = (await fs.stat(writer.topicFile('repair'))).size;
    expect(size).toBe(good.length + frame('k', 'after restart').length);
  });

  it('keeps group positions across a reopen of the directory', async () => {
    const dir = freshDir();
    const first = await openBus(dir);
    await first.publish('orders', ['a', 'b', 'c'].map((v) => ({ key: 'k', value: encoder.encode(v) })));
    const before = recorder();
    const subscription = await first.subscribe({ topic: 'orders', groupId: 'billing', from: 'earliest', handler: before.handler });
    await subscription.caughtUp();
    await first.close();

    const offsetFile = path.join(dir, 'offsets', 'billing.orders.json');
    const size = (await fs.stat(first.topicFile('orders'))).size;
    expect(JSON.parse(await fs.readFile(offsetFile, 'utf8'))).toEqual({ topic: 'orders', groupId: 'billing', position: size });

    const second = await openBus(dir);
    await second.publish('orders', ['d', 'e'].map((v) => ({ key: 'k', value: encoder.encode(v) })));
    const after = recorder();
    const resumed = await second.subscribe({ topic: 'orders', groupId: 'billing', from: 'earliest', handler: after.handler });
    await resumed.caughtUp();
    expect(before.received.map(text)).toEqual(['a', 'b', 'c']);
    expect(after.received.map(text)).toEqual(['d', 'e']);
    expect(after.received[0].offset).toBe(size);
  });

  it('reads frames larger than a read chunk and frames that straddle chunks', async () => {
    const bus = await openBus(freshDir(), { readChunkBytes: 64 });
    const values = Array.from({ length: 40 }, (_, i) => new Uint8Array(1 + ((i * 37) % 600)).map((_, j) => (i + j) % 256));
    await bus.publish('chunks', values.slice(0, 20).map((value, i) => ({ key: `k${i % 3}`, value })));
    await bus.publish('chunks', values.slice(20).map((value, i) => ({ key: `k${i % 3}`, value })));
    const { received, handler } = recorder();
    const subscription = await bus.subscribe({ topic: 'chunks', groupId: 'g', from: 'earliest', maxBatch: 3, handler });
    await subscription.caughtUp();
    expect(received.map((m) => Array.from(m.value))).toEqual(values.map((v) => Array.from(v)));
  });

  it('carries a multi-megabyte payload intact', async () => {
    const bus = await openBus(freshDir(), { fsync: true });
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) % 251);
    await bus.publish('big', [{ key: 'k', value: encoder.encode('small') }, { key: 'k', value: big }, { key: 'k', value: encoder.encode('tail') }]);
    const { received, handler } = recorder();
    const subscription = await bus.subscribe({ topic: 'big', groupId: 'g', from: 'earliest', handler });
    await subscription.caughtUp();
    expect(received).toHaveLength(3);
    expect(Buffer.from(received[1].value).equals(Buffer.from(big))).toBe(true);
    expect(text(received[2])).toBe('tail');
  });

  it('applies publish calls in call order even when they are not awaited one by one', async () => {
    const bus = await openBus(freshDir());
    await Promise.all(Array.from({ length: 50 }, (_, i) => bus.publish('burst', [{ key: 'k', value: encoder.encode(`p${i}`) }])));
    const { received, handler } = recorder();
    const subscription = await bus.subscribe({ topic: 'burst', groupId: 'g', from: 'earliest', handler });
    await subscription.caughtUp();
    expect(received.map(text)).toEqual(Array.from({ length: 50 }, (_, i) => `p${i}`));
  });

  it('allows one live member per group and topic, and another once it stops', async () => {
    const bus = await openBus(freshDir());
    const first = await bus.subscribe({ topic: 't', groupId: 'g', from: 'earliest', handler: async () => undefined });
    await expect(bus.subscribe({ topic: 't', groupId: 'g', from: 'earliest', handler: async () => undefined })).rejects.toThrow(
      /already has a live subscription/,
    );
    await first.stop();
    const second = await bus.subscribe({ topic: 't', groupId: 'g', from: 'earliest', handler: async () => undefined });
    await second.stop();
  });

  it('refuses a group whose offset file belongs to another group/topic pair with the same file name', async () => {
    const bus = await openBus(freshDir());
    const first = await bus.subscribe({ topic: 'c', groupId: 'a.b', from: 'earliest', handler: async () => undefined });
    await first.stop();
    await expect(bus.subscribe({ topic: 'b.c', groupId: 'a', from: 'earliest', handler: async () => undefined })).rejects.toThrow(
      /belongs to group a\.b on topic c/,
    );
  });

  it('reports handler failures through onWarning while retrying', async () => {
    const bus = await openBus(freshDir());
    await bus.publish('fail', [{ key: 'k', value: encoder.encode('x') }]);
    let calls = 0;
    const subscription = await bus.subscribe({
      topic: 'fail',
      groupId: 'g',
      from: 'earliest',
      handler: async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
      },
    });
    await subscription.caughtUp();
    expect(calls).toBe(2);
    expect(warnings).toEqual([expect.stringMatching(/handler of group g failed on 1 message\(s\) of fail from offset 0; retrying in 100 ms: boom/)]);
  });

  it('treats a failed dead-letter publish as a handler failure: the batch comes again and is committed once it succeeds', async () => {
    const dir = freshDir();
    const bus = await openBus(dir);
    await bus.publish('orders', [{ key: 'k', value: encoder.encode('poison') }]);
    // A directory where the dead-letter log should be: appending to it fails until it is removed.
    await fs.mkdir(bus.topicFile('orders.dlq'));
    let calls = 0;
    const subscription = await bus.subscribe({
      topic: 'orders',
      groupId: 'g',
      from: 'earliest',
      handler: async (batch) => {
        calls += 1;
        return batch.map((message) => ({ message, reason: 'poison' }));
      },
    });
    await waitUntil(() => calls >= 2, 'the batch to be delivered again');
    expect(warnings[0]).toMatch(/handler of group g failed on 1 message\(s\) of orders from offset 0; retrying in 100 ms: .*EISDIR/);
    await fs.rmdir(bus.topicFile('orders.dlq'));
    await subscription.caughtUp();
    const dead = recorder();
    const dlq = await bus.subscribe({ topic: 'orders.dlq', groupId: 'reader', from: 'earliest', handler: dead.handler });
    await dlq.caughtUp();
    expect(dead.received.map(text)).toEqual(['poison']);
    expect(dead.received[0].headers).toEqual({
      'x-dead-letter-reason': 'poison',
      'x-dead-letter-topic': 'orders',
      'x-dead-letter-partition': '0',
      'x-dead-letter-offset': '0',
    });
  });

  it('rejects work after close and bad names or options', async () => {
    const bus = await openBus(freshDir());
    await expect(bus.publish('t', [{ key: 'k', value: new Uint8Array(1) }, { key: 'k', value: 'text' as unknown as Uint8Array }])).rejects.toThrow(
      /messages\[1\]\.value: must be a Uint8Array/,
    );
    await expect(bus.subscribe({ topic: 't', groupId: 'a/b', from: 'earliest', handler: async () => undefined })).rejects.toThrow(/groupId/);
    await expect(bus.subscribe({ topic: 't', groupId: 'g', from: 'earliest', maxBatch: 0, handler: async () => undefined })).rejects.toThrow(
      /maxBatch/,
    );
    await expect(bus.publish('..', [])).rejects.toThrow(/topic/);
    await bus.close();
    await expect(bus.publish('t', [{ key: 'k', value: new Uint8Array(1) }])).rejects.toThrow(/closed/);
  });
});
