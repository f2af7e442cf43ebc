/**
 * ALS speed against the Python `implicit` package: the same matrix, confidences, factors, regularization, CG steps
 * and iterations; prints seconds per iteration of both and the ratio. The benchmark pip-installs implicit into a
 * virtual env under tmp/bench-venv on first use. Usage:
 *   npm run bench:als -- [--iterations 15] [--factors 64] [--regularization 0.01] [--alpha 1] [--cg-steps 3]
 *                        [--threads 2] [--data PATH --format FORMAT] [--venv tmp/bench-venv] [--skip-python]
 *   npm run bench:als -- --tune als|svd [--data PATH --format FORMAT] [--split-seed 42]
 * --tune als searches ALS hyper-parameters (NDCG@10) on a validation split carved from the train part of the
 * seed-42 per-user 80/20 split (the test part is never used) and prints the grid and the best setting; --tune svd
 * does the same for biased MF on RMSE, then reports the test RMSE of the chosen setting once.
 * Without --data: /work/shared/datasets/ml-latest-small if present, else the demo world in tmp/demo-world, else a
 * seeded synthetic matrix.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { alsLoss, AlsWorkerPool, createRng, InteractionMatrixBuilder, trainAls, type AlsModel, type AlsOptions, type InteractionMatrix } from '@recsys/algorithms';
import { DATASET_FORMATS, loadDataset, type DatasetFormat } from '@recsys/datasets';
import { tuneAls, tuneSvd } from './als/tune';

const ML_LATEST_SMALL = '/work/shared/datasets/ml-latest-small';
const DEMO_WORLD = 'tmp/demo-world';
const WORK_DIR = 'tmp/bench-als';
const PIP_PACKAGES = ['implicit', 'scipy', 'numpy', 'threadpoolctl'];

interface Timing {
  label: string;
  /** Wall-clock seconds per iteration. */
  seconds: number[];
  /** CPU seconds per iteration, summed over the process's threads (steadier than wall time on a shared machine). */
  cpu: number[];
  loss?: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      iterations: { type: 'string', default: '15' },
      factors: { type: 'string', default: '64' },
      regularization: { type: 'string', default: '0.01' },
      alpha: { type: 'string', default: '1' },
      'cg-steps': { type: 'string', default: '3' },
      threads: { type: 'string', default: '2' },
      seed: { type: 'string', default: '0' },
      data: { type: 'string' },
      format: { type: 'string' },
      venv: { type: 'string', default: 'tmp/bench-venv' },
      'skip-python': { type: 'boolean', default: false },
      tune: { type: 'string' },
      'split-seed': { type: 'string', default: '42' },
    },
  });
  const iterations = positiveInt('iterations', values.iterations);
  const factors = positiveInt('factors', values.factors);
  const cgSteps = positiveInt('cg-steps', values['cg-steps']);
  const threads = positiveInt('threads', values.threads);
  const seed = Number(values.seed);
  const regularization = Number(values.regularization);
  const alpha = Number(values.alpha);

  const cpu = cpus();
  console.log(`machine: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, node ${process.version}, ${process.platform}-${process.arch}`);
  const { matrix, source } = await loadMatrix(values.data, values.format);
  const total = matrix.indptr[matrix.nUsers];
  console.log(`matrix: ${source}: ${matrix.nUsers} users × ${matrix.nItems} items, ${total} entries`);
  if (values.tune === 'svd') {
    const splitSeed = Number(values['split-seed']);
    tuneSvd(matrix, {
      splitSeed,
      validationSeed: splitSeed + 1,
      testFraction: 0.2,
      factors: [10, 50, 100],
      regularization: [0.02, 0.05, 0.1],
      epochs: [30, 60],
      learningRate: [0.005, 0.01],
      print: (line) => console.log(line),
    });
    return;
  }
  if (values.tune !== undefined && values.tune !== 'als') throw new Error(`--tune must be als or svd (got "${values.tune}")`);
  if (values.tune === 'als') {
    const splitSeed = Number(values['split-seed']);
    const { rows, best } = tuneAls(matrix, {
      splitSeed,
      validationSeed: splitSeed + 1,
      testFraction: 0.2,
      factors: [32, 64, 128],
      regularization: [1, 10, 30, 100, 300],
      alpha: [1, 5, 10, 20, 50],
      iterations: [15, 5, 10, 30],
      print: (line) => console.log(line),
    });
    const p = best.params;
    console.log(`\n${rows.length} configurations; best on validation: factors=${p.factors},regularization=${p.regularization},alpha=${p.alpha},iterations=${p.iterations},values=${p.values} (ndcg@10 ${best.ndcg10.toFixed(4)})`);
    return;
  }
  console.log(
    `problem: factors ${factors}, regularization ${regularization}, confidence 1 + ${alpha}·r, ${cgSteps} CG steps per row, ${iterations} iterations (one user sweep + one item sweep each)`,
  );

  const dir = resolve(WORK_DIR);
  writeMatrix(dir, matrix, alpha);
  console.log(`wrote ${WORK_DIR}/{header.json,indptr.i32,indices.i32,confidence.f32} (confidences, for the Python side)`);

  const timings: Timing[] = [];
  const ours1 = await timeOurs(matrix, { factors, regularization, alpha, iterations, cgSteps, seed });
  timings.push({ label: 'ours (TypeScript), 1 thread', seconds: ours1.seconds, cpu: ours1.cpu, loss: alsLoss(ours1.model, matrix) });
  if (threads > 1) {
    const pool = await AlsWorkerPool.start(threads);
    try {
      const oursN = await timeOurs(matrix, { factors, regularization, alpha, iterations, cgSteps, seed }, pool);
      timings.push({ label: `ours (TypeScript), ${threads} threads (main + ${threads - 1} worker)`, seconds: oursN.seconds, cpu: oursN.cpu, loss: alsLoss(oursN.model, matrix) });
      if (!sameFactors(ours1.model, oursN.model)) console.log('WARNING: threaded factors differ from the single-threaded ones');
      else console.log(`threaded run: factors bit-identical to the 1-thread run`);
    } finally {
      await pool.close();
    }
  }

  if (values['skip-python']) {
    console.log('implicit: skipped (--skip-python)');
  } else {
    const python = ensureVenv(resolve(values.venv));
    if (python) {
      for (const n of threads > 1 ? [threads, 1] : [1]) {
        const run = runImplicit(python, dir, { factors, iterations, regularization, cgSteps, threads: n, seed });
        if (!run) break;
        const model: AlsModel = {
          factors,
          nUsers: matrix.nUsers,
          nItems: matrix.nItems,
          userFactors: readF32(join(dir, 'implicit_user_factors.f32')),
          itemFactors: readF32(join(dir, 'implicit_item_factors.f32')),
          regularization,
          alpha,
        };
        timings.push({ label: `implicit ${run.version} (CPU, CG), ${n} thread${n > 1 ? 's' : ''}`, seconds: run.seconds, cpu: run.cpu, loss: alsLoss(model, matrix) });
      }
    }
  }

  console.log('\nseconds per iteration (wall: median over the iterations, mean, first; CPU of all threads: median) and the final objective:');
  const width = Math.max(...timings.map((t) => t.label.length));
  for (const t of timings) {
    console.log(
      `  ${t.label.padEnd(width)}  median ${median(t.seconds).toFixed(4)} s  mean ${mean(t.seconds).toFixed(4)} s  first ${t.seconds[0].toFixed(4)} s  CPU ${median(t.cpu).toFixed(4)} s` +
        (t.loss === undefined ? '' : `  objective ${t.loss.toExponential(6)}`),
    );
  }
  const find = (prefix: string, n: number) => timings.find((t) => t.label.startsWith(prefix) && t.label.includes(`${n} thread`));
  const ratios: string[] = [];
  for (const n of [...new Set([threads, 1])]) {
    const ours = find('ours', n);
    const theirs = find('implicit', n);
    if (ours && theirs) {
      ratios.push(
        `${n} thread${n > 1 ? 's' : ''}: ours/implicit = ${(median(ours.seconds) / median(theirs.seconds)).toFixed(2)}× wall, ${(median(ours.cpu) / median(theirs.cpu)).toFixed(2)}× CPU`,
      );
    }
  }
  if (ratios.length > 0) console.log(`ratio (medians): ${ratios.join('; ')}`);
  else console.log('ratio: not available (implicit did not run)');
}

