"""Run every notebook in the environment Binder builds from binder/.

Usage: python tools/binder_check.py [--python PATH] [--fresh]   (or: make binder-check)

1. A virtual environment, _build/venvs/binder, with the Python that
   binder/runtime.txt asks for (or the nearest version this machine has; the
   output says which) and ``pip install -r binder/requirements.txt`` run from
   the repository root, as repo2docker does (``-e .`` installs this checkout).
   nbval and pytest are added to run the notebooks. The environment is kept
   between runs until binder/ or the Python changes (--fresh makes it anew);
   Binder's requirements are not pinned, so a kept environment can be older
   than what Binder would install today.
2. Every notebook (notebooks/ and its subfolders) copied alone into an empty
   folder and run there by nbval in lax mode: every cell must run without an
   error; outputs are not compared (`make nbval` compares them with the same,
   unpinned, package versions).

PyTorch is not in binder/requirements.txt (binder/README.md says why), so
the notebooks that import it run with PyTorch missing, as in Binder: their
PyTorch cells must print their skip note, not fail.
Exit status 1 if anything fails. The whole nbval output is in
_build/binder-check.log.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import book_checks
import notebook_envs as ne

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"
LOG = ROOT / "_build" / "binder-check.log"
HARNESS = ["nbval", "pytest"]


def runtime_python() -> str:
    """"3.11" from binder/runtime.txt ("python-3.11")."""
    text = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    if not text.startswith("python-"):
        raise SystemExit(f"binder/runtime.txt: expected python-X.Y, got {text!r}")
    return ".".join(text.removeprefix("python-").split(".")[:2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", help="the interpreter to use (default: runtime.txt's)")
    parser.add_argument("--fresh", action="store_true", help="make the environment anew")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    want = runtime_python()
    python, version, note = ne.find_python(want, args.python)
    print(f"Binder check: binder/runtime.txt asks for Python {want}; this check runs "
          f"Python {version} ({python}): {note}")

    def install(venv: Path) -> None:
        # From the repository root, as repo2docker runs it: `-e .` is this checkout.
        ne.must(ne.pip(venv, "install", "-q", "-r", "binder/requirements.txt", cwd=ROOT),
                "pip install -r binder/requirements.txt")
        ne.must(ne.pip(venv, "install", "-q", *HARNESS), "install nbval and pytest")

    # pyproject.toml too: `-e .` installs minirnn's own dependencies.
    key = ne.digest((BINDER / "requirements.txt").read_bytes(),
                    (BINDER / "runtime.txt").read_bytes(), (ROOT / "pyproject.toml").read_bytes(),
                    python, version, *HARNESS)
    if args.fresh:
        key += "-fresh"
    venv, reused = ne.make_venv("binder", python, key, install)
    have = ne.installed(venv)
    print(f"environment {venv.relative_to(ROOT)} ({'kept from the last run' if reused else 'new'}"
          f", {ne.elapsed(start)}): "
          + ", ".join(f"{n} {have[n]}" for n in ("minirnn", "numpy", "matplotlib", "ipywidgets",
                                                  "ipykernel", "ipython") if n in have))
    notebooks = book_checks.notebook_paths()
    torch_note = ""
    if "torch" not in have:
        torch_users = [nb for nb in notebooks if ne.uses_torch(nb)]
        if torch_users:
            torch_note = (f"; PyTorch not installed (as in Binder): "
                          f"{', '.join(nb.name for nb in torch_users)} ran without it")
    print(f"running {len(notebooks)} notebooks, each alone in an empty folder, under nbval "
          "(lax: every cell must run) ...")
    outcomes = ne.run_alone(venv / "bin" / "python", notebooks,
                            ROOT / "_build" / "binder-notebooks", set(notebooks), LOG)
    failed = ne.report(outcomes)
    if failed:
        print(ne.failure_excerpt(LOG))
    took = ne.elapsed(start)
    print(f"\nBinder check: Python {version}{torch_note}. The nbval log: {LOG.relative_to(ROOT)}")
    if failed:
        print(f"Binder check FAILED ({failed} notebook(s), {took})")
        return 1
    print(f"Binder check passed: {len(notebooks)} notebooks ({took})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
