// RedisFeatureStore: the FeatureStore contract against REDIS_URL, plus what only the Redis adapter promises
// (fail fast while Redis is down and recover, TTLs on the server, keys verbatim, one command per call).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { RecsysError } from '@recsys/domain';
import { DECIMAL_SUM, featureStoreContract } from '../contracts/feature-store.contract';
import { openRedisFeatureStore, RedisFeatureStore, type RedisFeatureStoreOptions } from './redis.feature-store';

const TEST_TIMEOUT_MS = 30_000;
const url = process.env.REDIS_URL;
const encoder = new TextEncoder();
const bytes = (s: string): Uint8Array => encoder.encode(s);
const asText = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : new TextDecoder().decode(v));
const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves with the rejection of `promise`; fails the test when it resolves or has not settled within `ms`. */
async function rejectionOf(promise: Promise<unknown>, ms: number): Promise<RecsysError> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    promise.then(
      () => ({ kind: 'resolved' as const }),
      (error: unknown) => ({ kind: 'rejected' as const, error }),
    ),
    new Promise<{ kind: 'hung' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'hung' }), ms);
    }),
  ]);
  clearTimeout(timer);
  if (outcome.kind !== 'rejected') throw new Error(`expected a rejection within ${ms} ms, but the call ${outcome.kind}`);
  if (!(outcome.error instanceof RecsysError)) throw new Error(`expected a RecsysError, got ${String(outcome.error)}`);
  return outcome.error;
}

/** Waits until `condition()` holds, polling every 20 ms; fails naming `what` after `ms`. */
async function eventually(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await delay(20);
  }
}