/** Trains ours (in this thread, or on the pool) and times each iteration. */
async function timeOurs(matrix: InteractionMatrix, opts: AlsOptions, pool?: AlsWorkerPool): Promise<{ model: AlsModel; seconds: number[]; cpu: number[] }> {
  const seconds: number[] = [];
  const cpu: number[] = [];
  const cpuSeconds = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let last = performance.now();
  let lastCpu = cpuSeconds();
  const options: AlsOptions = {
    ...opts,
    onIteration: () => {
      const now = performance.now();
      const nowCpu = cpuSeconds();
      seconds.push((now - last) / 1000);
      cpu.push(nowCpu - lastCpu);
      last = now;
      lastCpu = nowCpu;
    },
  };
  const model = pool ? await pool.train(matrix, options) : trainAls(matrix, options);
  return { model, seconds, cpu };
}

async function loadMatrix(data: string | undefined, format: string | undefined): Promise<{ matrix: InteractionMatrix; source: string }> {
  if (data) {
    if (!format || !(DATASET_FORMATS as readonly string[]).includes(format)) throw new Error(`--format must be one of ${DATASET_FORMATS.join(', ')}`);
    const loaded = await loadDataset(data, format as DatasetFormat);
    return { matrix: loaded.matrix, source: `${data} (${format}, values as r)` };
  }
  if (existsSync(join(ML_LATEST_SMALL, 'ratings.csv'))) {
    const loaded = await loadDataset(ML_LATEST_SMALL, 'movielens-csv');
    return { matrix: loaded.matrix, source: `ml-latest-small (${ML_LATEST_SMALL}, movielens-csv; ratings 0.5–5 as r)` };
  }
  if (existsSync(join(DEMO_WORLD, 'manifest.json'))) {
    const loaded = await loadDataset(DEMO_WORLD, 'world');
    return { matrix: loaded.matrix, source: `demo world (${DEMO_WORLD}, world; click 1 / save 3 / share 3 summed as r)` };
  }
  return { matrix: syntheticMatrix(5000, 20000, 100, 7), source: 'synthetic (seed 7: 5000 users × 100 Zipf-distributed items each, r = 1)' };
}

