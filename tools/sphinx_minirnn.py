"""Sphinx extension for the minirnn book: API pages written from the package itself.

Loaded by _config.yml (``sphinx.local_extensions``). It does four things:

1. The API page (``book/api.md``) holds the marker ``<!-- minirnn-api -->``. When
   Sphinx reads that page, the marker is replaced by one section per module of
   the package, found by walking ``src/minirnn`` (sub-packages included), each
   with an ``automodule`` directive. A new module appears in the book without
   anyone editing a list, and the page is re-read on every build so that
   incremental builds see new modules too.
2. ``minirnn.RNN`` (a top-level re-export) resolves to the object's defining
   module (``minirnn.layers.RNN``), so both spellings link.
3. Type words of numpy-style docstrings and annotations (``ndarray``,
   ``shape (N, H)``, ``numpy.random.Generator``, ...) are not cross-reference
   targets; in a nitpicky build (``-n``) they would each be a warning.
   ``napoleon_use_param = False`` keeps the Parameters types as plain text, and
   the annotations that remain in signatures are ignored here by pattern.
4. Identical ``<script>`` entries of a page are kept once (see
   ``_drop_duplicate_scripts``).
"""

from __future__ import annotations

import importlib
import pkgutil
import re

PACKAGE = "minirnn"
API_DOCNAME = "book/api"
MARKER = "<!-- minirnn-api -->"

# Sections of the API page: (heading, predicate on the module name).
# A module goes to the first group that wants it.
GROUPS = [
    ("Internal helpers", lambda m: _private(m)),
    ("Figures: `minirnn.plot`", lambda m: m == f"{PACKAGE}.plot" or
     m.startswith(f"{PACKAGE}.plot.")),
    ("Data sets: `minirnn.tasks`", lambda m: m == f"{PACKAGE}.tasks" or
     m.startswith(f"{PACKAGE}.tasks.")),
    ("Build it yourself: `minirnn.workbook`", lambda m: m == f"{PACKAGE}.workbook" or
     m.startswith(f"{PACKAGE}.workbook.")),
    ("The core", lambda m: True),
]
ORDER = ["The core", "Build it yourself: `minirnn.workbook`", "Figures: `minirnn.plot`",
         "Data sets: `minirnn.tasks`", "Internal helpers"]

# Type words that numpy-style docstrings and annotations use and that have no
# target in this book (there is no network for intersphinx).
NITPICK_IGNORE = [
    (r"py:.*", r"(numpy|np)(\..*)?"),
    (r"py:.*", r"(torch|matplotlib|mpl|plt)(\..*)?"),
    (r"py:.*", r"(ndarray|array_like|array-like|ArrayLike|NDArray|Generator|Axes|Figure)"),
    (r"py:.*", r"(shape|optional|callable|iterable|sequence|default|scalar|of|or)"),
    (r"py:.*", r"(typing|collections\.abc)\..*"),
    (r"py:.*", r"(Callable|Iterable|Iterator|Sequence|Mapping|Any)"),
]


def _private(modname: str) -> bool:
    return any(part.startswith("_") for part in modname.split(".")[1:])


def discover_modules(package: str = PACKAGE) -> list[str]:
    """Every module of ``package``, sub-packages included, sorted by name.

    Modules are found on disk (``pkgutil.walk_packages`` over the package's
    ``__path__``), so nothing has to be listed by hand. Sub-packages are
    imported to be walked; plain modules are not imported here.
    """
    pkg = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(pkg.__path__, prefix=f"{package}."):
        names.append(info.name)
    return sorted(set(names))


def _top_level_table(package: str = PACKAGE) -> str:
    """A table: each name of ``package.__all__`` and the module that defines it."""
    pkg = importlib.import_module(package)
    rows = []
    for name in sorted(getattr(pkg, "__all__", []), key=str.lower):
        obj = getattr(pkg, name, None)
        module = getattr(obj, "__module__", None)
        if obj is None or not module or not module.startswith(package):
            continue
        role = "py:class" if isinstance(obj, type) else "py:func"
        rows.append(f"| `{package}.{name}` | {{{role}}}`{module}.{name}` |")
    if not rows:
        return ""
    head = ["| Import as | Defined in |", "| --- | --- |"]
    return "\n".join(head + rows)


