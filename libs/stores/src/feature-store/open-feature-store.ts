// Opens the FeatureStore adapter of a backend: in-memory with snapshots (embedded) or Redis (redis-kafka).
import { RecsysError } from '@recsys/domain';
import type { Backend, FeatureStore } from '../ports';
import { openInMemoryFeatureStore } from './in-memory.feature-store';
import { openRedisFeatureStore } from './redis.feature-store';

/** Options of {@link openFeatureStore}. */
export interface OpenFeatureStoreOptions {
  /** Which adapter (config: `RECSYS_BACKEND`). */
  backend: Backend;
  /** `redis-kafka` only, required there: the Redis url (config: `REDIS_URL`). */
  redisUrl?: string;
  /** `embedded` only: the snapshot file, loaded on open and written on close. None: memory only. */
  snapshotPath?: string;
  /** `embedded` only: also snapshot every this many ms. */
  snapshotEveryMs?: number;
  /** Receives failed periodic snapshots (embedded) or Redis connection losses and recoveries (redis-kafka). */
  onWarning?: (message: string) => void;
}

/**
 * Opens the feature store of `backend`: an {@link InMemoryFeatureStore} loaded from `snapshotPath` (`embedded`), or a
 * {@link RedisFeatureStore} on `redisUrl` once its connections are ready (`redis-kafka`; defaults of
 * {@link RedisFeatureStoreOptions}). Rejects with `bad-request` when `redis-kafka` has no `redisUrl`, and as the
 * adapter's open does otherwise (`unavailable` when Redis cannot be reached, `internal` for a corrupt snapshot).
 */
export async function openFeatureStore(options: OpenFeatureStoreOptions): Promise<FeatureStore> {
  const { backend, redisUrl, snapshotPath, snapshotEveryMs, onWarning } = options;
  switch (backend) {
    case 'embedded':
      return openInMemoryFeatureStore({ snapshotPath, snapshotEveryMs, onWarning });
    case 'redis-kafka':
      if (redisUrl === undefined || redisUrl === '') throw RecsysError.badRequest('redisUrl', 'is required by the redis-kafka backend (config: REDIS_URL)');
      return openRedisFeatureStore({ url: redisUrl, onWarning });
    default:
      throw RecsysError.badRequest('backend', `must be 'embedded' or 'redis-kafka', got ${JSON.stringify(backend satisfies never)}`);
  }
}