/** A seeded matrix: each user picks `perUser` items with probability ∝ 1/(rank+10). */
function syntheticMatrix(users: number, items: number, perUser: number, seed: number): InteractionMatrix {
  const rng = createRng(seed);
  const cumulative = new Float64Array(items);
  let sum = 0;
  for (let i = 0; i < items; i++) cumulative[i] = sum += 1 / (i + 10);
  const b = new InteractionMatrixBuilder('max');
  for (let i = 0; i < items; i++) b.addItem(`i${i}`);
  for (let u = 0; u < users; u++) {
    const user = b.addUser(`u${u}`);
    for (let n = 0; n < perUser; n++) {
      const target = rng.next() * sum;
      let lo = 0;
      let hi = items - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid] < target) lo = mid + 1;
        else hi = mid;
      }
      b.addIndexed(user, lo, 1);
    }
  }
  return b.build();
}

/** Writes the CSR with confidences c = 1 + α·r as little-endian binaries plus a JSON header. */
function writeMatrix(dir: string, m: InteractionMatrix, alpha: number): void {
  mkdirSync(dir, { recursive: true });
  const total = m.indptr[m.nUsers];
  const confidence = new Float32Array(total);
  for (let e = 0; e < total; e++) confidence[e] = 1 + alpha * m.values[e];
  const bytes = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, 'header.json'), `${JSON.stringify({ rows: m.nUsers, cols: m.nItems, nnz: total, alpha })}\n`);
  writeFileSync(join(dir, 'indptr.i32'), bytes(m.indptr));
  writeFileSync(join(dir, 'indices.i32'), bytes(m.indices));
  writeFileSync(join(dir, 'confidence.f32'), bytes(confidence));
}

