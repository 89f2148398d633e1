"""Every shell command shown to readers is one the project knows works.

Readers copy commands from the README, the book's pages, the notebooks and the
package's error messages and docstrings. A command that does not work (the
classic: ``pip install "minirnn[torch]"``, when minirnn is on no package
index) costs a reader an afternoon. This test collects every command shown
(lines with ``pip ...``, ``python ...``, ``make ...``, ``jupyter ...``) and
checks each against ALLOWED below: an explicit list, each entry with how it is
known to work (which check runs it). A new command is added here together
with the check that proves it.

Where commands are looked for:
- code: fenced code blocks (not MyST directives such as ```{exercise}),
  inline code spans, backtick spans inside Python strings, and IPython
  ``%pip``/``!`` lines of the notebooks: any command word there starts a command;
- prose (the rest of a Python string, e.g. an error message): only
  ``pip install ...`` and ``python -m ...`` / ``python path.py`` (the word
  "make" is too common in English to look for there).
A command ends at a backtick, a quote that closes the span, ``;``, two spaces,
`` #`` (a comment) or the end of the line.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import book_checks  # noqa: E402

# Where readers meet commands.
MARKDOWN = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "binder" / "README.md",
            *sorted((ROOT / "book").glob("*.md"))]
PY_SOURCES = sorted((ROOT / "src" / "minirnn").rglob("*.py"))

NB = r"notebooks/[\w/-]+\.ipynb"
PAGE = r"notebooks/[\w/-]+\.html"

# (pattern matched against the whole command, how it is known to work)
ALLOWED: list[tuple[str, str]] = [
    # --- the Makefile's targets: CI runs each (.ci/run: `make test`, then the
    #     Colab and Binder checks); test_allowed_make_targets_exist checks the rest.
    (r"make book", "make test runs it (the `book` step)"),
    (r"make test", ".ci/run runs it"),
    (r"make release-check", "make test runs it"),
    (r"make colab-check", ".ci/run runs it after make test"),
    (r"make binder-check", ".ci/run runs it after make test"),
    (r"make browser", "make test runs it"),
    (r"make -j( test)?", "tests/test_makefile.py: under -j the steps still run one by one"),
    (r"(\.venv/bin/)?python -m build", "make dist (part of make release-check) runs it"),
    (r"make clean", "removes _build (rm -rf); test_allowed_make_targets_exist checks it"),
    (r"make nbval", "make test runs it"),
    (r"make notebooks-alone", "runs tools/run_notebooks_alone.py, whose runner is tested by "
                              "tests/test_launch.py::test_notebook_runs_alone_in_an_empty_folder"),
    (r"make notebooks", "the authors' command to refresh outputs; the same tool as "
                        "`make notebook` below"),
    (rf"make notebook NB={NB}", "tools/execute_notebooks.py; the notebook must exist "
                                "(test_paths_in_allowed_commands_exist)"),
    # --- installing
    (r"pip install -e \.", "the Makefile installs the checkout this way (-e \".[test]\") and "
                           "binder/requirements.txt's `-e .` is run by make binder-check"),
    (r"\.venv/bin/pip install torch==2\.13\.0", "this machine only: .ci/run runs it"),
    (r"(\.venv/bin/)?pip install -e \"\.\[torch\]\"",
     ".ci/run runs it after torch 2.13.0 (which satisfies the extra, so nothing is "
     "downloaded); elsewhere pip fetches torch from PyPI"),
    (r"(\.venv/bin/|%)?pip install torch --index-url https://download\.pytorch\.org/whl/cpu",
     "PyTorch's own install command for the CPU build on Linux (pytorch.org, Get Started, "
     "Linux/Pip/CPU); its host is not reachable from CI, so no check runs it here"),
    (r"(\.venv/bin/|%)?pip install torch", "shown as the CUDA build to avoid; PyPI serves it"),
    (r"pip install -r binder/requirements\.txt", "make binder-check runs it"),
    (r"\.venv/bin/pip install jupyterlab", "tried by hand on 2026-11-29 in a new venv: "
                                           "jupyterlab 4.6.6 installed from PyPI"),
    (r"apt-get install chromium chromium-driver", ".ci/run runs it (with -y)"),
    # --- running
    (r"\.venv/bin/jupyter lab notebooks/(workbook/)?",
     "tried by hand on 2026-11-29 after the install above: the server served notebooks/ "
     "(as root it also needs --allow-root)"),
    (r"(\.venv/bin/)?python -m pytest tests/test_torch_bridge\.py", "make unit runs that file"),
    (rf"\.venv/bin/python tools/browser_check\.py --page {PAGE}",
     "make browser runs tools/browser_check.py; --page takes a built page"),
    (r"\.venv/bin/python tools/sync_colab_cells\.py( --check)?",
     "tests/test_launch.py and tests/test_packaging.py run its functions"),
    (r"(\.venv/bin/)?python benchmarks/\w+\.py( --[\w-]+)*",
     "the appendix's benchmarks; test_benchmark_scripts_start runs each with --help "
     "(a full run takes minutes and prints timings, so no check runs it whole)"),
    (r"python3 -c \"while True: pass\" &\)?",
     "the appendix's busy loop (in a subshell, under timeout); plain Python"),
    (r"python -c \"import minirnn\.[\w.]+ as g; g\.write_corpus\('src/minirnn/data'\)\"",
     "tests/test_grammar.py checks that the generator gives the shipped corpus files"),
]


# ---------------------------------------------------------------- finding them

WORD = r"(?:[%!])?(?:\.venv/bin/|[\w.-]*/)?(?:pip3?|python3?(?:\.\d+)?|make|jupyter(?:-\w+)?)"
# In code: any command word followed by an argument.
CODE_CMD = re.compile(rf"(?<![\w.\-/]){WORD}(?=[ \t]+\S)[^\n`]*")
# In prose: only pip install and python -m / python file.py.
PROSE_CMD = re.compile(r"(?<![\w.\-/])(?:[\w.-]*/)?(?:pip3? install(?=\s)|python3? (?:-m |\S+\.py))"
                       r"[^\n`]*")
END = re.compile(r"`|;|\s{2,}| #|['\"](?=\s*[),]|\s*$)")


def _cut(text: str) -> str:
    """The command at the start of ``text``, without what follows it."""
    # Quotes inside the command (pip install "x[y]") are kept when balanced.
    out, quote = [], None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            if text.count(ch, i + 1) == 0:      # an unbalanced quote ends the span
                break
            quote = ch
        elif END.match(text, i):
            break
        out.append(ch)
        i += 1
    cmd = " ".join("".join(out).split())
    return re.sub(r"(?<=\w)[.,:)]+$", "", cmd)   # sentence punctuation (not " .")


def commands_in_code(text: str) -> list[str]:
    return [_cut(m.group(0)) for m in CODE_CMD.finditer(text)]


def commands_in_prose(text: str) -> list[str]:
    return [_cut(m.group(0)) for m in PROSE_CMD.finditer(text)]


INLINE = re.compile(r"(?<!`)(`{1,2})(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")


def commands_in_markdown(text: str) -> list[str]:
    found, prose = [], []
    directives: list[str] = []     # open MyST directive fences: their body is markdown
    code: str | None = None        # the fence of the open code block
    for line in text.splitlines():
        s = line.strip()
        if code is not None:
            if s.startswith(code) and not s.strip(code[0]):
                code = None
            else:
                found += commands_in_code(line)
            continue
        m = FENCE.match(s)
        if m:
            fence, info = m.group(1), m.group(2).strip()
            if info.startswith("{"):
                directives.append(fence)
            elif not info and directives and fence[0] == directives[-1][0] \
                    and len(fence) >= len(directives[-1]):
                directives.pop()
            else:
                code = fence
            continue
        prose.append(line)
    rest = "\n".join(prose)
    for m in INLINE.finditer(rest):
        found += commands_in_code(m.group(2).replace("\n", " "))
    found += commands_in_prose(INLINE.sub(" ", rest))
    return found


def commands_in_string(text: str) -> list[str]:
    """A Python string shown to readers (an error message, a docstring)."""
    found = []
    for m in INLINE.finditer(text):                       # `cmd` and ``cmd``
        found += commands_in_code(m.group(2).replace("\n", " "))
    return found + commands_in_prose(INLINE.sub(" ", text))


def _strings(source: str) -> list[str]:
    strings = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            strings.append(node.value)
        elif isinstance(node, ast.JoinedStr):             # f-strings: their literal parts
            strings.append("".join(v.value if isinstance(v, ast.Constant) else "{}"
                                   for v in node.values))
    return strings


def commands_in_notebook(path: Path) -> list[str]:
    found = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            found += commands_in_markdown(cell.source)
        elif cell.cell_type == "code":
            magics = [ln for ln in cell.source.splitlines() if ln.lstrip().startswith(("%", "!"))]
            found += [c for ln in magics for c in commands_in_code(ln.strip())]
            code = "\n".join("pass" if ln.lstrip().startswith(("%", "!")) else ln
                             for ln in cell.source.splitlines())
            try:
                strings = _strings(code)
            except SyntaxError:
                strings = []
            found += [c for s in strings for c in commands_in_string(s)]
    return found


def shown_commands() -> dict[str, set[str]]:
    """``{command: {where}}`` for every command shown to readers."""
    shown: dict[str, set[str]] = {}

    def add(cmds, where):
        for c in cmds:
            shown.setdefault(c, set()).add(where)

    for md in MARKDOWN:
        add(commands_in_markdown(md.read_text(encoding="utf-8")), md.relative_to(ROOT).as_posix())
    for nb in book_checks.notebook_paths():
        add(commands_in_notebook(nb), nb.relative_to(ROOT).as_posix())
    for py in PY_SOURCES:
        add([c for s in _strings(py.read_text(encoding="utf-8")) for c in commands_in_string(s)],
            py.relative_to(ROOT).as_posix())
    return shown


def allowed_by(command: str) -> str | None:
    return next((why for pattern, why in ALLOWED if re.fullmatch(pattern, command)), None)


# ---------------------------------------------------------------------- tests

def test_every_command_shown_to_readers_is_known_to_work():
    unknown = {cmd: sorted(where) for cmd, where in shown_commands().items()
               if allowed_by(cmd) is None}
    assert unknown == {}, (
        "commands shown to readers that no check runs (fix the text, or add the command "
        "to ALLOWED with the check that proves it):\n"
        + "\n".join(f"  {cmd!r} in {', '.join(where)}" for cmd, where in unknown.items()))


def test_the_readme_shows_the_two_setup_commands():
    readme = set(commands_in_markdown((ROOT / "README.md").read_text(encoding="utf-8")))
    assert {"make book", "make test"} <= readme


def _make_targets() -> set[str]:
    out = subprocess.run(["make", "-p", "-n", "-q", "-f", "Makefile", ".DEFAULT"], cwd=ROOT,
                         text=True, capture_output=True, timeout=60)
    return set(re.findall(r"^([\w.-]+):(?!=)", out.stdout, flags=re.MULTILINE))


def _targets_named(command: str) -> set[str]:
    """The targets of a make command: its words that are neither options nor VAR=value."""
    words = command.split()
    if not words or words[0] != "make":
        return set()
    return {w for w in words[1:] if not w.startswith("-") and "=" not in w}


def test_allowed_make_targets_exist():
    targets = _make_targets()
    # The literal make commands of ALLOWED, and every make command shown to readers.
    literal = [p.replace("\\", "") for p, _ in ALLOWED if re.fullmatch(r"make [\w -]+", p)]
    wanted = set().union(*(_targets_named(c) for c in literal + list(shown_commands())))
    assert {"book", "test"} <= wanted
    assert wanted <= targets, f"no such Makefile target: {sorted(wanted - targets)}"


def test_paths_in_allowed_commands_exist():
    """Files named by the commands shown (notebooks, tools, tests, pages) exist."""
    missing = []
    for cmd in shown_commands():
        for token in cmd.split():
            value = token.split("=", 1)[-1]
            if re.fullmatch(r"(notebooks|tools|tests|book|benchmarks)/\S+", value):
                path = ROOT / value
                if value.endswith(".html"):        # a page of the book: its source
                    path = next((p for p in [path.with_suffix(".ipynb"), path.with_suffix(".md")]
                                 if p.exists()), path)
                if not path.exists():
                    missing.append(f"{cmd}: {value}")
    assert missing == []


def test_benchmark_scripts_start():
    scripts = {m.group(1) for cmd in shown_commands()
               for m in [re.search(r"\b(benchmarks/\w+\.py)", cmd)] if m}
    for script in sorted(scripts):
        out = subprocess.run([sys.executable, script, "--help"], cwd=ROOT, text=True,
                             capture_output=True, timeout=120)
        assert out.returncode == 0 and "usage" in out.stdout, f"{script}: {out.stderr[-500:]}"


@pytest.mark.parametrize("text,expected", [
    ('To run them: pip install "minirnn[torch]"   (Colab has PyTorch already)',
     ['pip install "minirnn[torch]"']),
    ("Install it with `pip install torch`; on Linux the CPU build.", ["pip install torch"]),
    ("run ``python -m pytest tests/test_io.py``.", ["python -m pytest tests/test_io.py"]),
    ("make sure the shapes agree", []),                 # prose "make" is not a command
    ("a python list of ints", []),
    ("pip installing a package", []),
])
def test_commands_are_found_in_strings(text, expected):
    assert commands_in_string(text) == expected


def test_commands_are_found_in_markdown():
    text = ("Run `make test`, then\n```bash\nmake book   # the HTML\n.venv/bin/pip install -e .\n"
            "```\n```{exercise}\n`make notebook\nNB=notebooks/01_recurrence.ipynb`\n```\n"
            "A bare `make` is the tool; `make_adding(3)` is code.\n")
    assert sorted(commands_in_markdown(text)) == sorted(
        ["make test", "make book", ".venv/bin/pip install -e .",
         "make notebook NB=notebooks/01_recurrence.ipynb"])


def test_the_known_bad_command_is_not_allowed():
    assert allowed_by('pip install "minirnn[torch]"') is None
    assert allowed_by("pip install minirnn") is None
