"""How fast is minirnn's RNN? Forward + backward against a per-step loop and torch.nn.RNN.

Usage (from the repository root)::

    .venv/bin/python benchmarks/rnn_speed.py            # the full run (about 2-3 minutes)
    .venv/bin/python benchmarks/rnn_speed.py --quick    # fewer rounds, for a smoke test

One run measures, for two sizes (the toy model of chapter 3 and N=32, T=35,
D=H=128) in float64 and float32:

- ``minirnn``: :class:`minirnn.layers.RNN`, ``forward`` then ``backward``
  (gradients of the weights, the inputs and h0): the readable layer whose time
  loop is the book's step equation;
- ``tuned``: the same layer as minirnn wrote it before it was made readable
  (``benchmarks/tuned_rnn.py``: preallocated buffers, ``out=`` products, work
  arrays kept between calls), to measure what readability costs;
- ``loop``: a straightforward per-step numpy loop written below, with the
  input projection computed inside the loop (the textbook version);
- ``torch``: ``torch.nn.RNN`` on the CPU, forward then ``backward`` with the
  same gradients (inputs and h0 require grad), if PyTorch is installed;
- ``matmul``: a large numpy matrix product, whose GFLOP/s is taken as the
  machine's practical peak.

Each contender lives in its own process (numpy's and torch's thread pools
otherwise slow each other down) with the same number of BLAS/OpenMP threads;
the processes take turns, round after round (interleaved, in an order rotated
each round, with a short pause before each turn so that the BLAS threads of the
previous process have stopped spinning), so a slow moment of the machine hits
every contender alike. A figure is the median over all
timed iterations of all rounds.

A second part measures minirnn with 1 and 2 BLAS threads, with the other core
idle and busy (a busy-loop process pinned to the last core during the "busy"
rounds): what machine load does to a multi-threaded BLAS.

Timings depend on the machine and on what else it is doing: run it on an idle
machine. The figures in book/appendix_speed.md come from this script.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np  # workers get their thread counts through the environment, set at spawn

# Sizes: (name, N, T, D, H). The toy size is chapter 3's model of "You say
# goodbye and I say hello.": V=7 words, E=D=8, H=16, one sequence of T=7 steps.
SIZES = [("toy (ch. 3)", 1, 7, 8, 16), ("N=32 T=35 D=H=128", 32, 35, 128, 128)]
DTYPES = ["float64", "float32"]
CONTENDERS = ["minirnn", "tuned", "loop", "torch"]
MATMUL_SIZE = 1024
ROUND_SECONDS = 0.2     # timed work per contender per round
# Pause before each contender's turn: a BLAS thread keeps spinning for a while after
# its last product (OpenBLAS: up to about 0.1 s) and would take a core from the next one.
PAUSE = 0.2


def flops(N, T, D, H):
    """Multiply-adds x 2 of forward + backward (all three contenders do the same products).

    Forward: x W_x^T and h W_h^T, 2TNH(D+H). Backward: da W_h, da W_x, and the
    weight gradients da^T x, da^T h, 4TNH(D+H).
    """
    return 6 * T * N * H * (D + H)


# ---------------------------------------------------------------- contenders
class Loop:
    """The straightforward per-step RNN (the projection x_t W_x^T inside the loop)."""

    def __init__(self, Wx, Wh, b):
        self.Wx, self.Wh, self.b = Wx, Wh, b

    def forward(self, xs, h0):
        N, T, _ = xs.shape
        hs = np.empty((N, T, self.Wh.shape[0]), dtype=xs.dtype)
        h = h0
        for t in range(T):
            h = np.tanh(xs[:, t] @ self.Wx.T + h @ self.Wh.T + self.b)
            hs[:, t] = h
        self.cache = (xs, h0, hs)
        return hs

    def backward(self, dhs):
        xs, h0, hs = self.cache
        N, T, _ = xs.shape
        dWx, dWh, db = np.zeros_like(self.Wx), np.zeros_like(self.Wh), np.zeros_like(self.b)
        dxs = np.empty_like(xs)
        dh = np.zeros_like(h0)
        for t in reversed(range(T)):
            da = (dhs[:, t] + dh) * (1.0 - hs[:, t] ** 2)
            h_prev = hs[:, t - 1] if t > 0 else h0
            dxs[:, t] = da @ self.Wx
            dh = da @ self.Wh
            dWx += da.T @ xs[:, t]
            dWh += da.T @ h_prev
            db += da.sum(axis=0)
        return dxs, dh, dWx, dWh, db


def make_task(spec):
    """Build the contender of ``spec`` and return a function doing one iteration."""
    kind, dtype = spec["kind"], spec["dtype"]
    if kind == "matmul":
        rng = np.random.default_rng(0)
        n = MATMUL_SIZE
        A, B = rng.standard_normal((n, n)).astype(dtype), rng.standard_normal((n, n)).astype(dtype)
        C = np.empty((n, n), dtype=dtype)
        return lambda: np.matmul(A, B, out=C)
    N, T, D, H = spec["N"], spec["T"], spec["D"], spec["H"]
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((N, T, D)).astype(dtype)
    h0 = (0.5 * rng.standard_normal((N, H))).astype(dtype)
    G = rng.standard_normal((N, T, H)).astype(dtype)
    if kind in ("minirnn", "loop", "tuned"):
        import minirnn as mr
        rnn = mr.RNN(D, H, seed=0, dtype=dtype)
        rnn.params["b"][:] = 0.1
        if kind == "loop":
            rnn = Loop(rnn.params["Wx"], rnn.params["Wh"], rnn.params["b"])
        elif kind == "tuned":
            from tuned_rnn import TunedRNN
            tuned = TunedRNN(rnn.params["Wx"], rnn.params["Wh"], rnn.params["b"])
            _same_numbers(rnn, tuned, xs, h0, G)
            rnn = tuned

        def run():
            rnn.forward(xs, h0)
            rnn.backward(G)
        return run
    if kind == "torch":
        import torch
        torch.set_num_threads(spec["threads"])
        tdt = getattr(torch, dtype)
        torch.manual_seed(0)
        m = torch.nn.RNN(D, H, batch_first=True, dtype=tdt)
        xs_t = torch.tensor(xs, requires_grad=True)
        h0_t = torch.tensor(h0[None], requires_grad=True)
        G_t = torch.tensor(G)
        leaves = [xs_t, h0_t, *m.parameters()]

        def run():
            for p in leaves:
                p.grad = None
            hs, _ = m(xs_t, h0_t)
            hs.backward(G_t)
        return run
    raise ValueError(f"unknown contender {kind!r}")


def _same_numbers(rnn, tuned, xs, h0, G) -> None:
    """The tuned layer must compute what minirnn's layer computes before it is timed."""
    tol = 1e-4 if xs.dtype == np.float32 else 1e-10
    np.testing.assert_allclose(tuned.forward(xs, h0), rnn.forward(xs, h0), rtol=tol, atol=tol)
    dxs, dh0, dWx, dWh, db = tuned.backward(G)
    np.testing.assert_allclose(dxs, rnn.backward(G), rtol=tol, atol=tol)
    for got, name in ((dWx, "Wx"), (dWh, "Wh"), (db, "b")):
        np.testing.assert_allclose(got, rnn.grads[name], rtol=tol, atol=tol)


