"""Check the package as a package: the sdist and the wheel in DIST, as `make dist` built them.

Usage: python tools/release_check.py --dist _build/dist     (or: make release-check)

`make dist` runs ``python -m build``, which builds the sdist and then the wheel
from that sdist (so a file missing from the sdist is missing from the wheel).
This script then checks, printing one line per check:

1. ``twine check --strict`` on both (the metadata and README render on PyPI);
2. the wheel holds every file of ``src/minirnn/`` that git tracks (modules and
   every data file, in subfolders too), nothing else, and the licence; the
   sdist holds the same files plus README.md, LICENSE and CHANGELOG.md;
3. the metadata: the version is ``minirnn.__version__``, the licence is MIT,
   there are classifiers, the dependencies are those of pyproject.toml, and the
   project URLs point at the repository named in _config.yml;
4. the wheel that the Colab cell installs (pip building
   ``minirnn @ git+<repository>@<branch>``) is the same: pip builds a wheel
   from ``git+file://<this checkout>@HEAD`` the same way, and its files must
   have the same contents as the release wheel's;
5. the wheel installed into a new, empty virtual environment (pip brings only
   its declared dependencies) runs tools/wheel_smoke.py from an empty folder:
   forward, backward, a short training run, save/load, the data files.
Exit status 1 if any check fails. Prints the time each step took.
"""

from __future__ import annotations

import argparse
import ast
import base64
import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import book_checks

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "minirnn"


class Report:
    """Collects the checks' results and prints them as they come."""

    def __init__(self) -> None:
        self.failed: list[str] = []
        self.start = time.perf_counter()

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        more = f"\n     {detail}" if detail and not ok else ""
        print(f"{'ok  ' if ok else 'FAIL'} {what}{more}")
        if not ok:
            self.failed.append(what)
        return ok

    def step(self, title: str) -> None:
        print(f"\n== {title}  [{time.perf_counter() - self.start:.1f} s]")


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, text=True, capture_output=True, **kw)


def source_version() -> str:
    """``__version__`` as written in src/minirnn/__init__.py (read, not imported)."""
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__version__" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("src/minirnn/__init__.py defines no __version__")


def tracked_package_files() -> list[str]:
    """Files of src/minirnn/ that git tracks, relative to src/ (``minirnn/...``)."""
    out = run(["git", "ls-files", "-z", "--", "src/minirnn"], cwd=ROOT)
    if out.returncode != 0:
        raise SystemExit(f"git ls-files failed: {out.stderr}")
    names = [n for n in out.stdout.split("\0") if n]
    return sorted(str(Path(n).relative_to("src").as_posix()) for n in names
                  if (ROOT / n).exists())       # a file deleted but not yet committed


def data_manifest() -> dict[str, str]:
    """``{path under minirnn/: sha256}`` of every tracked file under src/minirnn/data/."""
    return {name.removeprefix("minirnn/"): hashlib.sha256((ROOT / "src" / name).read_bytes())
            .hexdigest()
            for name in tracked_package_files() if name.startswith("minirnn/data/")}


def wheel_record(wheel: Path) -> dict[str, str]:
    """``{file: sha256}`` of a wheel's files (its RECORD left out), from the bytes."""
    with zipfile.ZipFile(wheel) as zf:
        return {n: hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist()
                if not n.endswith("/") and not n.endswith(".dist-info/RECORD")}


def check_record(rep: Report, wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        record_name = next(n for n in zf.namelist() if n.endswith(".dist-info/RECORD"))
        rows = list(csv.reader(io.StringIO(zf.read(record_name).decode())))
        bad = []
        for name, digest, _size in rows:
            if name == record_name:
                continue
            algo, _, value = digest.partition("=")
            actual = base64.urlsafe_b64encode(
                hashlib.new(algo, zf.read(name)).digest()).rstrip(b"=").decode()
            if actual != value:
                bad.append(name)
    rep.check(not bad, "every file of the wheel matches its RECORD hash", f"differ: {bad}")


def check_contents(rep: Report, wheel: Path, sdist: Path) -> None:
    expected = set(tracked_package_files())
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if not n.endswith("/")]
        license_names = [n for n in names if ".dist-info/licenses/" in n]
        license_ok = any(zf.read(n) == (ROOT / "LICENSE").read_bytes() for n in license_names)
    package_files = {n for n in names if n.startswith("minirnn/")}
    missing, extra = sorted(expected - package_files), sorted(package_files - expected)
    n_data = sum(n.startswith("minirnn/data/") for n in expected)
    rep.check(not missing, f"the wheel holds all {len(expected)} tracked files of src/minirnn/ "
                           f"({n_data} of them under data/)", f"missing: {missing}")
    rep.check(not extra, "the wheel holds no file that git does not track",
              f"extra: {extra} (build from a clean checkout, or add them to git)")
    rep.check(license_ok, f"the wheel carries LICENSE ({', '.join(license_names) or 'none'})")
    with tarfile.open(sdist) as tf:
        top = tf.getnames()[0].split("/")[0]
        snames = {n.removeprefix(top + "/") for n in tf.getnames()}
    want = {f"src/{n}" for n in expected} | {"README.md", "LICENSE", "CHANGELOG.md",
                                              "pyproject.toml"}
    rep.check(want <= snames, "the sdist holds the package files, README.md, LICENSE, "
                              "CHANGELOG.md and pyproject.toml",
              f"missing: {sorted(want - snames)}")


