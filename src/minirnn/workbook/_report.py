"""The result of a check and how it reads: as text, as HTML and as Markdown in a notebook.

Everything printed is deterministic (no addresses, timings or temporary file
names), so a notebook that shows a result passes nbval.
"""

from __future__ import annotations

import html
import linecache
import os
import re
import sysconfig
import traceback
from dataclasses import dataclass, field

import numpy as np

STATUS_WORDS = {
    "passed": "passed",
    "failed": "not right yet",
    "error": "your code raised an error",
    "todo": "not implemented yet",
}
COLOURS = {"passed": "#1a7f37", "failed": "#b3261e", "error": "#b3261e", "todo": "#8a6d00"}


@dataclass(frozen=True)
class Problem:
    """One wrong output (or one input changed in place), with its likely cause."""

    output: str
    cause: str
    text: str
    case: str = ""

    def line(self) -> str:
        return f"{self.output}: {self.text}" + (f" [{self.case}]" if self.case else "")


@dataclass(frozen=True)
class ErrorInfo:
    """An exception raised while the learner's function ran."""

    type: str
    message: str
    where: str        # "cell In[7], line 9" or "mycode.py, line 12"; "" if not in their code
    line: str         # the source line, stripped
    case: str
    hint: str = ""


@dataclass
class Result:
    """What :func:`minirnn.workbook.check` found. ``passed`` is True only if every output
    was right on every case (and, where it was run, the numerical check agreed).

    ``print(result)`` gives the short report; in a notebook the result displays
    itself as HTML.
    """

    name: str
    status: str                      # "passed", "failed", "error" or "todo"
    reference: str
    outputs: tuple[str, ...] = ()
    cases: tuple[str, ...] = ()
    case_summary: str = ""
    problems: list[Problem] = field(default_factory=list)
    error: ErrorInfo | None = None
    waiting_for: str = ""            # todo: the learner's function that is not written yet
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    # ----------------------------------------------------------------- contents
    def headline(self) -> str:
        if self.status == "failed":
            n = len(self._grouped())
            return f"{self.name}: {STATUS_WORDS['failed']} ({n} problem{'s' * (n != 1)})"
        return f"{self.name}: {STATUS_WORDS[self.status]}"

    def _grouped(self) -> list[str]:
        """One line per cause: outputs wrong for the same reason share a line."""
        order: list[tuple[str, str, str]] = []
        outputs: dict[tuple[str, str, str], list[str]] = {}
        for p in self.problems:
            key = (p.cause, p.text, p.case)
            if key not in outputs:
                order.append(key)
                outputs[key] = []
            outputs[key].append(p.output)
        return [Problem(", ".join(outputs[k]), *k).line() for k in order]

    def details(self) -> list[str]:
        """The lines under the headline."""
        if self.status == "todo" and self.waiting_for:
            return [f"{self.name} calls {self.waiting_for}, which is not implemented yet: "
                    f"write {self.waiting_for} first."]
        if self.status == "todo":
            return [f"Write the body of {self.name} in the cell above (replace the line "
                    "`raise NotImplementedError`), run that cell, then run this one again."]
        if self.status == "error":
            e = self.error
            lines = []
            if e.where:
                lines.append(f"{e.type} at {e.where}: {e.line}")
            else:
                lines.append(f"{e.type} when {self.name} was called")
            lines.append(e.message)
            lines.append(f"on the case {e.case}" if e.case else "")
            if e.hint:
                lines.append(f"hint: {e.hint}")
            return [line for line in lines if line] + self.notes
        if self.status == "passed":
            what = ", ".join(self.outputs)
            verb = "equals that" if len(self.outputs) == 1 else "equal those"
            return [f"{what} {verb} of {self.reference} on {len(self.cases)} cases: "
                    f"{self.case_summary}"] + self.notes
        return self._grouped() + self.notes

    # ----------------------------------------------------------------- displays
    def __str__(self) -> str:
        return "\n".join([self.headline()] + [f"  {d}" for d in self.details()])

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        items = "\n".join(f"- {_md(d)}" for d in self.details())
        return f"**{_md(self.headline())}**\n\n{items}\n"

    def _repr_html_(self) -> str:
        colour = COLOURS[self.status]
        items = "".join(f"<li>{_html_code(d)}</li>" for d in self.details())
        return (f'<div class="minirnn-check" style="border-left: 4px solid {colour}; '
                f'padding: 0.3em 0.8em; margin: 0.3em 0;">'
                f'<strong style="color: {colour};">{html.escape(self.headline())}</strong>'
                f'<ul style="margin: 0.2em 0 0.2em 0;">{items}</ul></div>')


