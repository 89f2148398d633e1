"""The Korean edition: build it, refresh its catalogues, check that it is complete and current.

Usage (the Makefile's targets call these; see locales/README.md for the workflow):

    python tools/i18n.py build  [--language ko] [--out _build/html-ko]   # make book-ko
    python tools/i18n.py update [--language ko]                          # make locales-update
    python tools/i18n.py check  [--language ko] [--require-complete]     # make locales-check
    python tools/i18n.py stats  [--language ko]                          # make locales-stats

The English text is the source. Sphinx's ``gettext`` builder extracts its
messages (one ``.pot`` per document, ``gettext_compact: false`` in _config.yml)
with its own doctree folder; ``sphinx-intl update`` merges them into the
catalogues ``locales/<language>/LC_MESSAGES/<document>.po``; a build with
``language = <language>`` applies them (an untranslated message shows the
English text).

``check`` extracts the English messages again, into a temporary folder, and
compares them with the catalogues. It fails when

- a catalogue is out of date: the English text has messages that its catalogue
  lacks, or the catalogue has (non-obsolete) messages that the English text no
  longer has, or a document has no catalogue (run ``make locales-update``);
- a catalogue exists for a document that does not exist or is not translated
  (``EXCLUDED``);
- a translated message changed what must stay unchanged: its inline code,
  math, link targets and the targets of its roles (``{term}``, ``{doc}``,
  ``{ref}``, ``{py:...}``, ``{cite:...}``), compared as multisets;
- a catalogue that must be complete has untranslated, fuzzy or obsolete
  messages. Every catalogue must be complete with ``--require-complete``
  (``KO_REQUIRE_COMPLETE=1`` in the Makefile); without it, those listed in
  ``locales/<language>/complete.txt`` must (a translation, once finished,
  cannot fall behind unnoticed).

Each problem names the catalogue and the numbers. Exit status 1 if any.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
BUILD = ROOT / "_build"
LANGUAGES = ("ko",)

# Documents that have no catalogue, and why: the named exceptions of the check.
EXCLUDED = {
    "book/api": "the API reference is written from the package's docstrings, which are "
                "code and change with it; it stays in English in every edition",
}


# ------------------------------------------------------------------ sphinx runs

def _sphinx(builder: str, outdir: Path, doctrees: Path, overrides: dict,
            strict: bool) -> int:
    """Build the book (this repository, _config.yml and _toc.yml) with ``builder``."""
    from jupyter_book.sphinx import build_sphinx

    confoverrides = {"external_toc_path": str(ROOT / "_toc.yml"),
                     "latex_individualpages": False, **overrides}
    result = build_sphinx(ROOT, outdir, use_external_toc=True, noconfig=True,
                          path_config=str(ROOT / "_config.yml"),
                          confoverrides=confoverrides, builder=builder,
                          doctreedir=str(doctrees), warningiserror=strict,
                          keep_going=strict, quiet=not strict)
    if isinstance(result, Exception):
        return 1
    return int(result or 0)


def extract(potdir: Path, quiet: bool = True) -> dict[str, Path]:
    """Write the English messages, one ``.pot`` per document, into ``potdir``.

    Returns ``{docname: pot path}`` without the EXCLUDED documents (their
    ``.pot`` is deleted). The gettext builder has its own doctree folder inside
    ``potdir``: the HTML builds' doctrees are not compatible with it.
    """
    if potdir.exists():
        shutil.rmtree(potdir)
    status = _sphinx("gettext", potdir, potdir / ".doctrees", {"nitpicky": True},
                     strict=not quiet)
    if status:
        raise SystemExit(f"extracting the English messages failed (status {status})")
    pots = {}
    for pot in sorted(potdir.rglob("*.pot")):
        if ".doctrees" in pot.parts:
            continue
        docname = pot.relative_to(potdir).with_suffix("").as_posix()
        if docname in EXCLUDED:
            pot.unlink()
            continue
        pots[docname] = pot
    return pots


def build(language: str, out: Path) -> int:
    """The HTML edition in ``language``, as strict as `make book` (-W -n --keep-going)."""
    from jupyter_book.cli.main import builder_specific_actions

    t0 = time.perf_counter()
    doctrees = out.parent / f".doctrees-{out.name}"
    status = _sphinx("html", out, doctrees, {"language": language, "nitpicky": True},
                     strict=True)
    builder_specific_actions(status, "html", out, "book", print_func=print)  # exits on failure
    # Jupyter Book writes index.html (a redirect to the first page) for `make book`.
    index = out / "index.html"
    if not index.exists():
        from jupyter_book.sphinx import REDIRECT_TEXT

        index.write_text(REDIRECT_TEXT.format(first_page="book/intro.html"), encoding="utf-8")
    print(f"The {language} edition is built in {time.perf_counter() - t0:.0f} s: "
          f"open {out / 'index.html'}")
    return status


# ------------------------------------------------------------------- catalogues

def po_dir(language: str) -> Path:
    return LOCALES / language / "LC_MESSAGES"


def read_catalog(path: Path):
    """A .po or .pot file as a babel Catalog (read as sphinx-intl reads it)."""
    from sphinx_intl.catalog import load_po

    return load_po(str(path), abort_invalid=True)


def update(language: str) -> int:
    """Merge the current English messages into the catalogues (``sphinx-intl update``)."""
    potdir = BUILD / "gettext"
    print(f"extracting the English messages into {potdir.relative_to(ROOT)} ...")
    pots = extract(potdir)
    sphinx_intl = Path(sys.executable).with_name("sphinx-intl")
    cmd = [str(sphinx_intl), "update", "-p", str(potdir), "-l", language, "-d", str(LOCALES),
           "-j", "1"]
    print("$", " ".join(str(Path(c).relative_to(ROOT)) if c.startswith(str(ROOT)) else c
                        for c in cmd))
    status = subprocess.run(cmd, cwd=ROOT).returncode
    if status:
        return status
    for po in sorted(po_dir(language).rglob("*.po")):
        docname = po.relative_to(po_dir(language)).with_suffix("").as_posix()
        if docname not in pots:
            why = EXCLUDED.get(docname, "the document no longer exists")
            print(f"Delete: {po.relative_to(ROOT)} ({why})")
            po.unlink()
            continue
        drop_format_flags(po)
        dropped = drop_empty_obsolete(po)
        if dropped:
            print(f"Tidy: {po.relative_to(ROOT)}: {dropped} obsolete untranslated "
                  "message(s) removed")
    print()
    print_stats(language, collect(language, pots))
    return 0


def drop_format_flags(po: Path) -> int:
    """Remove the ``python-format`` and ``python-brace-format`` flags; return how many.

    Babel flags a message as a Python format string when its English happens to
    contain something like "85% of" ("% o") or "{cite:t}". The book's messages
    are prose, never formatted by Python, and with the flag ``msgfmt -c`` rejects
    a correct Korean translation such as "85%를" as a broken format.
    """
    from sphinx_intl.catalog import dump_po

    cat = read_catalog(po)
    flags = ("python-format", "python-brace-format")
    flagged = [m for m in cat if m.id and any(f in m.flags for f in flags)]
    if not flagged:
        return 0
    for m in flagged:
        for f in flags:
            m.flags.discard(f)
    dump_po(str(po), cat, width=76)  # sphinx-intl's default line width
    return len(flagged)


def drop_empty_obsolete(po: Path) -> int:
    """Remove the obsolete entries that were never translated; return how many.

    ``sphinx-intl update`` keeps every message that left the English text as an
    obsolete ``#~`` entry, so that its translation can be reused; one that has
    no translation holds nothing to reuse. Translated obsolete entries are kept
    for the translator (the check counts them until they are deleted).
    """
    from sphinx_intl.catalog import dump_po

    cat = read_catalog(po)
    empty = [key for key, m in cat.obsolete.items() if not m.string]
    if not empty:
        return 0
    for key in empty:
        del cat.obsolete[key]
    dump_po(str(po), cat, width=76)  # sphinx-intl's default line width
    return len(empty)


# ------------------------------------------------------------------- the check

ROLE = re.compile(r"\{([\w:.+-]+)\}`([^`]*)`")
CODE = re.compile(r"``(.+?)``|`([^`]+)`")
MATH = re.compile(r"(?<![\\$])\$([^$]+?)(?<!\\)\$(?!\$)")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def role_target(role: str, content: str) -> str:
    """The target of a role: ``text <target>`` -> target, else the content itself."""
    m = re.fullmatch(r"(?s)(.*?)\s*<([^<>]+)>", content.strip())
    return m.group(2) if m and m.group(1) else content.strip()


def markup(text: str) -> Counter:
    """What a translation must keep: role targets, inline code, math, link targets."""
    found = Counter()
    for m in ROLE.finditer(text):
        found[f"{{{m.group(1)}}} target {role_target(m.group(1), m.group(2))!r}"] += 1
    rest = ROLE.sub(" ", text)
    for m in CODE.finditer(rest):
        found[f"inline code `{m.group(1) or m.group(2)}`"] += 1
    rest = CODE.sub(" ", rest)
    for m in MATH.finditer(rest):
        found[f"math ${m.group(1)}$"] += 1
    for m in LINK.finditer(rest):
        found[f"link target ({m.group(1)})"] += 1
    return found


def markup_problem(msgid: str, msgstr: str) -> str | None:
    """Why ``msgstr`` does not keep the markup of ``msgid``, or None."""
    want, got = markup(msgid), markup(msgstr)
    if want == got:
        return None
    missing = list((want - got).elements())
    extra = list((got - want).elements())
    parts = []
    if missing:
        parts.append("the translation lacks " + "; ".join(missing))
    if extra:
        parts.append("it has in addition " + "; ".join(extra))
    return ", and ".join(parts)


@dataclass
class Status:
    docname: str
    po: Path
    exists: bool = True
    messages: int = 0
    translated: int = 0
    untranslated: int = 0
    fuzzy: int = 0
    obsolete: int = 0
    new: list[str] = field(default_factory=list)      # in the English text, not in the .po
    gone: list[str] = field(default_factory=list)     # in the .po, no longer in the English
    markup: list[str] = field(default_factory=list)   # translations that changed the markup
    error: str = ""

    @property
    def out_of_date(self) -> bool:
        return not self.exists or bool(self.new or self.gone)

    @property
    def complete(self) -> bool:
        return (self.exists and not self.error and not self.out_of_date
                and not (self.untranslated or self.fuzzy or self.obsolete))


def _short(msg: str, n: int = 70) -> str:
    msg = " ".join(msg.split())
    return msg if len(msg) <= n else msg[:n - 3] + "..."


def _key(message) -> tuple:
    return (message.context, message.id)


def collect(language: str, pots: dict[str, Path]) -> list[Status]:
    """Compare each document's English messages (``pots``) with its catalogue."""
    out = []
    for docname, pot in sorted(pots.items()):
        po = po_dir(language) / f"{docname}.po"
        st = Status(docname, po)
        english = {_key(m) for m in read_catalog(pot) if m.id}
        if not po.exists():
            st.exists = False
            st.messages = len(english)
            st.untranslated = len(english)
            out.append(st)
            continue
        try:
            cat = read_catalog(po)
        except Exception as exc:  # noqa: BLE001 - a broken .po is reported, not raised
            st.error = f"cannot be read: {exc}"
            out.append(st)
            continue
        active = [m for m in cat if m.id]
        st.messages = len(active)
        st.untranslated = sum(1 for m in active if not m.string)
        st.fuzzy = sum(1 for m in active if m.string and m.fuzzy)
        st.translated = st.messages - st.untranslated - st.fuzzy
        st.obsolete = len(cat.obsolete)
        keys = {_key(m) for m in active}
        st.new = [k[1] for k in sorted(english - keys, key=str)]
        st.gone = [k[1] for k in sorted(keys - english, key=str)]
        for m in active:
            if m.string and not m.fuzzy:
                why = markup_problem(m.id, m.string)
                if why:
                    st.markup.append(f"line {m.lineno}: {_short(m.id)!r}: {why}")
        out.append(st)
    return out


