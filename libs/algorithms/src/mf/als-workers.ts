// Trains ALS on worker threads: the kernels run over one shared WebAssembly memory, pieces claimed by every thread.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { type InteractionMatrix } from '../matrix/interaction-matrix';
import { startAlsTraining, type AlsModel, type AlsOptions } from './als';
import { AlsKernels, alsKernelModule, claimPieces, type AlsKernelModule, type AlsLayout, type AlsMemory, type AlsTask } from './als-kernels';

/** File name of the worker entry that `tools/build/build.mjs` writes next to every bundle that trains ALS. */
export const ALS_WORKER_FILE = 'als-worker.js';

/** Which script a worker thread runs: a file that calls {@link serveAlsWorker} (see `als-worker.ts`). */
export interface AlsWorkerScript {
  /** Absolute path of the script (default: {@link ALS_WORKER_FILE} next to the running bundle). */
  readonly script?: string;
  /** Node options of the worker, e.g. a `--require` hook that loads TypeScript sources in tests. */
  readonly execArgv?: readonly string[];
}

/** Pieces per thread of each task: enough that a thread slowed by other load leaves its share to the others. */
const PIECES_PER_THREAD = 8;

/** Messages to a worker. */
type ToWorker =
  | { readonly type: 'attach'; readonly training: number; readonly memory: AlsMemory; readonly layout: AlsLayout; readonly module: AlsKernelModule }
  | { readonly type: 'run'; readonly training: number; readonly round: number; readonly task: AlsTask; readonly bounds: readonly number[]; readonly slot: number }
  | { readonly type: 'detach'; readonly training: number };

/** Messages from a worker. */
type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly round: number }
  | { readonly type: 'failed'; readonly round: number; readonly message: string; readonly stack?: string };