def worker(spec) -> None:
    """Serve rounds on stdin/stdout: each 'run' line -> one JSON list of seconds per iteration."""
    run = make_task(spec)
    clock = time.process_time if spec.get("clock") == "cpu" else time.perf_counter
    run()                                   # warm-up: allocations, thread pools, caches
    start = time.perf_counter()
    run()
    one = time.perf_counter() - start
    n = max(3, min(2000, int(ROUND_SECONDS / max(one, 1e-7))))
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        run()                               # re-warm after the other processes ran
        times = []
        for _ in range(n):
            start = clock()
            run()
            times.append(clock() - start)
        print(json.dumps(times), flush=True)


# -------------------------------------------------------------- the driver
class Proc:
    """A worker process for one contender."""

    def __init__(self, spec):
        self.spec = spec
        t = str(spec["threads"])
        env = dict(os.environ, OPENBLAS_NUM_THREADS=t, OMP_NUM_THREADS=t, MKL_NUM_THREADS=t,
                   PYTHONHASHSEED="0")
        env["PYTHONPATH"] = os.path.dirname(os.path.abspath(__file__))   # for tuned_rnn
        self.p = subprocess.Popen([sys.executable, __file__, "--worker", json.dumps(spec)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=env)
        self.times: list[float] = []

    def wait_ready(self):
        line = self.p.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"worker {self.spec} failed to start")

    def round(self):
        self.p.stdin.write("run\n")
        self.p.stdin.flush()
        self.times += json.loads(self.p.stdout.readline())

    def close(self):
        if self.p.poll() is None:
            self.p.stdin.close()
            self.p.wait(timeout=30)

    @property
    def ms(self):
        return 1e3 * statistics.median(self.times)


