import { join } from 'node:path';
import { SOURCE_ALS_WORKER, testWorker } from '../../test/source-als-worker';
import { InteractionMatrixBuilder, type InteractionMatrix } from '../matrix/interaction-matrix';
import { createRng } from '../random/rng';
import { trainAls, type AlsModel, type AlsOptions } from './als';
import { AlsWorkerPool } from './als-workers';


function randomMatrix(users: number, items: number, density: number, seed: number): InteractionMatrix {
  const rng = createRng(seed);
  const b = new InteractionMatrixBuilder();
  for (let u = 0; u < users; u++) b.addUser(`u${u}`);
  for (let i = 0; i < items; i++) b.addItem(`i${i}`);
  for (let u = 0; u < users; u++) for (let i = 0; i < items; i++) if (rng.next() < density) b.addIndexed(u, i, 1 + rng.int(5));
  return b.build();
}

function expectSameBits(a: AlsModel, b: AlsModel): void {
  expect(Buffer.from(b.userFactors.buffer, b.userFactors.byteOffset, b.userFactors.byteLength)).toEqual(
    Buffer.from(a.userFactors.buffer, a.userFactors.byteOffset, a.userFactors.byteLength),
  );
  expect(Buffer.from(b.itemFactors.buffer, b.itemFactors.byteOffset, b.itemFactors.byteLength)).toEqual(
    Buffer.from(a.itemFactors.buffer, a.itemFactors.byteOffset, a.itemFactors.byteLength),
  );
}

describe('AlsWorkerPool', () => {
  jest.setTimeout(60_000);
  let pool: AlsWorkerPool;
  beforeAll(async () => {
    pool = await AlsWorkerPool.start(3, SOURCE_ALS_WORKER);
  });
  afterAll(() => pool.close());

  it.each<[string, InteractionMatrix, AlsOptions]>([
    ['more items than users (rotated item sweeps), odd k', randomMatrix(40, 300, 0.05, 1), { factors: 7, iterations: 5, seed: 2 }],
    ['more users than items (rotated user sweeps), many chunks', randomMatrix(2500, 30, 0.1, 3), { factors: 8, iterations: 3, alpha: 4, regularization: 0.5 }],
    ['k = 1, 8 CG steps', randomMatrix(50, 60, 0.1, 4), { factors: 1, iterations: 4, cgSteps: 8 }],
  ])('gives factors bit-identical to training in one thread: %s', async (_, matrix, options) => {
    const alone = trainAls(matrix, options);
    const iterations: number[] = [];
    const pooled = await pool.train(matrix, { ...options, onIteration: (it) => iterations.push(it) });
    expectSameBits(alone, pooled);
    expect(iterations).toEqual(Array.from({ length: options.iterations ?? 0 }, (_, i) => i + 1));
    expect(pooled).toMatchObject({ factors: alone.factors, nUsers: matrix.nUsers, nItems: matrix.nItems });
  });

  it('trains one model at a time, and again after a training', async () => {
    const m = randomMatrix(30, 40, 0.2, 5);
    const first = pool.train(m, { factors: 4, iterations: 2 });
    await expect(pool.train(m, { factors: 4, iterations: 2 })).rejects.toThrow(/one model at a time/);
    expectSameBits(trainAls(m, { factors: 4, iterations: 2 }), await first);
    expectSameBits(trainAls(m, { factors: 3, iterations: 3 }), await pool.train(m, { factors: 3, iterations: 3 }));
  });

  it('rejects bad options and stays usable', async () => {
    const m = randomMatrix(10, 12, 0.3, 8);
    await expect(pool.train(m, { factors: 0 })).rejects.toThrow(/factors must be an integer ≥ 1/);
    expectSameBits(trainAls(m, { factors: 2, iterations: 1 }), await pool.train(m, { factors: 2, iterations: 1 }));
  });

  it('with one thread, trains in this thread without a worker script', async () => {
    const single = await AlsWorkerPool.start(1, { script: '/nonexistent/als-worker.js' });
    const m = randomMatrix(20, 25, 0.2, 6);
    expectSameBits(trainAls(m, { factors: 3, iterations: 2 }), await single.train(m, { factors: 3, iterations: 2 }));
    await single.close();
  });
});

describe('AlsWorkerPool failures', () => {
  jest.setTimeout(60_000);
  const m = randomMatrix(30, 60, 0.2, 7);

  it('rejects start when the worker script is missing', async () => {
    await expect(AlsWorkerPool.start(2, { script: '/nonexistent/als-worker.js' })).rejects.toThrow(/als-worker\.js does not exist/);
  });

  it('rejects start when a worker cannot load its script', async () => {
    await expect(AlsWorkerPool.start(2, { script: join(__dirname, 'als-worker.ts') })).rejects.toThrow();
  });

  it('rejects the training when a worker throws, then every later training', async () => {
    const pool = await AlsWorkerPool.start(2, testWorker('throwing-als-worker.ts'));
    try {
      await expect(pool.train(m, { factors: 4, iterations: 2 })).rejects.toThrow(/an ALS worker failed: slot 99 is not in \[0, 2\)/);
      await expect(pool.train(m, { factors: 4, iterations: 2 })).rejects.toThrow(/slot 99/);
    } finally {
      await pool.close();
    }
  });

  it('rejects the training when a worker exits in the middle of it', async () => {
    const pool = await AlsWorkerPool.start(2, testWorker('exiting-als-worker.ts'));
    try {
      await expect(pool.train(m, { factors: 4, iterations: 2 })).rejects.toThrow(/ALS worker 1 exited \(code 3\)/);
    } finally {
      await pool.close();
    }
  });
});
