"""Benchmark: the input projection of all T steps as one product, or as T products.

Chapter 2 computes x_t W_x^T + b for every step before the time loop, as one
(N*T, D) @ (D, H) product, instead of T products of (N, D) @ (D, H) inside it.
Both do the same multiply-adds; this script times the two on the machine that
runs it and prints the ratio (above 1: the single product was faster). The
numbers depend on the machine, on its load and on the number of BLAS threads:
run it several times, and with OPENBLAS_NUM_THREADS=1 for one thread.

Run:  .venv/bin/python benchmarks/projection_one_vs_many.py [--runs 3]
"""

import argparse
import time

import numpy as np

N, T, D, H = 32, 200, 64, 64


def best_time(fn, repeats=20):
    """The fastest of several runs: the least disturbed by other programs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="independent measurements")
    args = parser.parse_args()
    xs = np.random.default_rng(1).standard_normal((N, T, D))
    W = np.random.default_rng(2).standard_normal((H, D))
    xs_tm = np.ascontiguousarray(xs.transpose(1, 0, 2))   # time-major: xs_tm[t] is contiguous
    print(f"N={N} T={T} D={D} H={H}, float64")
    for run in range(args.runs):
        one = best_time(lambda: xs.reshape(N * T, D) @ W.T)
        many = best_time(lambda: [xs_tm[t] @ W.T for t in range(T)])
        print(f"run {run}: one product {one * 1e3:.3f} ms, {T} products {many * 1e3:.3f} ms, "
              f"loop / single product = {many / one:.2f}")


if __name__ == "__main__":
    main()
