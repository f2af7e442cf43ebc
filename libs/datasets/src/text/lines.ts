/** Streams a text file as batches of lines, with bounded memory whatever the file size. */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Text encodings of dataset files: MovieLens `.dat` and `u.*` files are Latin-1, CSV files UTF-8. */
export type TextEncoding = 'utf8' | 'latin1';

/** Options of {@link readLineBatches}. */
export interface ReadLinesOptions {
  encoding: TextEncoding;
  /** Called after each chunk read with the number of bytes it held. */
  onBytes?: (bytes: number) => void;
  /** Read size in bytes (default 1 MiB); a batch holds the complete lines of one read. */
  chunkBytes?: number;
}

/**
 * Yields the lines of `file` in batches (one batch per read of `chunkBytes`), without line terminators:
 * `\n` and `\r\n` both end a line, a UTF-8 byte-order mark is dropped, and a last line without a terminator is
 * still yielded. Every line of the file is yielded, empty ones included, so the k-th line overall is line k.
 * Memory: one chunk plus one partial line.
 */
export async function* readLineBatches(file: string, opts: ReadLinesOptions): AsyncGenerator<string[]> {
  const decoder = new StringDecoder(opts.encoding);
  const stream = createReadStream(file, { highWaterMark: opts.chunkBytes ?? 1 << 20 });
  let carry = '';
  let first = true;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let text = carry + decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines = text.split('\n');
    carry = lines.pop() as string;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
    }
    opts.onBytes?.(chunk.length);
    if (lines.length > 0) yield lines;
  }
  let rest = carry + decoder.end();
  if (first && rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  if (rest.length > 0 && rest.charCodeAt(rest.length - 1) === 13) rest = rest.slice(0, -1);
  if (rest.length > 0) yield [rest];
}
