import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFileLogEventBus } from './file-log.event-bus';
import { decodeEach, replayTopics } from './replay';

describe('replayTopics', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recsys-replay-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const msg = (key: string) => ({ key, value: Buffer.from(key) });

  it('replays each topic to its end before the next, then keeps consuming, and replays again on a new start', async () => {
    const bus = await openFileLogEventBus(dir, { pollMs: 5 });
    await bus.publish('b', [msg('b1')]);
    await bus.publish('a', [msg('a1'), msg('a2')]);
    const seen: string[] = [];
    const handler = async (batch: { key: string }[]) => void seen.push(...batch.map((m) => m.key));
    const replay = await replayTopics(bus, 'g', [
      { topic: 'a', handler },
      { topic: 'b', handler },
    ]);
    expect(seen).toEqual(['a1', 'a2', 'b1']);
    await bus.publish('a', [msg('a3')]);
    await replay.caughtUp();
    expect(seen).toEqual(['a1', 'a2', 'b1', 'a3']);
    await replay.stop();

    const again: string[] = [];
    const second = await replayTopics(bus, 'g', [{ topic: 'a', handler: async (b) => void again.push(...b.map((m) => m.key)) }]);
    expect(again).toEqual(['a1', 'a2', 'a3']);
    await second.stop();
    await bus.close();
  });

  it('stops what it started when a later topic cannot be subscribed', async () => {
    const bus = await openFileLogEventBus(dir, { pollMs: 5 });
    await bus.publish('a', [msg('a1')]);
    await expect(replayTopics(bus, 'g', [{ topic: 'a', handler: async () => undefined }, { topic: 'bad topic!', handler: async () => undefined }])).rejects.toThrow();
    // The first subscription was stopped, so the same group can subscribe to the topic again.
    const replay = await replayTopics(bus, 'g', [{ topic: 'a', handler: async () => undefined }]);
    await replay.stop();
    await bus.close();
  });
});

describe('decodeEach', () => {
  it('returns what decodes, in order, and hands each undecodable message to the callback', () => {
    const batch = ['1', 'x', '3'].map((v, offset) => ({ topic: 't', partition: 0, key: 'k', value: Buffer.from(v), headers: {}, offset, timestampMs: 0 }));
    const bad: number[] = [];
    const decoded = decodeEach(
      batch,
      (bytes) => {
        const n = Number(Buffer.from(bytes).toString());
        if (Number.isNaN(n)) throw new Error('not a number');
        return n;
      },
      (message) => bad.push(message.offset),
    );
    expect(decoded).toEqual([1, 3]);
    expect(bad).toEqual([1]);
  });
});
