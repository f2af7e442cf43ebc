import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Backend } from '../ports';
import { InMemoryFeatureStore } from './in-memory.feature-store';
import { openFeatureStore } from './open-feature-store';
import { RedisFeatureStore } from './redis.feature-store';

const root = mkdtempSync(path.join(tmpdir(), 'recsys-open-feature-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('openFeatureStore', () => {
  it('opens the in-memory store with its snapshot file for the embedded backend', async () => {
    const snapshotPath = path.join(root, 'features.snapshot');
    const store = await openFeatureStore({ backend: 'embedded', snapshotPath, redisUrl: 'redis://127.0.0.1:1' });
    expect(store).toBeInstanceOf(InMemoryFeatureStore);
    await store.setMany([{ key: 'k', value: new Uint8Array([1]) }]);
    await store.close();
    expect(existsSync(snapshotPath)).toBe(true);
    const reopened = await openFeatureStore({ backend: 'embedded', snapshotPath });
    expect(await reopened.getMany(['k'])).toEqual([new Uint8Array([1])]);
    await reopened.close();
  });

  it('requires a Redis url for the redis-kafka backend', async () => {
    await expect(openFeatureStore({ backend: 'redis-kafka' })).rejects.toMatchObject({ category: 'bad-request', field: 'redisUrl' });
  });

  it('rejects an unknown backend as a bad request', async () => {
    await expect(openFeatureStore({ backend: 'postgres' as Backend })).rejects.toMatchObject({ category: 'bad-request', field: 'backend' });
  });

  const redisUrl = process.env.REDIS_URL;
  (redisUrl === undefined ? it.skip : it)('opens a connected RedisFeatureStore for the redis-kafka backend (needs REDIS_URL)', async () => {
    const store = await openFeatureStore({ backend: 'redis-kafka', redisUrl, snapshotPath: path.join(root, 'unused'), onWarning: () => undefined });
    try {
      expect(store).toBeInstanceOf(RedisFeatureStore);
      await expect(store.getMany([`open-feature-store:${process.pid}:missing`])).resolves.toEqual([undefined]);
    } finally {
      await store.close();
    }
  });
});