/** The round in flight: resolved when every worker has reported it done, rejected on the first failure. */
interface Round {
  readonly id: number;
  remaining: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * ALS training on `threads` threads: this one and `threads − 1` worker threads. Each training lays its matrix and
 * factors out in one shared WebAssembly memory; every task of it (row solves of a half-sweep, Gram chunks, basis
 * rotations) is cut into pieces of about equal cost that all threads claim from a shared counter, this thread
 * included, so a thread slowed by other load takes fewer. Factors are bit-identical to {@link trainAls}: every
 * row, chunk and rotated row is computed by the same kernel whichever thread runs it.
 *
 * A worker that throws, exits or cannot start fails the training that was running (the promise rejects with the
 * worker's error) and the pool: later trainings reject at once. {@link close} stops the workers; the pool keeps
 * the process alive until then.
 */
export class AlsWorkerPool {
  private nextTraining = 1;
  private nextRound = 1;
  private round: Round | undefined;
  private failure: Error | undefined;
  private closing = false;
  private busy = false;

  private constructor(
    readonly threads: number,
    private readonly workers: readonly Worker[],
  ) {
    workers.forEach((worker, index) => {
      worker.on('message', (m: FromWorker) => this.onMessage(m));
      worker.on('error', (error) => this.fail(new Error(`ALS worker ${index + 1} failed: ${error.message}`, { cause: error })));
      worker.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`ALS worker ${index + 1} exited (code ${code}) while the pool was open`));
      });
    });
  }

  /**
   * Starts `threads − 1` worker threads (none for 1) and resolves once every one has loaded and is waiting for
   * work; rejects (and stops the others) if one cannot start, e.g. when the worker script is missing.
   */
  static async start(threads: number, worker: AlsWorkerScript = {}): Promise<AlsWorkerPool> {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
    const script = worker.script ?? join(__dirname, ALS_WORKER_FILE);
    if (threads > 1 && !existsSync(script)) {
      throw new Error(`the ALS worker script ${script} does not exist: bundles built by tools/build/build.mjs have it next to them; from sources, pass its path`);
    }
    const workers: Worker[] = [];
    const started: Promise<void>[] = [];
    for (let t = 1; t < threads; t++) {
      const w = new Worker(script, { execArgv: worker.execArgv ? [...worker.execArgv] : undefined, workerData: { alsWorker: true } });
      workers.push(w);
      started.push(
        new Promise<void>((resolve, reject) => {
          const onExit = (code: number) => reject(new Error(`ALS worker ${t} exited (code ${code}) before it was ready (script ${script})`));
          w.once('message', (m: FromWorker) => {
            w.off('exit', onExit);
            if (m.type === 'ready') resolve();
            else reject(new Error(`ALS worker ${t} sent ${m.type} before it was ready`));
          });
          w.once('error', reject);
          w.once('exit', onExit);
        }),
      );
    }
    try {
      await Promise.all(started);
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw error;
    }
    return new AlsWorkerPool(threads, workers);
  }

  /**
   * Trains ALS exactly as {@link trainAls} does (same options, bit-identical factors), with the work split across
   * the pool's threads. One training at a time per pool. Rejects if a worker fails.
   */
  async train(matrix: InteractionMatrix, options: AlsOptions = {}): Promise<AlsModel> {
    if (this.failure) throw this.failure;
    if (this.closing) throw new Error('the ALS worker pool is closed');
    if (this.busy) throw new Error('the ALS worker pool trains one model at a time');
    this.busy = true;
    const id = this.nextTraining++;
    let attached = false;
    try {
      const training = startAlsTraining(matrix, options, this.threads);
      const { memory, layout } = training.workspace;
      const module = alsKernelModule();
      const kernels = new AlsKernels(memory, layout, module);
      const counter = training.workspace.counter();
      this.post({ type: 'attach', training: id, memory, layout, module });
      attached = true;
      for (;;) {
        const next = training.tasks.next();
        if (next.done) return next.value;
        const task = next.value;
        const bounds = training.pieces(task, this.threads * PIECES_PER_THREAD);
        Atomics.store(counter, 0, 0);
        const done = this.startRound();
        this.workers.forEach((_, w) => this.post({ type: 'run', training: id, round: this.round!.id, task, bounds, slot: w + 1 }, w));
        try {
          claimPieces(kernels, counter, task, bounds, 0);
        } finally {
          // Even when this thread failed, the workers may still be writing: wait for them before returning.
          await done;
        }
      }
    } finally {
      if (attached && !this.failure) this.post({ type: 'detach', training: id });
      this.busy = false;
    }
  }

  /** Stops the workers (pending work is abandoned). */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private post(message: ToWorker, only?: number): void {
    this.workers.forEach((w, i) => {
      if (only === undefined || only === i) w.postMessage(message);
    });
  }

  private startRound(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      this.round = { id: this.nextRound++, remaining: this.workers.length, resolve, reject };
      if (this.workers.length === 0) resolve();
    });
  }

  private onMessage(m: FromWorker): void {
    const round = this.round;
    if (m.type === 'ready' || !round || m.round !== round.id) return;
    if (m.type === 'failed') {
      const error = new Error(`an ALS worker failed: ${m.message}`);
      if (m.stack) error.stack = `${error.message}\n--- in the worker:\n${m.stack}`;
      this.fail(error);
      return;
    }
    round.remaining--;
    if (round.remaining === 0) {
      this.round = undefined;
      round.resolve();
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const round = this.round;
    this.round = undefined;
    round?.reject(this.failure);
  }
}

/**
 * The worker side of {@link AlsWorkerPool}: attaches to each training's memory, runs the pieces it claims of
 * every task it is sent and reports each round done (or failed, with the error). Called by the worker entry
 * `als-worker.ts`; `port` is its `parentPort`.
 */
export function serveAlsWorker(port: { postMessage(m: FromWorker): void; on(event: 'message', f: (m: ToWorker) => void): unknown }): void {
  // A failure to attach is reported by the first round of that training.
  const trainings = new Map<number, { kernels: AlsKernels; counter: Int32Array } | Error>();
  port.on('message', (m) => {
    if (m.type === 'attach') {
      try {
        trainings.set(m.training, { kernels: new AlsKernels(m.memory, m.layout, m.module), counter: new Int32Array(m.memory.buffer, m.layout.counter, 1) });
      } catch (error) {
        trainings.set(m.training, error instanceof Error ? error : new Error(String(error)));
      }
    } else if (m.type === 'detach') {
      trainings.delete(m.training);
    } else {
      try {
        const t = trainings.get(m.training);
        if (t === undefined) throw new Error(`training ${m.training} was never attached`);
        if (t instanceof Error) throw t;
        claimPieces(t.kernels, t.counter, m.task, m.bounds, m.slot);
        port.postMessage({ type: 'done', round: m.round });
      } catch (error) {
        const e = error instanceof Error ? error : new Error(String(error));
        port.postMessage({ type: 'failed', round: m.round, message: e.message, stack: e.stack });
      }
    }
  });
  port.postMessage({ type: 'ready' });
}