/** A TCP port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Starts a throwaway redis-server (no persistence) on `port`; resolves when it accepts connections. */
async function startRedisServer(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} not ready within 10 s:\n${output}`)), 10_000);
    const done = (error?: Error): void => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) done();
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (error) => done(new Error(`cannot start redis-server (is it installed? see tools/infra/infra.sh): ${error.message}`)));
    child.once('exit', (code) => done(new Error(`redis-server on port ${port} exited with ${code}:\n${output}`)));
  });
  return child;
}

async function stopRedisServer(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Removes every key starting with `prefix` (SCAN + UNLINK). */
async function removeKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1_000);
    if (keys.length > 0) await client.unlink(keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Number of calls of each command since the last `CONFIG RESETSTAT`, from `INFO commandstats`. */
async function commandCalls(client: Redis): Promise<Record<string, number>> {
  const info = await client.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) calls[match[1]] = Number(match[2]);
  return calls;
}

if (url === undefined) {
  if (process.env.CI) {
    it('needs REDIS_URL', () => {
      throw new Error('REDIS_URL is not set: the Redis feature-store tests need a server (run `npm run infra:up`; the jest globalSetup sets REDIS_URL)');
    });
  } else {
    console.warn('REDIS_URL is not set: skipping the RedisFeatureStore tests (run `npm run infra:up` and set REDIS_URL=redis://127.0.0.1:6379)');
    it.skip('RedisFeatureStore (needs REDIS_URL)', () => undefined);
  }
} else {
  const redisUrl = url;
  let admin: Redis;
  beforeAll(() => {
    admin = new Redis(redisUrl);
  });
  afterAll(async () => {
    await admin.quit();
  });

  // The contract checks behaviour, not speed: a generous command timeout keeps its 5,000-key batches from failing
  // on a loaded test machine (they take ~50 ms on an idle one).
  featureStoreContract('RedisFeatureStore', () => openRedisFeatureStore({ url: redisUrl, commandTimeoutMs: 10_000, onWarning: () => undefined }), {
    cleanUp: (prefix) => removeKeys(admin, prefix),
  });

  describe('RedisFeatureStore', () => {
    let prefix: string;
    const stores: RedisFeatureStore[] = [];
    const open = async (options: Partial<RedisFeatureStoreOptions> = {}): Promise<RedisFeatureStore> => {
      const store = await openRedisFeatureStore({ url: redisUrl, onWarning: () => undefined, ...options });
      stores.push(store);
      return store;
    };

    beforeEach(() => {
      prefix = `redis-spec:${randomBytes(5).toString('hex')}:`;
    });
    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      await removeKeys(admin, prefix);
    });

    it(
      'uses keys verbatim: what it writes other clients read under the same name, and the other way round',
      async () => {
        const store = await open();
        const key = `${prefix}i:{42} ü/ä`;
        await store.setMany([{ key, value: bytes('mine') }]);
        expect((await admin.getBuffer(key))?.toString()).toBe('mine');
        await admin.set(`${prefix}c:7`, Buffer.from([0, 1, 255]));
        expect((await store.getMany([`${prefix}c:7`])).map((v) => Array.from(v ?? []))).toEqual([[0, 1, 255]]);
        expect(await admin.keys(`${prefix}*`)).toEqual(expect.arrayContaining([key, `${prefix}c:7`]));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'a value written with a TTL has that TTL on the server (setMany and transact); one written without has none',
      async () => {
        const store = await open();
        await store.setMany([
          { key: `${prefix}ttl`, value: bytes('t'), ttlMs: 60_000 },
          { key: `${prefix}fractional`, value: bytes('f'), ttlMs: 59_999.2 },
          { key: `${prefix}none`, value: bytes('n') },
        ]);
        await store.transact([`${prefix}tx`], () => [{ key: `${prefix}tx`, value: bytes('x'), ttlMs: 30_000 }]);
        const [ttl, fractional, none, tx] = await Promise.all(['ttl', 'fractional', 'none', 'tx'].map((k) => admin.pttl(`${prefix}${k}`)));
        expect(ttl).toBeGreaterThan(50_000);
        expect(ttl).toBeLessThanOrEqual(60_000);
        expect(fractional).toBeLessThanOrEqual(60_000);
        expect(fractional).toBeGreaterThan(50_000);
        expect(none).toBe(-1);
        expect(tx).toBeGreaterThan(20_000);
        expect(tx).toBeLessThanOrEqual(30_000);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'returns the bytes read as views that stay valid after later reads',
      async () => {
        const store = await open();
        const writes = Array.from({ length: 300 }, (_, i) => ({ key: `${prefix}v:${i}`, value: bytes(`value-${i}-`.repeat(20)) }));
        await store.setMany(writes);
        const first = await store.getMany(writes.map((w) => w.key));
        const snapshot = first.map(asText);
        // Many more reads through the same connection; the first answer must not change underneath.
        for (let round = 0; round < 20; round++) await store.getMany(writes.map((w) => w.key).reverse());
        expect(first.map(asText)).toEqual(snapshot);
        expect(snapshot).toEqual(writes.map((w) => asText(w.value)));
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'transact retries when another client writes a watched key between its read and its write',
      async () => {
        const store = await open();
        const key = `${prefix}contended`;
        await store.setMany([{ key, value: bytes('1') }]);
        const seen: (string | undefined)[] = [];
        const attempts = await store.transact([key], ([value]) => {
          seen.push(asText(value));
          // The first time only, another client writes the key before compute returns (synchronously, in a child
          // process), so the commit script that follows must find the value changed.
          if (seen.length === 1) setFromAnotherProcess(redisUrl, key, '10');
          return [{ key, value: bytes(String(Number(asText(value)) + 1)) }];
        });
        expect(attempts).toBe(2);
        expect(seen).toEqual(['1', '10']);
        expect((await store.getMany([key])).map(asText)).toEqual(['11']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      "a merge whose key another client wrote after the read merges the delta on the server instead of the caller's value",
      async () => {
        const store = await open();
        const key = `${prefix}merged-contended`;
        await store.setMany([{ key, value: bytes('1') }]);
        const before = store.serverMergeCount;
        const attempts = await store.transact(
          [key],
          ([value]) => {
            setFromAnotherProcess(redisUrl, key, '10');
            return [{ key, delta: bytes('5'), merged: bytes(String(Number(asText(value)) + 5)) }];
          },
          { merge: DECIMAL_SUM, watch: [] },
        );
        expect(attempts).toBe(1);
        expect((await store.getMany([key])).map(asText)).toEqual(['15']);
        expect(store.serverMergeCount - before).toBe(1);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'transact with options.watch retries only for writes to the watched keys',
      async () => {
        const store = await open();
        const watched = `${prefix}watched`;
        const owned = `${prefix}owned`;
        await store.setMany([
          { key: watched, value: bytes('1') },
          { key: owned, value: bytes('1') },
        ]);
        let calls = 0;
        // Another client writes the unwatched key mid-transaction: no retry, and the transaction's write wins.
        const first = await store.transact(
          [watched, owned],
          () => {
            calls++;
            if (calls === 1) setFromAnotherProcess(redisUrl, owned, 'other');
            return [{ key: owned, value: bytes('mine') }];
          },
          { watch: [watched] },
        );
        expect(first).toBe(1);
        expect((await store.getMany([owned])).map(asText)).toEqual(['mine']);
        // A write to the watched key does make it retry.
        calls = 0;
        const second = await store.transact(
          [watched, owned],
          () => {
            calls++;
            if (calls === 1) setFromAnotherProcess(redisUrl, watched, 'other');
            return [{ key: owned, value: bytes(`mine-${calls}`) }];
          },
          { watch: [watched] },
        );
        expect(second).toBe(2);
        expect((await store.getMany([owned, watched])).map(asText)).toEqual(['mine-2', 'other']);
      },
      TEST_TIMEOUT_MS,
    );

    it(
      'transact gives up with unavailable after maxAttempts conflicts, writing nothing',
      async () => {
        const store = await open({ maxAttempts: 3 });
        const key = `${prefix}always-contended`;
        let calls = 0;
        const error = await rejectionOf(
          store.transact([key], () => {
            calls++;
            setFromAnotherProcess(redisUrl, key, `other-${calls}`);
            return [{ key, value: bytes('mine') }];
          }),
          TEST_TIMEOUT_MS,
        );
        expect(error.category).toBe('unavailable');
        expect(error.message).toContain('gave up after 3 attempts');
        expect(calls).toBe(3);
        expect((await store.getMany([key])).map(asText)).toEqual(['other-3']);
      },
      TEST_TIMEOUT_MS,
    );
  });
}

/** Writes `key` = `value` through a fresh connection in a child process, returning only once Redis has applied it. */
function setFromAnotherProcess(redisUrl: string, key: string, value: string): void {
  const script = `
    const { Redis } = require(${JSON.stringify(require.resolve('ioredis'))});
    const client = new Redis(process.argv[1]);
    client.set(process.argv[2], process.argv[3]).then(() => client.quit()).catch((e) => { console.error(e); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script, redisUrl, key, value], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 10_000 });
}

