import { Writable } from 'node:stream';
import { progressBar } from './progress';

function capture(tty: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  }) as unknown as NodeJS.WriteStream;
  stream.isTTY = tty;
  return { stream, text: () => text };
}

describe('progressBar', () => {
  it('prints the first line and one per 10% off a terminal, the final line once', () => {
    const out = capture(false);
    const bar = progressBar('events', 100, out.stream);
    for (let i = 1; i <= 100; i++) bar.update(i);
    bar.done();
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(11);
    expect(lines[10]).toMatch(/^events \[#{30}\] 100\/100 100%/);
  });

  it('redraws in place on a terminal and ends with a newline and the summary', () => {
    const out = capture(true);
    const bar = progressBar('pins', 4, out.stream);
    bar.update(4);
    bar.done('ok');
    expect(out.text().startsWith('\r')).toBe(true);
    expect(out.text().endsWith('  ok\n')).toBe(true);
  });
});
