"""Shared by tools/colab_check.py and tools/binder_check.py: find a Python, make a
virtual environment, and run every notebook alone in it with nbval.

"Alone" is the Colab situation (tools/run_notebooks_alone.py): each notebook
is copied into an empty folder of its own, and run from there with only the
environment's installed packages (no PYTHONPATH, no checkout on sys.path).
nbval runs the copies with the environment's own Python (``--nbval-current-env``)
and the project's sanitize file, so a notebook passes when every cell runs
and (unless it is run ``lax``) prints what its stored outputs say.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / "_build" / "venvs"
# A cell tagged so prints numbers from a long training run. Its last bits depend
# on the BLAS library inside numpy's wheel (another numpy version rounds some
# matrix products differently by one unit in the last place, and a thousand
# training steps can grow that into a different model). In an environment with
# other package versions such a cell must run but its output is not compared;
# `make nbval` compares it as every other cell.
BLAS_BUILD_TAG = "depends-on-blas-build"


# ------------------------------------------------------------------ interpreters

def python_version(python: str) -> tuple[str, str] | None:
    """``(real executable, "X.Y.Z")`` of a Python command, or None if it does not run."""
    try:
        out = subprocess.run([python, "-c", "import sys, platform; "
                              "print(sys.executable); print(platform.python_version())"],
                             text=True, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    exe, version = out.stdout.split()
    return exe, version


def find_python(want: str, explicit: str | None = None) -> tuple[str, str, str]:
    """An interpreter for Python ``want`` ("3.13"): ``(executable, version, note)``.

    ``explicit`` (a path given by the user) wins. Otherwise ``python3.13`` on
    PATH (pyenv's shims included) or under ``$PYENV_ROOT/versions``; failing
    those, the nearest minor version found the same way, at least 3.11 (what
    minirnn requires), and the note says so.
    """
    if explicit:
        found = python_version(explicit)
        if not found:
            raise SystemExit(f"{explicit} does not run")
        exe, version = found
        same = version.startswith(want + ".")
        return exe, version, ("as asked" if same else f"asked for {exe}, not {want}")
    major, minor = (int(x) for x in want.split("."))
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for distance in range(0, 6):
        for m in sorted({minor - distance, minor + distance}, reverse=True):
            if m < 11:
                continue
            names = [f"python{major}.{m}"]
            names += [str(p) for p in sorted(pyenv.glob(f"{major}.{m}*/bin/python{major}.{m}"),
                                             reverse=True)]
            for name in names:
                found = python_version(name)
                if found and found[1].startswith(f"{major}.{m}."):
                    exe, version = found
                    note = ("as asked" if m == minor else
                            f"Python {want} is not installed here: used the nearest, {version}")
                    return exe, version, note
    exe = getattr(sys, "_base_executable", sys.executable)
    version = python_version(exe)[1]
    return exe, version, f"no Python {want} or near it found: used {version} (this one)"


# ------------------------------------------------------------ virtual environments

def pip(venv: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``pip`` of the venv, quiet; the output is returned for the caller to show."""
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pip", *args,
                           "--disable-pip-version-check"], text=True, capture_output=True,
                          cwd=cwd)


def must(result: subprocess.CompletedProcess, what: str) -> None:
    if result.returncode != 0:
        lines = [line for line in (result.stdout + result.stderr).splitlines()
                 if not line.startswith("WARNING: Location")]
        print("\n".join(lines[-40:]))
        raise SystemExit(f"FAIL {what}")


def make_venv(name: str, python: str, key: str, install) -> tuple[Path, bool]:
    """``_build/venvs/<name>`` made with ``python``; ``install(venv)`` fills it.

    Kept between runs while ``key`` (a digest of what went into it) is the same;
    returns ``(venv, reused)``.
    """
    venv = VENVS / name
    stamp = venv / ".minirnn-stamp"
    if stamp.exists() and stamp.read_text() == key:
        return venv, True
    shutil.rmtree(venv, ignore_errors=True)
    must(subprocess.run([python, "-m", "venv", str(venv)], text=True, capture_output=True),
         f"python -m venv with {python}")
    must(pip(venv, "install", "-q", "--upgrade", "pip"), "upgrade pip")
    install(venv)
    stamp.write_text(key)
    return venv, False


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else p.encode())
    return h.hexdigest()


def installed(venv: Path) -> dict[str, str]:
    """``{normalised name: version}`` of what pip lists in the venv."""
    out = pip(venv, "list", "--format=json")
    must(out, "pip list")
    return {norm(d["name"]): d["version"] for d in json.loads(out.stdout)}


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


# ------------------------------------------------------------------- notebooks

TORCH_IMPORT = re.compile(r"^\s*(import|from)\s+torch\b", re.MULTILINE)


