"""How the Makefile runs its commands (fast: make only evaluates tiny extra rules).

Each test adds a rule with ``--eval`` and runs it through the real Makefile,
so the test sees what every recipe of the Makefile sees.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def make(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", "-s", *args], cwd=ROOT, text=True,
                          capture_output=True, env={**os.environ, **(env or {})}, timeout=60)


def test_recipes_do_not_see_a_matplotlib_backend_from_the_environment():
    # MPLBACKEND=Agg in the caller's environment made `make nbval` fail: plt.show()
    # then shows nothing and four stored figures were missing.
    out = make("--eval", "show-backend: ; @echo \"[$$MPLBACKEND]\"", "show-backend",
               env={"MPLBACKEND": "Agg"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_recipes_run_with_a_fixed_hash_seed():
    out = make("--eval", "show-seed: ; @echo \"[$$PYTHONHASHSEED]\"", "show-seed",
               env={"PYTHONHASHSEED": "random"})
    assert out.stdout.strip() == "[0]"


def test_make_j_runs_the_steps_one_after_another():
    # `make -j test` must not run the book build beside the browser check that
    # reads it: the Makefile declares .NOTPARALLEL. Two rules that would overlap
    # in time if run in parallel must not.
    rules = ["--eval", "slow: ; @echo slow-start; sleep 0.5; echo slow-end",
             "--eval", "fast: ; @echo fast",
             "--eval", "both: slow fast"]
    out = make("-j4", *rules, "both")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["slow-start", "slow-end", "fast"]


def test_make_test_runs_the_launch_check_after_the_book_and_the_release_check():
    out = make("-n", "-p", "--question", "test")   # print the database, run nothing
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("test:"))
    steps = line.split(":", 1)[1].split()
    assert steps.index("book") < steps.index("launch")
    assert steps.index("book") < steps.index("browser")
    assert "release-check" in steps and "nbval" in steps and "unit" in steps