def run_round(procs, r):
    """One turn for each process, in an order rotated from round to round."""
    k = r % len(procs)
    for p in procs[k:] + procs[:k]:
        time.sleep(PAUSE)
        p.round()


def start_all(specs):
    procs = [Proc(s) for s in specs]
    for p in procs:
        p.wait_ready()
    return procs


def busy_loop():
    """A process spinning on the last core (the 'other core is busy' condition)."""
    code = ("import os\n"
            "os.sched_setaffinity(0, {os.cpu_count() - 1})\n"
            "while True:\n    pass\n")
    return subprocess.Popen([sys.executable, "-c", code])


def have_torch() -> bool:
    try:
        import importlib.util
        return importlib.util.find_spec("torch") is not None
    except ValueError:
        return False


def main_comparison(rounds, threads_list, contenders, clock):
    rows = []
    for threads in threads_list:
        specs = [dict(kind="matmul", dtype=dt, threads=threads, clock=clock) for dt in DTYPES]
        for name, N, T, D, H in SIZES:
            for dt in DTYPES:
                for kind in contenders:
                    specs.append(dict(kind=kind, dtype=dt, threads=threads, N=N, T=T, D=D, H=H,
                                      size=name, clock=clock))
        procs = start_all(specs)
        try:
            for r in range(rounds):
                run_round(procs, r)
        finally:
            for p in procs:
                p.close()
        by = {(p.spec["kind"], p.spec.get("size"), p.spec["dtype"]): p for p in procs}
        peak = {dt: 2 * MATMUL_SIZE ** 3 / by[("matmul", None, dt)].ms / 1e6 for dt in DTYPES}
        for name, N, T, D, H in SIZES:
            for dt in DTYPES:
                row = dict(threads=threads, size=name, dtype=dt, peak=peak[dt])
                for kind in contenders:
                    ms = by[(kind, name, dt)].ms
                    row[kind] = ms
                    row[kind + "_gflops"] = flops(N, T, D, H) / ms / 1e6
                rows.append(row)
    return rows