def orphans(language: str, pots: dict[str, Path]) -> list[str]:
    problems = []
    for po in sorted(po_dir(language).rglob("*.po")) if po_dir(language).exists() else []:
        docname = po.relative_to(po_dir(language)).with_suffix("").as_posix()
        if docname in EXCLUDED:
            problems.append(f"{po.relative_to(ROOT)}: this document is not translated "
                            f"({EXCLUDED[docname]}); delete the file")
        elif docname not in pots:
            problems.append(f"{po.relative_to(ROOT)}: no such document in the book; "
                            "delete the file (`make locales-update` does)")
    return problems


def required_complete(language: str) -> list[str]:
    """The documents listed in locales/<language>/complete.txt (comments with #)."""
    path = LOCALES / language / "complete.txt"
    if not path.exists():
        return []
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line.removesuffix(".po"))
    return names


def print_stats(language: str, statuses: list[Status]) -> None:
    width = max([len(s.docname) for s in statuses] + [20]) + 3
    print(f"Catalogues in {po_dir(language).relative_to(ROOT)}/ "
          f"(compared with the English text just extracted):")
    print(f"  {'catalogue':<{width}} {'messages':>8} {'translated':>10} {'untranslated':>12} "
          f"{'fuzzy':>6} {'obsolete':>8}")
    for s in statuses:
        name = f"{s.docname}.po"
        if not s.exists:
            print(f"  {name:<{width}} {s.messages:>8}   (missing)")
            continue
        flag = "complete" if s.complete else ("OUT OF DATE" if s.out_of_date else "")
        print(f"  {name:<{width}} {s.messages:>8} {s.translated:>10} {s.untranslated:>12} "
              f"{s.fuzzy:>6} {s.obsolete:>8}  {flag}")
    total = sum(s.messages for s in statuses)
    done = sum(s.translated for s in statuses)
    print(f"  {'total':<{width}} {total:>8} {done:>10}  "
          f"({sum(s.complete for s in statuses)} of {len(statuses)} catalogues complete)")
    for docname, why in EXCLUDED.items():
        print(f"  {docname}: no catalogue, by design ({why})")


