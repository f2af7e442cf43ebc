// Solves ALS half-sweeps on worker threads: rows split by cost between this thread and N−1 workers over shared memory.
import { Worker } from 'node:worker_threads';
import { createAlsScratch, GRAM_CHUNK_ROWS, gramChunk, rotateRows, solveAlsRows, type AlsRowExecutor, type AlsSolveOptions, type CsrRows } from '@recsys/algorithms';

/** One half-sweep's work for a worker: shared buffers and the row range. */
interface SolveMessage {
  readonly kind: 'solve';
  readonly nRows: number;
  readonly nCols: number;
  readonly indptr: SharedArrayBuffer;
  readonly indices: SharedArrayBuffer;
  readonly values: SharedArrayBuffer;
  readonly target: SharedArrayBuffer;
  readonly fixed: SharedArrayBuffer;
  readonly gram: SharedArrayBuffer;
  readonly gramLength: number;
  readonly opts: AlsSolveOptions;
  readonly start: number;
  readonly end: number;
  /** Int32Array(2): [workers finished, workers failed]. */
  readonly done: SharedArrayBuffer;
}

/** Gram partial sums of chunks [chunkStart, chunkEnd) of a factor matrix. */
interface GramMessage {
  readonly kind: 'gram';
  readonly factors: SharedArrayBuffer;
  readonly n: number;
  readonly k: number;
  readonly chunkStart: number;
  readonly chunkEnd: number;
  readonly partials: SharedArrayBuffer;
  readonly done: SharedArrayBuffer;
}

/** Rotation of row ranges of factor matrices. */
interface RotateMessage {
  readonly kind: 'rotate';
  readonly parts: readonly { factors: SharedArrayBuffer; start: number; end: number }[];
  readonly k: number;
  readonly m: SharedArrayBuffer;
  readonly done: SharedArrayBuffer;
}

type WorkerMessage = SolveMessage | GramMessage | RotateMessage;

/**
 * An {@link AlsRowExecutor} over `threads` threads: this one and `threads − 1` workers running `script` (a file
 * that calls {@link runAlsWorker} when it is not the main thread). Factors live on SharedArrayBuffers. Each
 * half-sweep splits the rows into contiguous ranges of about equal cost (non-zeros × 2k plus the Gram product);
 * Gram matrices are split by chunks and rotations by rows. This thread takes the first part and blocks
 * (Atomics.wait) until the workers have done theirs. Results are bit-identical to the single-threaded run.
 */
export class WorkerRowExecutor implements AlsRowExecutor {
  private readonly workers: Worker[] = [];
  private readonly ready: Promise<void>;
  private readonly sharedRows = new WeakMap<CsrRows, { indptr: Int32Array; indices: Int32Array; values: Float32Array }>();
  private readonly done = new Int32Array(new SharedArrayBuffer(8));
  private gram = new Float64Array(new SharedArrayBuffer(8));
  private partials = new Float64Array(new SharedArrayBuffer(8));
  private matrix = new Float64Array(new SharedArrayBuffer(8));
  private scratch = createAlsScratch(1);