/** The venv's python with implicit importable, creating the venv and installing on first use; undefined on failure. */
function ensureVenv(venv: string): string | undefined {
  const python = join(venv, 'bin', 'python');
  const importable = () => existsSync(python) && spawnSync(python, ['-c', 'import implicit, scipy, numpy, threadpoolctl'], { stdio: 'ignore' }).status === 0;
  if (importable()) {
    console.log(`python: using the virtual env ${venv}`);
    return python;
  }
  if (!existsSync(python)) {
    console.log(`python: creating a virtual env in ${venv} (python3 -m venv)`);
    const made = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' });
    if (made.status !== 0) {
      console.log(`implicit: NOT RUN — python3 -m venv failed: ${(made.stderr || made.error?.message || '').trim()}`);
      return undefined;
    }
  }
  console.log(`python: pip install ${PIP_PACKAGES.join(' ')} (from PyPI)`);
  const pip = spawnSync(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', ...PIP_PACKAGES], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (pip.status !== 0 || !importable()) {
    console.log(`implicit: NOT RUN — pip install failed (no usable wheel or no network?):\n${(pip.stderr || pip.stdout || '').trim().split('\n').slice(-8).join('\n')}`);
    return undefined;
  }
  return python;
}

/** Runs implicit on the written matrix; its per-iteration seconds and version. */
function runImplicit(
  python: string,
  dir: string,
  o: { factors: number; iterations: number; regularization: number; cgSteps: number; threads: number; seed: number },
): { seconds: number[]; cpu: number[]; version: string } | undefined {
  // implicit parallelises rows with OpenMP (num_threads) and wants a single-threaded BLAS under it.
  const env = { ...process.env, OMP_NUM_THREADS: String(o.threads), OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const script = resolve('tools/bench/als/implicit_bench.py');
  const args = [script, dir, '--factors', String(o.factors), '--iterations', String(o.iterations), '--regularization', String(o.regularization), '--cg-steps', String(o.cgSteps), '--threads', String(o.threads), '--seed', String(o.seed)];
  const run = spawnSync(python, args, { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) {
    console.log(`implicit: run failed (exit ${run.status}):\n${(run.stderr || '').trim().split('\n').slice(-8).join('\n')}`);
    return undefined;
  }
  const line = run.stdout.trim().split('\n').pop() ?? '{}';
  const out = JSON.parse(line) as {
    implicit: string;
    numpy: string;
    python: string;
    numThreads: number;
    env: Record<string, string | null>;
    threadpools: { user_api: string; internal_api: string; num_threads: number }[];
    iterationSeconds: number[];
    iterationCpuSeconds: number[];
  };
  const pools = out.threadpools.map((p) => `${p.internal_api}=${p.num_threads}`).join(', ');
  console.log(
    `implicit ${out.implicit} (python ${out.python}, numpy ${out.numpy}): num_threads=${out.numThreads}, OMP_NUM_THREADS=${out.env.OMP_NUM_THREADS}, OPENBLAS_NUM_THREADS=${out.env.OPENBLAS_NUM_THREADS}; threadpools: ${pools}`,
  );
  return { seconds: out.iterationSeconds, cpu: out.iterationCpuSeconds, version: out.implicit };
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function sameFactors(a: AlsModel, b: AlsModel): boolean {
  const eq = (x: Float32Array, y: Float32Array) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return eq(a.userFactors, b.userFactors) && eq(a.itemFactors, b.itemFactors);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got "${text}")`);
  return n;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