def check_metadata(rep: Report, wheel: Path, version: str) -> None:
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode("utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    rep.check(meta["Version"] == version,
              f"version {meta['Version']} is minirnn.__version__ ({version})")
    rep.check(wheel.name.startswith(f"minirnn-{version}-"), f"wheel file name {wheel.name}")
    rep.check(meta.get("License-Expression") == "MIT",
              f"licence expression {meta.get('License-Expression')}")
    classifiers = meta.get_all("Classifier") or []
    rep.check(len(classifiers) > 0, f"{len(classifiers)} classifiers")
    requires = [r for r in meta.get_all("Requires-Dist") or [] if "extra ==" not in r]
    want = sorted(r.replace(" ", "") for r in project["dependencies"])
    rep.check(sorted(r.replace(" ", "") for r in requires) == want,
              f"dependencies {requires} are pyproject.toml's", f"pyproject.toml: {want}")
    repo, branch, _ = book_checks.repository()
    url = f"https://github.com/{repo}"
    urls = meta.get_all("Project-URL") or []
    rep.check(bool(urls) and all(u.split(", ", 1)[1].startswith(url) for u in urls),
              f"{len(urls)} project URLs, all in {url} (_config.yml)", f"got: {urls}")
    rep.check(meta.get("Requires-Python") == project["requires-python"],
              f"Requires-Python {meta.get('Requires-Python')}")


def check_colab_cell_builds_the_same(rep: Report, wheel: Path, tmp: Path) -> None:
    """pip builds the Colab cell's ``git+`` requirement from a git checkout, not
    from the sdist: build this checkout's HEAD that way and compare the files."""
    repo, branch, _ = book_checks.repository()
    head = run(["git", "rev-parse", "HEAD"], cwd=ROOT).stdout.strip()
    out = tmp / "from-git"
    result = run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out),
                  f"minirnn @ git+file://{ROOT}@{head}"])
    if not rep.check(result.returncode == 0, "pip builds a wheel from git+file://<checkout>@HEAD",
                     result.stderr[-2000:]):
        return
    git_wheel = next(out.glob("*.whl"))
    ours, theirs = wheel_record(wheel), wheel_record(git_wheel)
    differ = sorted(n for n in ours.keys() | theirs.keys() if ours.get(n) != theirs.get(n))
    dirty = run(["git", "status", "--porcelain", "--", "src", "pyproject.toml", "MANIFEST.in",
                 "README.md", "LICENSE"], cwd=ROOT).stdout.strip()
    hint = ("uncommitted changes in the checkout (git status): commit them and run again"
            if dirty else "the git checkout and the sdist give different wheels")
    rep.check(not differ, f"the Colab cell's install (minirnn @ git+https://github.com/{repo}"
                          f"@{branch}) builds the same {len(ours)} files as the release wheel",
              f"{hint}; differing files: {differ}")


def check_clean_install(rep: Report, wheel: Path, version: str, tmp: Path) -> None:
    venv = tmp / "clean-venv"
    base = getattr(sys, "_base_executable", sys.executable)
    result = run([base, "-m", "venv", str(venv)])
    if not rep.check(result.returncode == 0, f"a new virtual environment ({base})", result.stderr):
        return
    py = venv / "bin" / "python"
    result = run([str(py), "-m", "pip", "install", "-q", str(wheel)])
    if not rep.check(result.returncode == 0, "pip installs the wheel with its dependencies",
                     result.stderr[-2000:]):
        return
    listed = json.loads(run([str(py), "-m", "pip", "list", "--format=json"]).stdout)
    print("     installed: " + ", ".join(f"{d['name']} {d['version']}" for d in listed))
    manifest = tmp / "data-manifest.json"
    manifest.write_text(json.dumps(data_manifest()), encoding="utf-8")
    empty = tmp / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MPLBACKEND")}
    result = subprocess.run([str(py), "-I", str(ROOT / "tools" / "wheel_smoke.py"), version,
                             str(manifest)], cwd=empty, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    print("\n".join("     " + line for line in result.stdout.splitlines()))
    rep.check(result.returncode == 0, "the smoke test passes with the installed wheel")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "_build" / "dist",
                        help="folder holding exactly one sdist and one wheel (make dist)")
    args = parser.parse_args(argv)
    rep = Report()
    wheels, sdists = sorted(args.dist.glob("*.whl")), sorted(args.dist.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        print(f"FAIL expected one wheel and one sdist in {args.dist}, found "
              f"{[p.name for p in wheels + sdists]} (run `make dist`)")
        return 1
    wheel, sdist = wheels[0], sdists[0]
    version = source_version()
    print(f"release check of {wheel.name} and {sdist.name} (Python {sys.version.split()[0]})")

    rep.step("twine check --strict")
    result = run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)])
    rep.check(result.returncode == 0, "twine check --strict passes for the wheel and the sdist",
              (result.stdout + result.stderr)[-2000:])

    rep.step("contents and metadata")
    check_record(rep, wheel)
    check_contents(rep, wheel, sdist)
    check_metadata(rep, wheel, version)

    with tempfile.TemporaryDirectory(prefix="minirnn-release-") as tmp_name:
        tmp = Path(tmp_name)
        rep.step("the Colab cell's install builds the same wheel")
        check_colab_cell_builds_the_same(rep, wheel, tmp)
        rep.step("the wheel in a clean virtual environment")
        check_clean_install(rep, wheel, version, tmp)

    took = time.perf_counter() - rep.start
    if rep.failed:
        print(f"\nrelease check FAILED ({len(rep.failed)} check(s), {took:.1f} s): "
              + "; ".join(rep.failed))
        return 1
    print(f"\nrelease check passed ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
