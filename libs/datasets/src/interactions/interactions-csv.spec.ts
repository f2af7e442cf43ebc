import { DatasetError } from '../errors';
import { loadDataset } from '../load-dataset';
import { entries, fixture, thrown } from '../testing/fixtures';
import { parseTimestamp } from './interactions-csv';

describe('interactions CSV', () => {
  const fx = fixture();
  afterAll(() => fx.remove());

  it('reads user,item,weight,timestamp; sums duplicates and keeps the latest time', async () => {
    const file = fx.write(
      'clicks.csv',
      ['user,item,weight,timestamp', 'u1,i1,2,1700000000', 'u2,i1,0.5,1700000000123', 'u1,i1,3,1700000100', '"u,3","item ""x""",,'].join('\n'),
    );
    const d = await loadDataset(file, 'interactions-csv');
    expect(d).toMatchObject({ name: 'clicks', format: 'interactions-csv', explicit: false, skipped: 0 });
    expect(entries(d.matrix)).toEqual(['u1 i1 5 1700000100000', 'u2 i1 0.5 1700000000123', 'u,3 item "x" 1 0']);
  });

  it('accepts the columns in any order, weight and timestamp optional (→ 1 and 0)', async () => {
    const a = fx.write('a.csv', ['item,user', 'i1,u1', 'i2,u1'].join('\n'));
    expect(entries((await loadDataset(a, 'interactions-csv')).matrix)).toEqual(['u1 i1 1 0', 'u1 i2 1 0']);
    const b = fx.write('b.csv', ['timestamp,user,item', '2024-05-01T12:00:00Z,u1,i1', '1714564800,u2,i1'].join('\n'));
    expect(entries((await loadDataset(b, 'interactions-csv')).matrix)).toEqual(['u1 i1 1 1714564800000', 'u2 i1 1 1714564800000']);
  });

  it('reads interactions.csv from a folder', async () => {
    fx.write('folder/interactions.csv', 'user,item\nu,i\n');
    expect(entries((await loadDataset(`${fx.dir}/folder`, 'interactions-csv')).matrix)).toEqual(['u i 1 0']);
  });

  it('names the field of a bad weight, a missing id and a short row', async () => {
    const file = fx.write('bad.csv', ['user,item,weight', 'u1,i1,1', 'u1,i2,lots', 'u2,,1', 'u3,i1'].join('\n'));
    const error = await thrown(() => loadDataset(file, 'interactions-csv'));
    expect(error).toBeInstanceOf(DatasetError);
    expect(error).toMatchObject({ file, line: 3, column: 3 });
    const d = await loadDataset(file, 'interactions-csv', { skipMalformed: true });
    expect(d.skipped).toBe(3);
    expect(d.skippedErrors.map((e) => e.message)).toEqual([
      'bad.csv:3:3: expected the weight to be a number, got "lots"',
      'bad.csv:4:2: expected a non-empty item id',
      'bad.csv:5:3: expected 3 comma-separated fields as in the header, got 2',
    ]);
    expect(entries(d.matrix)).toEqual(['u1 i1 1 0']);
  });

  it('rejects a header without user or item, or with an unknown column', async () => {
    const noItem = fx.write('h1.csv', 'user,weight\nu,1\n');
    await expect(loadDataset(noItem, 'interactions-csv')).rejects.toThrow('h1.csv:1:3: expected the header to name the columns user and item');
    const unknown = fx.write('h2.csv', 'user,item,rating\nu,i,1\n');
    await expect(loadDataset(unknown, 'interactions-csv')).rejects.toThrow(
      'h2.csv:1:3: expected a header of the columns user, item, weight, timestamp; got "rating"',
    );
    const empty = fx.write('h3.csv', '');
    await expect(loadDataset(empty, 'interactions-csv', { skipMalformed: true })).rejects.toThrow('h3.csv:1:1:');
  });
});

describe('parseTimestamp', () => {
  it('reads seconds below 1e11 and ms from 1e11 on, ISO dates, and empty as 0', () => {
    expect(parseTimestamp('f', 1, 1, '1700000000')).toBe(1_700_000_000_000);
    expect(parseTimestamp('f', 1, 1, '1700000000.25')).toBe(1_700_000_000_250);
    expect(parseTimestamp('f', 1, 1, '99999999999')).toBe(99_999_999_999_000);
    expect(parseTimestamp('f', 1, 1, '100000000000')).toBe(100_000_000_000);
    expect(parseTimestamp('f', 1, 1, '1700000000123')).toBe(1_700_000_000_123);
    expect(parseTimestamp('f', 1, 1, '2024-05-01')).toBe(Date.UTC(2024, 4, 1));
    expect(parseTimestamp('f', 1, 1, ' ')).toBe(0);
    expect(() => parseTimestamp('f', 7, 4, 'yesterday')).toThrow('f:7:4: expected the timestamp to be seconds or ms since 1970 or an ISO 8601 date-time, got "yesterday"');
  });
});