def print_comparison(rows, contenders):
    print("## minirnn vs a per-step loop vs torch.nn.RNN (forward + backward)\n")
    head = "| threads | size | dtype | " + " | ".join(f"{k} ms" for k in contenders)
    head += " | loop / minirnn | minirnn / tuned |"
    head += " torch / minirnn |" if "torch" in contenders else ""
    head += " minirnn GFLOP/s | % of matmul peak | matmul peak GFLOP/s |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for r in rows:
        cells = [str(r["threads"]), r["size"], r["dtype"]]
        cells += [f"{r[k]:.3f}" for k in contenders]
        cells.append(f"{r['loop'] / r['minirnn']:.2f}x")
        cells.append(f"{r['minirnn'] / r['tuned']:.2f}x")
        if "torch" in contenders:
            cells.append(f"{r['torch'] / r['minirnn']:.2f}x")
        cells.append(f"{r['minirnn_gflops']:.2f}")
        cells.append(f"{100 * r['minirnn_gflops'] / r['peak']:.1f}%")
        cells.append(f"{r['peak']:.1f}")
        print("| " + " | ".join(cells) + " |")
    print("\nGFLOP/s of every contender (same arithmetic, "
          "6 T N H (D + H) flops per iteration):\n")
    for r in rows:
        parts = ", ".join(f"{k} {r[k + '_gflops']:.2f}" for k in contenders)
        print(f"- {r['threads']} thread(s), {r['size']}, {r['dtype']}: {parts}")
    print()


def thread_study(rounds):
    """minirnn (float64) with 1 or 2 BLAS threads, the other core idle or busy."""
    specs = []
    for name, N, T, D, H in SIZES:
        for threads in (1, 2):
            specs.append(dict(kind="minirnn", dtype="float64", threads=threads,
                              N=N, T=T, D=D, H=H, size=name))
    idle = start_all(specs)
    busy = start_all(specs)
    try:
        for r in range(rounds):
            run_round(idle, r)
            spinner = busy_loop()
            try:
                run_round(busy, r)
            finally:
                spinner.kill()
                spinner.wait()
    finally:
        for p in idle + busy:
            p.close()
    return [(i.spec, i.ms, b.ms) for i, b in zip(idle, busy, strict=True)]


def print_thread_study(results):
    print("## minirnn with 1 or 2 BLAS threads, the other core idle or busy (float64)\n")
    print("| size | BLAS threads | idle ms | busy ms | busy / idle |")
    print("|---|---|---|---|---|")
    for spec, idle_ms, busy_ms in results:
        print(f"| {spec['size']} | {spec['threads']} | {idle_ms:.3f} | {busy_ms:.3f} | "
              f"{busy_ms / idle_ms:.2f}x |")
    print()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                    help="thread counts for the comparison (default: 1 2)")
    ap.add_argument("--quick", action="store_true", help="3 rounds, for a smoke test")
    ap.add_argument("--no-thread-study", action="store_true",
                    help="skip the idle/busy BLAS-thread measurements")
    ap.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                    help="wall time (default) or the process's CPU time: on a loaded machine "
                         "'cpu' estimates one-thread figures better (it does not count "
                         "waiting for a core, but counts spinning BLAS threads)")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return 0
    rounds = 3 if args.quick else args.rounds
    contenders = CONTENDERS if have_torch() else ["minirnn", "tuned", "loop"]

    import minirnn
    print("# rnn_speed: forward + backward of one RNN layer\n")
    print(f"- python {platform.python_version()}, numpy {np.__version__}, minirnn "
          f"{minirnn.__version__}" + (f", torch {_torch_version()}" if "torch" in contenders
                                      else ", torch not installed (skipped)"))
    print(f"- {os.cpu_count()} CPUs, {platform.machine()}; {rounds} interleaved rounds; "
          f"median ms per iteration ({args.clock} clock)")
    print("- command: .venv/bin/python benchmarks/rnn_speed.py "
          + " ".join(a for a in (argv if argv is not None else sys.argv[1:])) + "\n")
    t0 = time.perf_counter()
    rows = main_comparison(rounds, args.threads, contenders, args.clock)
    print_comparison(rows, contenders)
    if not args.no_thread_study:
        print_thread_study(thread_study(rounds))
    print(f"(run took {time.perf_counter() - t0:.0f} s)")
    return 0


def _torch_version() -> str:
    out = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


if __name__ == "__main__":
    sys.exit(main())
