import { DatasetError } from '../errors';
import { fixture } from '../testing/fixtures';
import { CsvRecordReader } from './csv';
import { readLineBatches } from './lines';

async function allLines(file: string, encoding: 'utf8' | 'latin1', chunkBytes?: number): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readLineBatches(file, { encoding, chunkBytes })) out.push(...batch);
  return out;
}

function parse(lines: string[]): Array<{ line: number; fields: string[] }> {
  const reader = new CsvRecordReader('movies.csv');
  const out: Array<{ line: number; fields: string[] }> = [];
  lines.forEach((text, i) => {
    const fields = reader.push(text, i + 1);
    if (fields) out.push({ line: reader.recordLine, fields });
  });
  reader.end();
  return out;
}

describe('readLineBatches', () => {
  const fx = fixture();
  afterAll(() => fx.remove());

  it('splits LF and CRLF lines across tiny chunks, drops a BOM, keeps empty lines and a last unterminated line', async () => {
    const file = fx.write('a.txt', '\ufeffone\r\ntwo\n\nthré€\r\nlast');
    expect(await allLines(file, 'utf8', 3)).toEqual(['one', 'two', '', 'thré€', 'last']);
    expect(await allLines(file, 'utf8')).toEqual(['one', 'two', '', 'thré€', 'last']);
  });

  it('decodes Latin-1 files', async () => {
    const file = fx.write('b.txt', 'Misérables, Les (1995)\nÅ\n', 'latin1');
    expect(await allLines(file, 'latin1', 4)).toEqual(['Misérables, Les (1995)', 'Å']);
  });

  it('counts the bytes read', async () => {
    const file = fx.write('c.txt', 'x\n'.repeat(100));
    let bytes = 0;
    for await (const _batch of readLineBatches(file, { encoding: 'utf8', chunkBytes: 16, onBytes: (n) => (bytes += n) })) {
      // consume
    }
    expect(bytes).toBe(200);
  });
});

describe('CsvRecordReader', () => {
  it('splits plain fields, keeps empty ones', () => {
    expect(parse(['a,b,,d', ',', 'x'])).toEqual([
      { line: 1, fields: ['a', 'b', '', 'd'] },
      { line: 2, fields: ['', ''] },
      { line: 3, fields: ['x'] },
    ]);
  });

  it('reads quoted fields with commas and doubled quotes (RFC 4180)', () => {
    expect(parse(['11,"American President, The (1995)",Comedy|Drama', '7789,"11\'09""01 - September 11 (2002)",Drama', '"",""""'])).toEqual([
      { line: 1, fields: ['11', 'American President, The (1995)', 'Comedy|Drama'] },
      { line: 2, fields: ['7789', '11\'09"01 - September 11 (2002)', 'Drama'] },
      { line: 3, fields: ['', '"'] },
    ]);
  });

  it('joins a quoted field across lines and reports the line the record starts on', () => {
    expect(parse(['1,"two', 'lines, really",x', '2,"a",'])).toEqual([
      { line: 1, fields: ['1', 'two\nlines, really', 'x'] },
      { line: 3, fields: ['2', 'a', ''] },
    ]);
  });

  it('rejects text after a closing quote, naming the line and field', () => {
    const reader = new CsvRecordReader('/data/movies.csv');
    expect(reader.push('ok,fine', 1)).toEqual(['ok', 'fine']);
    let error: unknown;
    try {
      reader.push('5,"Bad "quote" here",Drama', 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatasetError);
    expect(error).toMatchObject({ file: '/data/movies.csv', line: 2, column: 2 });
    expect((error as Error).message).toBe('movies.csv:2:2: expected "," or the end of the line after the closing quote of a field, got "q"');
    // The reader goes on with the next line.
    expect(reader.push('6,"fine"', 3)).toEqual(['6', 'fine']);
  });

  it('rejects an unterminated quote at the end', () => {
    const reader = new CsvRecordReader('x.csv');
    expect(reader.push('1,2,"open', 4)).toBeUndefined();
    expect(() => reader.end()).toThrow('x.csv:4:3: expected a closing quote for the quoted field that starts here');
  });
});