describe('RedisFeatureStore without a reachable Redis', () => {
  const collected: string[] = [];
  const onWarning = (message: string): void => {
    collected.push(message);
  };

  it(
    'rejects every call at once with unavailable, naming Redis and the url but not the password',
    async () => {
      const port = await freePort();
      const store = new RedisFeatureStore({ url: `redis://user:s3cret@127.0.0.1:${port}`, commandTimeoutMs: 200, connectTimeoutMs: 500, onWarning });
      try {
        const calls = [
          store.getMany(['a', 'b']),
          store.setMany([{ key: 'a', value: bytes('A') }]),
          store.delete(['a']),
          store.transact(['a'], () => [{ key: 'a', value: bytes('B') }]),
        ];
        for (const call of calls) {
          const error = await rejectionOf(call, 2_000);
          expect(error.category).toBe('unavailable');
          expect(error.message).toContain(`Redis at redis://user:***@127.0.0.1:${port}`);
          expect(error.message).not.toContain('s3cret');
        }
        await eventually(() => collected.length >= 2, 10_000, 'a warning from each connection');
        const refused = await rejectionOf(store.getMany(['a']), 2_000);
        expect(refused.message).toMatch(/not connected \(status \w+; last error: connect ECONNREFUSED/);
      } finally {
        await store.close();
      }
      expect(collected).toEqual([
        expect.stringMatching(/connection to Redis at redis:\/\/user:\*\*\*@127.0.0.1:\d+ is down \(connect ECONNREFUSED/),
        expect.stringMatching(/connection to Redis at redis:\/\/user:\*\*\*@127.0.0.1:\d+ is down \(connect ECONNREFUSED/),
      ]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'openRedisFeatureStore rejects with unavailable after connectTimeoutMs',
    async () => {
      const port = await freePort();
      const error = await rejectionOf(openRedisFeatureStore({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 300, onWarning }), 5_000);
      expect(error.category).toBe('unavailable');
      expect(error.message).toContain(`cannot connect to Redis at redis://127.0.0.1:${port} within 300 ms`);
      expect(error.message).toContain('ECONNREFUSED');
    },
    TEST_TIMEOUT_MS,
  );

  it('rejects a url that is not redis:// as a bad request', () => {
    expect(() => new RedisFeatureStore({ url: 'http://127.0.0.1:6379' })).toThrow(expect.objectContaining({ category: 'bad-request', field: 'url' }));
    expect(() => new RedisFeatureStore({ url: 'not a url' })).toThrow(expect.objectContaining({ category: 'bad-request', field: 'url' }));
  });
});

// Needs the redis-server binary, which comes with the test infrastructure (REDIS_URL set).
(url === undefined ? describe.skip : describe)('RedisFeatureStore on a private redis-server', () => {
  let port: number;
  let server: ChildProcess | undefined;
  let admin: Redis | undefined;
  let store: RedisFeatureStore | undefined;
  const warnings: string[] = [];

  beforeAll(async () => {
    port = await freePort();
    server = await startRedisServer(port);
  }, TEST_TIMEOUT_MS);

  afterAll(async () => {
    await store?.close();
    admin?.disconnect();
    await stopRedisServer(server);
  });

  it(
    'sends one MGET per getMany, one SET per write, one UNLINK per delete',
    async () => {
      admin = new Redis(port, '127.0.0.1');
      store = await openRedisFeatureStore({ url: `redis://127.0.0.1:${port}`, onWarning: (m) => warnings.push(m) });
      const keys = Array.from({ length: 500 }, (_, i) => `i:${i}`);
      await store.setMany(keys.slice(0, 300).map((key) => ({ key, value: bytes(key) })));
      await admin.config('RESETSTAT');
      const values = await store.getMany([...keys, ...keys.slice(0, 10)]);
      expect(values.filter((v) => v !== undefined)).toHaveLength(310);
      await store.setMany(keys.slice(300).map((key) => ({ key, value: bytes(key), ttlMs: 60_000 })));
      await store.delete(keys.slice(0, 250));
      const calls = await commandCalls(admin);
      expect(calls.mget).toBe(1);
      expect(calls.set).toBe(200);
      expect(calls.unlink).toBe(1);
      await store.close();
      store = undefined;
      admin.disconnect();
      admin = undefined;
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'fails fast while its Redis is down and recovers by itself when it is back',
    async () => {
      store = await openRedisFeatureStore({
        url: `redis://127.0.0.1:${port}`,
        commandTimeoutMs: 300,
        maxReconnectDelayMs: 100,
        onWarning: (m) => warnings.push(m),
      });
      await store.setMany([{ key: 'k', value: bytes('before') }]);
      expect((await store.getMany(['k'])).map(asText)).toEqual(['before']);

      await stopRedisServer(server);
      for (const call of [store.getMany(['k']), store.setMany([{ key: 'k', value: bytes('x') }]), store.transact(['k'], () => [])]) {
        const error = await rejectionOf(call, 3_000);
        expect(error.category).toBe('unavailable');
        expect(error.message).toContain(`Redis at redis://127.0.0.1:${port}`);
      }
      const down = `read/write connection to Redis at redis://127.0.0.1:${port} is down`;
      await eventually(() => warnings.some((w) => w.includes(down)), 5_000, 'the connection-lost warning');

      server = await startRedisServer(port);
      const deadline = Date.now() + 15_000;
      let recovered = false;
      while (!recovered && Date.now() < deadline) {
        try {
          await store.getMany(['k']);
          recovered = true;
        } catch (error) {
          expect(error).toMatchObject({ category: 'unavailable' });
          await delay(50);
        }
      }
      expect(recovered).toBe(true);
      await store.connected(15_000);
      // The new server started empty (no persistence): the store works on it as on the old one.
      expect((await store.getMany(['k'])).map(asText)).toEqual([undefined]);
      await store.setMany([{ key: 'k', value: bytes('after') }]);
      await expect(store.transact(['k'], ([v]) => [{ key: 'k', value: bytes(`${asText(v)}!`) }])).resolves.toBe(1);
      expect((await store.getMany(['k'])).map(asText)).toEqual(['after!']);
      expect(warnings).toEqual(
        expect.arrayContaining([
          `feature store: read/write connection to Redis at redis://127.0.0.1:${port} is back`,
          `feature store: transaction connection to Redis at redis://127.0.0.1:${port} is back`,
        ]),
      );
    },
    TEST_TIMEOUT_MS,
  );
});