def _md(text: str) -> str:
    """Escape Markdown's special characters outside `code` spans."""
    parts = text.split("`")
    return "`".join(p if i % 2 else re.sub(r"([*_\\\[\]<>])", r"\\\1", p)
                    for i, p in enumerate(parts))


def _html_code(text: str) -> str:
    """Escape, then show `backticked` words as code."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


# ----------------------------------------------------------------- the learner's line
_LIBRARY_DIRS = None


def _library_dirs() -> tuple[str, ...]:
    """Folders whose code is not the learner's: minirnn itself, numpy, the standard library
    and installed packages (IPython's own frames included)."""
    global _LIBRARY_DIRS
    if _LIBRARY_DIRS is None:
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # minirnn/
        paths = sysconfig.get_paths()
        dirs = {here, os.path.dirname(np.__file__), paths["stdlib"], paths["platstdlib"],
                paths["purelib"], paths["platlib"]}
        _LIBRARY_DIRS = tuple(os.path.join(os.path.abspath(d), "") for d in dirs if d)
    return _LIBRARY_DIRS


def _is_learner_file(filename: str) -> bool:
    if filename.startswith("<") and "ipython-input" not in filename:
        return False      # <frozen ...>, <string>: not a file the learner can open
    path = os.path.join(os.path.abspath(filename), "")
    return not any(path.startswith(d) for d in _library_dirs())


def _cell_name(filename: str) -> str:
    """``cell In[7]`` for a notebook cell (IPython 7 or later), else the file's name."""
    m = re.search(r"<ipython-input-(\d+)-", filename)
    if m:
        return f"cell In[{m.group(1)}]"
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    compiler = getattr(shell, "compile", None)
    label = getattr(compiler, "format_code_name", lambda name: None)(filename)
    if label:
        return f"cell {label[1]}"
    number = getattr(compiler, "_filename_map", {}).get(filename)
    if number is not None:
        return f"cell In[{number}]"
    if re.search(r"ipykernel_\d+[/\\]\d+\.py$", filename):
        return ""         # ipykernel's file for a cell, its number unknown (IPython 7)
    return os.path.basename(filename)


def learner_frame(exc: BaseException) -> tuple[str, str]:
    """``(where, source line)`` of the innermost frame of the learner's own code."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if _is_learner_file(f.filename)]
    if not frames:
        return "", ""
    f = frames[-1]
    line = f.line or linecache.getline(f.filename, f.lineno).strip()
    cell = _cell_name(f.filename)
    where = (f"{cell}, line {f.lineno}" if cell else
             f"line {f.lineno} of the cell that defines {f.name}")
    return where, line.strip()


def learner_function(exc: BaseException) -> str:
    """The name of the learner's function in which ``exc`` was raised ("" if none)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if _is_learner_file(f.filename)]
    return frames[-1].name if frames else ""


def error_hint(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, ValueError) and ("matmul" in text or "shapes" in text
                                        and "aligned" in text):
        return ("a matrix product with mismatched shapes: write the shape of each operand "
                "next to the line ((N, D) @ (D, H) -> (N, H)), and transpose where needed")
    if isinstance(exc, ValueError) and "broadcast" in text:
        return "two arrays whose shapes do not match: write the shape of each next to the line"
    if isinstance(exc, (IndexError, ValueError)) and "too many values to unpack" in text:
        return "unpacking the cache: it holds the entries listed in the function's docstring"
    return ""