  constructor(readonly threads: number, script: string) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    const started: Promise<void>[] = [];
    for (let t = 1; t < threads; t++) {
      const worker = new Worker(script, { workerData: { alsWorker: true } });
      started.push(new Promise((resolve, reject) => {
        worker.once('message', () => resolve());
        worker.once('error', reject);
      }));
      this.workers.push(worker);
    }
    this.ready = Promise.all(started).then(() => undefined);
  }

  /** Resolves once every worker has loaded and is waiting for work. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  allocate(length: number): Float32Array {
    return new Float32Array(new SharedArrayBuffer(length * Float32Array.BYTES_PER_ELEMENT));
  }

  solve(rows: CsrRows, target: Float32Array, fixed: Float32Array, gram: Float64Array, opts: AlsSolveOptions): void {
    if (!(target.buffer instanceof SharedArrayBuffer) || !(fixed.buffer instanceof SharedArrayBuffer)) {
      throw new Error('WorkerRowExecutor needs factors from its allocate()');
    }
    const shared = this.share(rows);
    if (this.gram.length < gram.length) this.gram = new Float64Array(new SharedArrayBuffer(gram.length * 8));
    this.gram.set(gram);
    if (this.scratch.x.length !== opts.factors) this.scratch = createAlsScratch(opts.factors);
    const bounds = splitByCost(rows, this.threads, opts.factors, gram.length === opts.factors);
    this.startRound();
    this.workers.forEach((worker, w) => {
      const message: SolveMessage = {
        kind: 'solve',
        nRows: rows.nRows,
        nCols: rows.nCols,
        indptr: shared.indptr.buffer as SharedArrayBuffer,
        indices: shared.indices.buffer as SharedArrayBuffer,
        values: shared.values.buffer as SharedArrayBuffer,
        target: target.buffer as SharedArrayBuffer,
        fixed: fixed.buffer as SharedArrayBuffer,
        gram: this.gram.buffer as SharedArrayBuffer,
        gramLength: gram.length,
        opts: { factors: opts.factors, alpha: opts.alpha, cgSteps: opts.cgSteps },
        start: bounds[w + 1],
        end: bounds[w + 2],
        done: this.done.buffer as SharedArrayBuffer,
      };
      worker.postMessage(message);
    });
    solveAlsRows(rows, target, fixed, gram, opts, bounds[0], bounds[1], this.scratch);
    this.awaitWorkers();
  }

  gramChunks(factors: Float32Array, n: number, k: number, partials: Float64Array): void {
    const shared = sharedOf(factors);
    const chunks = Math.max(1, Math.ceil(n / GRAM_CHUNK_ROWS));
    if (this.partials.length < chunks * k * k) this.partials = new Float64Array(new SharedArrayBuffer(chunks * k * k * 8));
    const bounds = evenSplit(chunks, this.threads);
    this.startRound();
    this.workers.forEach((worker, w) => {
      const message: GramMessage = {
        kind: 'gram',
        factors: shared,
        n,
        k,
        chunkStart: bounds[w + 1],
        chunkEnd: bounds[w + 2],
        partials: this.partials.buffer as SharedArrayBuffer,
        done: this.done.buffer as SharedArrayBuffer,
      };
      worker.postMessage(message);
    });
    gramChunksOf(factors, n, k, bounds[0], bounds[1], this.partials);
    this.awaitWorkers();
    partials.set(this.partials.subarray(0, chunks * k * k));
  }

  rotate(factors: readonly Float32Array[], k: number, m: Float64Array): void {
    if (this.matrix.length < k * k) this.matrix = new Float64Array(new SharedArrayBuffer(k * k * 8));
    this.matrix.set(m);
    const splits = factors.map((f) => evenSplit(f.length / k, this.threads));
    this.startRound();
    this.workers.forEach((worker, w) => {
      const message: RotateMessage = {
        kind: 'rotate',
        parts: factors.map((f, j) => ({ factors: sharedOf(f), start: splits[j][w + 1], end: splits[j][w + 2] })),
        k,
        m: this.matrix.buffer as SharedArrayBuffer,
        done: this.done.buffer as SharedArrayBuffer,
      };
      worker.postMessage(message);
    });
    factors.forEach((f, j) => rotateRows(f, k, m, splits[j][0], splits[j][1]));
    this.awaitWorkers();
  }

  private startRound(): void {
    Atomics.store(this.done, 0, 0);
    Atomics.store(this.done, 1, 0);
  }

  /** Blocks until every worker has counted itself done; throws when one failed or took over 120 s. */
  private awaitWorkers(): void {
    for (;;) {
      const finished = Atomics.load(this.done, 0);
      if (finished >= this.workers.length) break;
      if (Atomics.wait(this.done, 0, finished, 120_000) === 'timed-out') throw new Error('ALS worker did not finish within 120 s');
    }
    if (Atomics.load(this.done, 1) > 0) throw new Error('an ALS worker failed (see its error output)');
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private share(rows: CsrRows): { indptr: Int32Array; indices: Int32Array; values: Float32Array } {
    let shared = this.sharedRows.get(rows);
    if (!shared) {
      const copy = <T extends Int32Array | Float32Array>(a: T, make: (b: SharedArrayBuffer) => T): T => {
        const out = make(new SharedArrayBuffer(a.length * 4));
        out.set(a);
        return out;
      };
      shared = {
        indptr: copy(rows.indptr, (b) => new Int32Array(b)),
        indices: copy(rows.indices, (b) => new Int32Array(b)),
        values: copy(rows.values, (b) => new Float32Array(b)),
      };
      this.sharedRows.set(rows, shared);
    }
    return shared;
  }
}