def uses_torch(notebook: Path) -> bool:
    """Whether a code cell of the notebook imports PyTorch."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return any(TORCH_IMPORT.search("".join(c.get("source", "")))
               for c in nb["cells"] if c["cell_type"] == "code")


@dataclass
class Outcome:
    notebook: Path
    lax: bool
    cells: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    extra_files: list[str] = field(default_factory=list)
    blas_cells: int = 0          # cells tagged BLAS_BUILD_TAG (not compared here)

    @property
    def ok(self) -> bool:
        return self.cells > 0 and not self.failed and not self.extra_files


def run_alone(python: Path, notebooks: list[Path], work: Path, lax: set[Path],
              log: Path) -> list[Outcome]:
    """Run each notebook alone under nbval with ``python``; one Outcome each.

    Notebooks in ``lax`` run with ``--nbval-lax``: every cell must run without
    an error, but outputs are compared only in cells marked NBVAL_CHECK_OUTPUT.
    The full pytest output goes to ``log``.
    """
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    # pytest's own settings for the copies (not the project's pyproject.toml).
    (work / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    shutil.copy(ROOT / "nbval_sanitize.cfg", work / "nbval_sanitize.cfg")
    # The project's nbval rules for notebooks (which cells to skip, e.g. PyTorch
    # cells without PyTorch) apply as in `make nbval`; they live beside the
    # folders, not in them, so each notebook's folder still holds only itself.
    if (ROOT / "notebooks" / "conftest.py").exists():
        shutil.copy(ROOT / "notebooks" / "conftest.py", work / "conftest.py")
    copies: dict[Path, Path] = {}
    tagged: dict[Path, int] = {}
    for nb in notebooks:
        folder = work / nb.relative_to(ROOT / "notebooks").with_suffix("").as_posix() \
            .replace("/", "__")
        folder.mkdir()
        copies[nb] = folder / nb.name
        tagged[nb] = _copy_marking_blas_cells(nb, copies[nb])
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "MPLBACKEND", "VIRTUAL_ENV")}
    # Same numbers on every run (as the Makefile); quiet debugger note on 3.12+.
    env.update(PYTHONHASHSEED="0", PYDEVD_DISABLE_FILE_VALIDATION="1")
    outcomes = {nb: Outcome(nb, nb in lax, blas_cells=tagged[nb]) for nb in notebooks}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        for mode, group in (("strict", [n for n in notebooks if n not in lax]),
                            ("lax", [n for n in notebooks if n in lax])):
            if not group:
                continue
            xml = work / f"results-{mode}.xml"
            cmd = [str(python), "-m", "pytest", "--nbval-lax" if mode == "lax" else "--nbval",
                   "--nbval-current-env", "--nbval-sanitize-with", "nbval_sanitize.cfg",
                   "-p", "no:warnings", f"--junitxml={xml.name}", "-rf",
                   *[str(copies[n].relative_to(work)) for n in group]]
            out.write(f"$ {' '.join(cmd)}\n")
            out.flush()
            subprocess.run(cmd, cwd=work, env=env, stdout=out, stderr=subprocess.STDOUT)
            _read_junit(xml, {copies[n].relative_to(work).as_posix(): outcomes[n]
                              for n in group})
    for nb, copy in copies.items():
        outcomes[nb].extra_files = sorted(p.name for p in copy.parent.iterdir()
                                          if p.name != copy.name)
    return [outcomes[nb] for nb in notebooks]


def _copy_marking_blas_cells(notebook: Path, copy: Path) -> int:
    """Copy ``notebook`` to ``copy``, its cells tagged BLAS_BUILD_TAG made
    ``nbval-ignore-output`` (they still must run). Returns how many there are."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    count = 0
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if BLAS_BUILD_TAG in tags:
            cell["metadata"]["tags"] = [*tags, "nbval-ignore-output"]
            count += 1
    copy.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return count


def _read_junit(xml: Path, by_file: dict[str, Outcome]) -> None:
    if not xml.exists():
        return
    for case in ET.parse(xml).getroot().iter("testcase"):
        # nbval's test ids are "<file>::Cell N"; junit keeps the file in classname.
        name, classname = case.get("name", ""), case.get("classname", "")
        outcome = next((o for f, o in by_file.items()
                        if classname == f.replace("/", ".") or case.get("file") == f), None)
        if outcome is None:
            continue
        outcome.cells += 1
        outcome.seconds += float(case.get("time", 0))
        if case.find("skipped") is not None:
            outcome.skipped += 1
        if case.find("failure") is not None or case.find("error") is not None:
            outcome.failed.append(name)


def report(outcomes: list[Outcome]) -> int:
    """Print one line per notebook; the number that failed."""
    failed = 0
    for o in outcomes:
        rel = o.notebook.relative_to(ROOT)
        how = "ran, outputs not compared (lax)" if o.lax else "ran and matched its outputs"
        if o.blas_cells and not o.lax:
            how += (f" (but {o.blas_cells} tagged {BLAS_BUILD_TAG}: ran, outputs not "
                    "compared)")
        if o.ok:
            skipped = f", {o.skipped} skipped by notebooks/conftest.py" if o.skipped else ""
            print(f"ok   {rel}: {o.cells} cells {how}{skipped} ({o.seconds:.1f} s)")
            continue
        failed += 1
        why = []
        if o.cells == 0:
            why.append("nbval ran no cell (see the log)")
        if o.failed:
            why.append(f"{', '.join(o.failed)} failed")
        if o.extra_files:
            why.append(f"wrote files next to the notebook: {o.extra_files}")
        print(f"FAIL {rel}: {'; '.join(why)} ({o.seconds:.1f} s)")
    return failed


def failure_excerpt(log: Path, limit: int = 6000) -> str:
    """The FAILURES section of the pytest log, cut to ``limit`` characters."""
    text = log.read_text(encoding="utf-8", errors="replace")
    parts = text.split("= FAILURES =")
    if len(parts) < 2:
        return ""
    section = "".join(p.split("short test summary info")[0] for p in parts[1:])
    return section[:limit] + ("\n[... cut; the whole output is in the log]"
                              if len(section) > limit else "")


def elapsed(start: float) -> str:
    return f"{time.perf_counter() - start:.0f} s"
