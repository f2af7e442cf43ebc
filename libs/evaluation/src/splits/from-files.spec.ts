import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { splitFromFiles } from './from-files';
import { sameIdSpace } from './split';

describe('splitFromFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recsys-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loads a train and a test interactions CSV into one id space', async () => {
    writeFileSync(join(dir, 'train.csv'), 'user,item,weight,timestamp\nu1,a,1,100\nu2,b,2,200\nu1,b,1,300\n');
    writeFileSync(join(dir, 'test.csv'), 'user,item,weight,timestamp\nu2,a,1,400\nu3,c,5,500\n');
    const split = await splitFromFiles(join(dir, 'train.csv'), join(dir, 'test.csv'));
    expect(sameIdSpace(split.train, split.test)).toBe(true);
    expect(split.train.userIds).toEqual(['u1', 'u2', 'u3']);
    expect(split.train.itemIds).toEqual(['a', 'b', 'c']);
    expect(split.train.indptr[3]).toBe(3);
    expect(Array.from(split.test.indices)).toEqual([0, 2]); // u2 → a, u3 → c
    expect(Array.from(split.test.timestamps)).toEqual([400_000, 500_000]); // seconds read as seconds
    expect(split.name).toBe('files');
    expect(split.description).toBe('given split: train train.csv, test test.csv');
  });

  it('passes malformed-row errors through with file and line, or skips them when asked', async () => {
    writeFileSync(join(dir, 'bad.csv'), 'user,item,weight\nu1,a,1\nu2,b,oops\n');
    writeFileSync(join(dir, 'ok.csv'), 'user,item\nu1,b\n');
    await expect(splitFromFiles(join(dir, 'bad.csv'), join(dir, 'ok.csv'))).rejects.toThrow(/bad\.csv:3:3/);
    const split = await splitFromFiles(join(dir, 'bad.csv'), join(dir, 'ok.csv'), { skipMalformed: true });
    expect(split.train.indptr[split.train.nUsers]).toBe(1);
    expect(split.skipped).toBe(1);
  });
});