def api_markdown(package: str = PACKAGE) -> str:
    """The MyST text that replaces the marker: one section per module."""
    modules = [m for m in discover_modules(package) if m != package]
    out = [f"## The package `{package}`", "", "```{eval-rst}",
           f".. automodule:: {package}", "```", ""]
    table = _top_level_table(package)
    if table:
        out += ["The names imported by `import minirnn`, and where each is defined "
                "(both spellings link to the same entry):", "", table, ""]
    groups: dict[str, list[str]] = {heading: [] for heading in ORDER}
    for mod in modules:
        heading = next(h for h, wanted in GROUPS if wanted(mod))
        groups[heading].append(mod)
    for heading in ORDER:
        group = groups[heading]
        if not group:
            continue
        out += [f"## {heading}", ""]
        for mod in group:
            # autodoc writes reStructuredText, so it runs inside eval-rst.
            out += [f"### `{mod}`", "", "```{eval-rst}",
                    f".. automodule:: {mod}",
                    "   :members:",
                    "   :ignore-module-all:",
                    "   :show-inheritance:",
                    "```", ""]
    return "\n".join(out)


def _source_read(app, docname, source):
    if docname != app.config.minirnn_api_docname:
        return
    text = source[0]
    generated = api_markdown(app.config.minirnn_api_package)
    source[0] = text.replace(MARKER, generated) if MARKER in text else text + "\n" + generated


def _always_reread_api(app, env, added, changed, removed):
    # Modules may have been added since the last build: re-read the API page.
    docname = app.config.minirnn_api_docname
    return [docname] if docname in env.found_docs else []


_TOP_LEVEL = re.compile(rf"^{PACKAGE}\.(\w+)$")


def _resolve_reexport(app, env, node, contnode):
    """Let ``minirnn.RNN`` link to ``minirnn.layers.RNN`` (its defining module).

    Also: inside minirnn's own docstrings, a type phrase that is not a minirnn
    name ("ndarray, shape (N, H)", "dict of str", "difflib.get_close_matches")
    has no target in this offline book, so it is shown as plain text instead of
    a nitpick warning; so is a private name such as a base class
    ``minirnn.seq_models._Model`` named by show-inheritance. Other names under
    ``minirnn.`` that do not resolve still warn.
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    match = _TOP_LEVEL.match(target)
    if not match:
        in_docstring = str(node.get("py:module") or "").startswith(PACKAGE)
        if in_docstring and not target.lstrip(".~").startswith(f"{PACKAGE}."):
            return contnode
        if target.startswith(f"{PACKAGE}.") and target.rsplit(".", 1)[-1].startswith("_"):
            return contnode  # a private base class (show-inheritance): not documented
        return None
    pkg = importlib.import_module(PACKAGE)
    obj = getattr(pkg, match.group(1), None)
    module = getattr(obj, "__module__", None)
    if obj is None or not module or module == PACKAGE:
        return None
    real = f"{module}.{match.group(1)}"
    domain = env.get_domain("py")
    node["reftarget"] = real
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"], real,
                               node, contnode)


def _drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    """Keep the first of identical ``<script>`` entries of a page.

    Under Jupyter Book 1 the inline scripts of sphinx-thebe and
    sphinx-togglebutton are registered twice; the repeated
    ``const THEBE_JS_URL = ...`` is a JavaScript error (identifier already
    declared) on every page. (Sphinx's own de-duplication misses them: the
    copies differ only in a filename of None versus "".)
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        # (the second copy differs only in filename: None vs "")
        key = (str(getattr(js, "filename", js) or ""),
               tuple(sorted((k, str(v)) for k, v in getattr(js, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        kept.append(js)
    context["script_files"] = kept


def _add_nitpick_ignores(app, config):
    config.nitpick_ignore_regex = list(config.nitpick_ignore_regex) + NITPICK_IGNORE


def setup(app):
    app.add_config_value("minirnn_api_docname", API_DOCNAME, "env")
    app.add_config_value("minirnn_api_package", PACKAGE, "env")
    app.connect("config-inited", _add_nitpick_ignores)
    app.connect("source-read", _source_read)
    app.connect("env-get-outdated", _always_reread_api)
    app.connect("missing-reference", _resolve_reexport)
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