/** The shared buffer under a factor matrix from {@link WorkerRowExecutor.allocate}. */
function sharedOf(f: Float32Array): SharedArrayBuffer {
  if (!(f.buffer instanceof SharedArrayBuffer) || f.byteOffset !== 0) throw new Error('WorkerRowExecutor needs factors from its allocate()');
  return f.buffer;
}

/** [0, …, n] cut into `parts` nearly equal ranges. */
function evenSplit(n: number, parts: number): number[] {
  return Array.from({ length: parts + 1 }, (_, p) => Math.round((n * p) / parts));
}

/** gramChunk for chunks [from, to) into their slots of `partials`. */
function gramChunksOf(factors: Float32Array, n: number, k: number, from: number, to: number, partials: Float64Array): void {
  for (let c = from; c < to; c++) {
    gramChunk(factors, k, c * GRAM_CHUNK_ROWS, Math.min(n, (c + 1) * GRAM_CHUNK_ROWS), partials.subarray(c * k * k, (c + 1) * k * k));
  }
}

/** Row boundaries [b0 = 0, b1, …, b_threads = nRows] splitting the rows into parts of about equal solve cost. */
export function splitByCost(rows: CsrRows, parts: number, k: number, diagonal: boolean): number[] {
  const perRow = diagonal ? 2 * k : k * k;
  const total = 2 * k * rows.indptr[rows.nRows] + perRow * rows.nRows;
  const bounds = [0];
  let row = 0;
  for (let part = 1; part < parts; part++) {
    const goal = (total * part) / parts;
    while (row < rows.nRows && 2 * k * rows.indptr[row] + perRow * row < goal) row++;
    bounds.push(row);
  }
  bounds.push(rows.nRows);
  return bounds;
}

/** The worker side: signals readiness, then does each part it is sent and counts itself done. */
export function runAlsWorker(port: { postMessage(m: unknown): void; on(event: 'message', f: (m: WorkerMessage) => void): void }): void {
  let scratch = createAlsScratch(1);
  port.on('message', (m) => {
    const done = new Int32Array(m.done);
    try {
      if (m.kind === 'solve') {
        if (scratch.x.length !== m.opts.factors) scratch = createAlsScratch(m.opts.factors);
        const rows: CsrRows = {
          nRows: m.nRows,
          nCols: m.nCols,
          indptr: new Int32Array(m.indptr),
          indices: new Int32Array(m.indices),
          values: new Float32Array(m.values),
        };
        const gram = new Float64Array(m.gram, 0, m.gramLength);
        solveAlsRows(rows, new Float32Array(m.target), new Float32Array(m.fixed), gram, m.opts, m.start, m.end, scratch);
      } else if (m.kind === 'gram') {
        gramChunksOf(new Float32Array(m.factors), m.n, m.k, m.chunkStart, m.chunkEnd, new Float64Array(m.partials));
      } else {
        const rotation = new Float64Array(m.m, 0, m.k * m.k);
        for (const part of m.parts) rotateRows(new Float32Array(part.factors), m.k, rotation, part.start, part.end);
      }
    } catch (error) {
      console.error(error);
      Atomics.add(done, 1, 1);
    }
    Atomics.add(done, 0, 1);
    Atomics.notify(done, 0);
  });
  port.postMessage('ready');
}
