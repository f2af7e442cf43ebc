import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { freeDataDir, waitFor } from '../src/index';

describe('waitFor', () => {
  it('returns the first value that is neither undefined nor false, including 0 and empty string', async () => {
    let calls = 0;
    const value = await waitFor(() => (++calls < 3 ? undefined : calls), { intervalMs: 1 });
    expect(value).toBe(3);
    expect(await waitFor(() => 0)).toBe(0);
    expect(await waitFor(async () => '')).toBe('');
  });

  it('treats a throwing probe as not ready and retries', async () => {
    let calls = 0;
    const value = await waitFor(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return 'ready';
      },
      { intervalMs: 1 },
    );
    expect(value).toBe('ready');
    expect(calls).toBe(3);
  });

  it('times out naming what it waited for and the last probe error', async () => {
    const started = Date.now();
    await expect(
      waitFor(
        () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 60, intervalMs: 10, what: 'the server' },
      ),
    ).rejects.toThrow('timed out after 60 ms waiting for the server (last error: connection refused)');
    expect(Date.now() - started).toBeGreaterThanOrEqual(60);
    await expect(waitFor(() => false, { timeoutMs: 10 })).rejects.toThrow('waiting for condition');
  });
});

describe('freeDataDir', () => {
  it('creates a new, empty, absolute directory each call', () => {
    const a = freeDataDir('recsys test/dir');
    const b = freeDataDir('recsys test/dir');
    try {
      expect(a).not.toBe(b);
      for (const dir of [a, b]) {
        expect(isAbsolute(dir)).toBe(true);
        expect(statSync(dir).isDirectory()).toBe(true);
        expect(readdirSync(dir)).toEqual([]);
        expect(dir).toMatch(/recsys_test_dir-[^/]+$/);
      }
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
    expect(existsSync(a)).toBe(false);
  });
});
