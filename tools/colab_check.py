"""Run every notebook as Colab would: Colab's package versions, minirnn from the wheel.

Usage: python tools/colab_check.py --dist _build/dist [--python PATH] [--fresh]
       (or: make colab-check, which builds the wheel first)

1. A virtual environment, _build/venvs/colab, with Colab's Python if this
   machine has it (the "Colab Python" line of tools/colab-constraints.txt;
   otherwise the nearest version, and the output says so) and every package
   of tools/colab-constraints.txt at Colab's version, except PyTorch (below);
   nbval and pytest are added under the same constraints to run the notebooks.
   It is kept between runs until the constraints file or the Python changes
   (--fresh makes it anew).
2. minirnn installed from the wheel the way the notebooks' Colab cell installs
   it: a plain ``pip install`` into the existing environment, with no
   constraints. It must add minirnn and change nothing else (in Colab a changed
   numpy or IPython means a runtime restart).
3. Every notebook (notebooks/ and its subfolders) copied alone into an empty
   folder and run there by nbval with the project's sanitize file: each cell
   must print what its stored output says, except cells tagged
   ``depends-on-blas-build`` (numbers of long training runs, whose last bits
   depend on the BLAS library in numpy's wheel): they must run, and are not compared.

PyTorch: Colab's CPU runtime has torch 2.11.0. It is not installed here: PyPI's
Linux wheels of torch are CUDA builds of several GB, and PyTorch's CPU builds
come from another host, which this machine does not reach. So the notebooks
that import torch run with PyTorch missing: their PyTorch cells print their
skip note, and nbval skips those cells (notebooks/conftest.py, copied beside
the notebooks' folders, says which) and compares all the others. `make test`
compares every cell with PyTorch 2.13 in CI.
Exit status 1 if anything fails. The whole nbval output is in
_build/colab-check.log.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import book_checks
import notebook_envs as ne

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "tools" / "colab-constraints.txt"
LOG = ROOT / "_build" / "colab-check.log"
# Pinned in the constraints file (it is what Colab has) but not installed here.
NOT_INSTALLED = {"torch": "PyTorch's CPU build is not reachable from this machine and PyPI's "
                          "Linux wheel is a multi-GB CUDA build"}
# What the check itself needs in the environment to run the notebooks.
HARNESS = ["nbval", "pytest"]


def read_constraints(path: Path = CONSTRAINTS) -> tuple[dict[str, str], str]:
    """``({name: version}, colab_python)`` from the constraints file."""
    pins: dict[str, str] = {}
    python = None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"#\s*Colab Python:\s*(\d+\.\d+)\s*$", line)
        if m:
            python = m.group(1)
        body = line.split("#", 1)[0].strip()
        if body:
            name, sep, version = body.partition("==")
            if not sep:
                raise SystemExit(f"{path}: every line must pin one version (name==X.Y): {line}")
            pins[ne.norm(name.strip())] = version.strip()
    if python is None:
        raise SystemExit(f"{path}: no '# Colab Python: X.Y' line")
    return pins, python


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "_build" / "dist",
                        help="folder with the wheel built by `make dist`")
    parser.add_argument("--python", help="the interpreter to use (default: Colab's version)")
    parser.add_argument("--fresh", action="store_true", help="make the environment anew")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    wheels = sorted(args.dist.glob("minirnn-*.whl"))
    if len(wheels) != 1:
        print(f"FAIL expected one minirnn wheel in {args.dist}, found {wheels} (run `make dist`)")
        return 1
    wheel = wheels[0]
    pins, colab_python = read_constraints()
    python, version, note = ne.find_python(colab_python, args.python)
    print(f"Colab check: Colab runs Python {colab_python}; this check runs Python {version} "
          f"({python}): {note}")
    to_install = {n: v for n, v in pins.items() if n not in NOT_INSTALLED}

    def install(venv: Path) -> None:
        ne.must(ne.pip(venv, "install", "-q", "-c", str(CONSTRAINTS),
                       *[f"{n}=={v}" for n, v in to_install.items()], *HARNESS),
                "install Colab's versions")

    key = ne.digest(CONSTRAINTS.read_bytes(), python, version, *HARNESS)
    if args.fresh:
        key += "-fresh"
    venv, reused = ne.make_venv("colab", python, key, install)
    print(f"environment {venv.relative_to(ROOT)} ({'kept from the last run' if reused else 'new'}, "
          f"{ne.elapsed(start)})")

    failed = 0
    have = ne.installed(venv)
    for name, want in pins.items():
        got = have.get(name)
        if name in NOT_INSTALLED:
            print(f"     {name}: Colab has {want}; not installed here ({NOT_INSTALLED[name]})")
        elif got == want:
            print(f"ok   {name} {got} (as in Colab)")
        else:
            failed += 1
            print(f"FAIL {name}: Colab has {want}, the environment has {got}")

    # The Colab cell: a plain pip install into the running environment.
    ne.must(ne.pip(venv, "uninstall", "-q", "-y", "minirnn"), "uninstall an older minirnn")
    before = ne.installed(venv)
    ne.must(ne.pip(venv, "install", "-q", str(wheel)), f"pip install {wheel.name}")
    after = ne.installed(venv)
    changed = {n: (before.get(n), v) for n, v in after.items()
               if before.get(n) != v and n != "minirnn"}
    if changed:
        failed += 1
        print("FAIL installing minirnn as the Colab cell does changed Colab's packages "
              "(Colab would ask for a restart): "
              + ", ".join(f"{n} {a} -> {b}" for n, (a, b) in changed.items()))
    else:
        print(f"ok   pip install {wheel.name} (as the Colab cell installs minirnn) added "
              f"minirnn {after.get('minirnn')} and changed nothing else")

    notebooks = book_checks.notebook_paths()
    torch_users = [nb for nb in notebooks if ne.uses_torch(nb)] if "torch" not in after else []
    # notebooks/conftest.py tells nbval which cells need PyTorch (and skips them
    # without it, as `make nbval` does); without such rules a notebook that
    # imports torch can only be run, not compared.
    rules = (ROOT / "notebooks" / "conftest.py").exists()
    lax = set() if rules else set(torch_users)
    for nb in torch_users:
        print(f"     {nb.relative_to(ROOT)} imports torch, which is not installed here: "
              + ("notebooks/conftest.py skips its PyTorch cells (their stored outputs come "
                 "from a run with PyTorch); every other cell is compared" if rules else
                 "it runs lax (every cell must run; outputs not compared)"))
    print(f"running {len(notebooks)} notebooks, each alone in an empty folder, under nbval "
          f"({ne.elapsed(start)} so far) ...")
    outcomes = ne.run_alone(venv / "bin" / "python", notebooks,
                            ROOT / "_build" / "colab-notebooks", lax, LOG)
    bad = ne.report(outcomes)
    if bad:
        print(ne.failure_excerpt(LOG))
    failed += bad
    took = ne.elapsed(start)
    print(f"\nColab check: Python {version} (Colab: {colab_python}), "
          + ", ".join(f"{n} {after.get(n, '-')}" for n in pins if n not in NOT_INSTALLED)
          + f"; torch not installed (Colab: {pins.get('torch', '-')}). The nbval log: "
          f"{LOG.relative_to(ROOT)}")
    if failed:
        print(f"Colab check FAILED ({failed} problem(s), {took})")
        return 1
    print(f"Colab check passed: {len(notebooks)} notebooks ({took})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
