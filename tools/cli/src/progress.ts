/** A progress bar for long commands: redraws in place on a terminal, prints a line every 10% otherwise. */

/** A progress reporter. */
export interface Progress {
  /** Sets the number of units done. */
  update(done: number): void;
  /** Marks the work finished and prints the final line. */
  done(summary?: string): void;
}

/** Creates a progress bar labelled `label` over `total` units, written to `stream` (default stderr). */
export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  const width = 30;
  let lastDecile = -1;
  let lastDraw = 0;
  const render = (done: number): string => {
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const filled = Math.round(ratio * width);
    const secs = (Date.now() - started) / 1000;
    const rate = secs > 0 ? Math.round(done / secs) : 0;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${(ratio * 100).toFixed(0)}% ${rate}/s`;
  };
  return {
    update(done) {
      if (stream.isTTY) {
        if (Date.now() - lastDraw < 80 && done < total) return;
        lastDraw = Date.now();
        stream.write(`\r${render(done)}`);
      } else {
        const decile = total > 0 ? Math.floor((done / total) * 10) : 10;
        if (decile > lastDecile) {
          lastDecile = decile;
          stream.write(`${render(done)}\n`);
        }
      }
    },
    done(summary) {
      const line = `${render(total)}${summary ? `  ${summary}` : ''}`;
      if (stream.isTTY) stream.write(`\r${line}\n`);
      // Off a terminal the 100% line was already printed by update(); repeat it only to add the summary.
      else if (summary || lastDecile < 10) stream.write(`${line}\n`);
    },
  };
}