def check(language: str, require_complete: bool, pots: dict[str, Path] | None = None) -> int:
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="minirnn-pot-") as tmp:
        pots = pots if pots is not None else extract(Path(tmp) / "pot")
        statuses = collect(language, pots)
    print_stats(language, statuses)
    listed = required_complete(language)
    problems = orphans(language, pots)
    for name in listed:
        if name not in pots:
            problems.append(f"locales/{language}/complete.txt names {name}, which has no "
                            "catalogue")
    hint = "run `make locales-update`, then translate the new and fuzzy messages"
    for s in statuses:
        rel = s.po.relative_to(ROOT)
        if s.error:
            problems.append(f"{rel}: {s.error}")
            continue
        if not s.exists:
            problems.append(f"{rel}: missing; the document has {s.messages} messages ({hint})")
            continue
        if s.out_of_date:
            problems.append(
                f"{rel}: out of date with the English text: {len(s.new)} message(s) of the "
                f"English text are not in the catalogue, {len(s.gone)} message(s) of the "
                f"catalogue are no longer in the English text ({hint})"
                + "".join(f"\n      new: {_short(m)!r}" for m in s.new[:3])
                + "".join(f"\n      gone: {_short(m)!r}" for m in s.gone[:3]))
        for item in s.markup:
            problems.append(f"{rel}: {item}")
        must = require_complete or s.docname in listed
        if must and (s.untranslated or s.fuzzy or s.obsolete):
            why = ("KO_REQUIRE_COMPLETE=1" if require_complete
                   else f"listed in locales/{language}/complete.txt")
            problems.append(
                f"{rel}: {s.untranslated} untranslated, {s.fuzzy} fuzzy, {s.obsolete} obsolete "
                f"message(s) of {s.messages}; it must be complete ({why}). Translate the "
                "empty ones, check the fuzzy ones and remove their '#, fuzzy' line, delete "
                "the obsolete '#~' entries")
    print(f"locales check ({language}) took {time.perf_counter() - t0:.0f} s")
    if not require_complete:
        print("(KO_REQUIRE_COMPLETE=0: only the catalogues listed in "
              f"locales/{language}/complete.txt must be complete)")
    for p in problems:
        print(f"FAIL: {p}")
    if problems:
        print(f"{len(problems)} problem(s) in the {language} catalogues")
        return 1
    print(f"the {language} catalogues are current" +
          (" and complete" if require_complete else ""))
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    for name in ("build", "update", "check", "stats"):
        p = sub.add_parser(name)
        p.add_argument("--language", default="ko", choices=LANGUAGES)
        if name == "build":
            p.add_argument("--out", type=Path, default=None,
                           help="output folder (default: _build/html-<language>)")
        if name == "check":
            p.add_argument("--require-complete", action="store_true",
                           help="every catalogue must be fully translated")
    args = ap.parse_args(argv)
    if args.command == "build":
        return build(args.language, args.out or BUILD / f"html-{args.language}")
    if args.command == "update":
        return update(args.language)
    if args.command == "check":
        return check(args.language, args.require_complete)
    with tempfile.TemporaryDirectory(prefix="minirnn-pot-") as tmp:
        print_stats(args.language, collect(args.language, extract(Path(tmp) / "pot")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
