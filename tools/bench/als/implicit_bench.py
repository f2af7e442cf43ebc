"""Times the `implicit` package's CPU ALS (conjugate-gradient solver) on a matrix written by als.bench.ts.

Usage: python implicit_bench.py DIR --factors 64 --iterations 15 --regularization 0.01 --threads 2

DIR holds header.json ({"rows", "cols", "nnz"}) and three little-endian binary files: indptr.i32 (rows + 1),
indices.i32 (nnz), confidence.f32 (nnz) — the confidence c = 1 + alpha * r of each observed entry, so implicit
runs with alpha = 1.0 (which it leaves unscaled) and sees exactly the confidences the TypeScript trainer uses.
Prints one JSON line with the per-iteration seconds (wall, and CPU of all the process's threads) and the thread settings, and writes the trained factors to
DIR/implicit_user_factors.f32 and DIR/implicit_item_factors.f32 (row-major float32).
"""

import argparse
import json
import os
import sys
import time

# Thread settings must be in the environment before numpy/OpenBLAS load. implicit parallelises over rows with
# its own OpenMP loop (num_threads) and recommends a single-threaded BLAS underneath it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import threadpoolctl  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir")
    parser.add_argument("--factors", type=int, default=64)
    parser.add_argument("--iterations", type=int, default=15)
    parser.add_argument("--regularization", type=float, default=0.01)
    parser.add_argument("--cg-steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import implicit  # noqa: E402  (after the environment is set)
    from implicit.als import AlternatingLeastSquares  # noqa: E402  (the factory: use_gpu=False gives the CPU model)

    with open(os.path.join(args.dir, "header.json"), encoding="utf-8") as f:
        header = json.load(f)
    rows, cols, nnz = header["rows"], header["cols"], header["nnz"]
    indptr = np.fromfile(os.path.join(args.dir, "indptr.i32"), dtype="<i4")
    indices = np.fromfile(os.path.join(args.dir, "indices.i32"), dtype="<i4")
    data = np.fromfile(os.path.join(args.dir, "confidence.f32"), dtype="<f4")
    if len(indptr) != rows + 1 or len(indices) != nnz or len(data) != nnz:
        sys.exit(f"matrix files do not match header.json ({len(indptr)}, {len(indices)}, {len(data)})")
    user_items = sp.csr_matrix((data, indices, indptr), shape=(rows, cols))

    model = AlternatingLeastSquares(
        factors=args.factors,
        regularization=args.regularization,
        alpha=1.0,
        iterations=args.iterations,
        use_cg=True,
        use_gpu=False,
        calculate_training_loss=False,
        num_threads=args.threads,
        random_state=args.seed,
    )
    model.cg_steps = args.cg_steps
    times = []
    cpu = [time.process_time()]

    def on_iteration(it, elapsed, loss):
        times.append(elapsed)
        cpu.append(time.process_time())

    model.fit(user_items, show_progress=False, callback=on_iteration)
    model.user_factors.astype("<f4").tofile(os.path.join(args.dir, "implicit_user_factors.f32"))
    model.item_factors.astype("<f4").tofile(os.path.join(args.dir, "implicit_item_factors.f32"))
    pools = [
        {k: p.get(k) for k in ("user_api", "internal_api", "num_threads", "version")}
        for p in threadpoolctl.threadpool_info()
    ]
    print(
        json.dumps(
            {
                "implicit": implicit.__version__,
                "numpy": np.__version__,
                "python": sys.version.split()[0],
                "numThreads": args.threads,
                "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
                "threadpools": pools,
                "factorShape": [list(model.user_factors.shape), list(model.item_factors.shape)],
                "iterationSeconds": times,
                "iterationCpuSeconds": [b - a for a, b in zip(cpu, cpu[1:])],
            }
        )
    )


if __name__ == "__main__":
    main()
