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
5. Translations (the Korean edition, ``tools/i18n.py``):

   - what is not prose is not a message: display math, and everything inside a
     notebook cell's output (outputs are printed by code, which both editions
     share); exercise titles are (sphinx-exercise builds them so that Sphinx's
     gettext would miss them, see ``_ExerciseTitleMessages``);
   - every page header links to the same page in the other editions
     (``minirnn_editions``: the folders sit side by side, e.g. ``_build/html`` and
     ``_build/html-ko``; the links are relative, so they work offline and on a web
     host that serves the two folders next to each other);
   - the tag ``lang_<language>`` (``lang_en``, ``lang_ko``) is set, so that a page
     can hold text for one edition only (``{only} lang_ko``);
   - a Korean search language: a Korean word is found with its particles and
     endings (``기울기`` finds ``기울기가``, ``기울기를``), see ``SearchKorean``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

from docutils import nodes
from sphinx.search.en import SearchEnglish, js_porter_stemmer
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform

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


# ------------------------------------------------------------------ translations

# The editions of the book: language -> (folder of its HTML build, name of the
# language in that language). The folders sit side by side (_build/html and
# _build/html-ko, or the same two folders on a web host), so each page links to
# "../" * (depth + 1) + folder + "/" + page.
EDITIONS = {"en": ("html", "English"), "ko": ("html-ko", "한국어")}
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
SWITCH_TEMPLATE = "minirnn-language-switch.html"
SWITCH_CSS = "minirnn-language-switch.css"


def edition_links(pagename: str, language: str, editions: dict) -> list[dict]:
    """Links from ``pagename`` of the ``language`` edition to the same page of the others.

    Each is ``{"lang", "label", "href"}``; ``href`` is relative to the page.
    """
    up = "../" * (pagename.count("/") + 1)
    return [{"lang": lang, "label": label, "href": f"{up}{folder}/{pagename}.html"}
            for lang, (folder, label) in editions.items() if lang != language]


def _language_switch(app, pagename, templatename, context, doctree):
    language = app.config.language or "en"
    context["minirnn_edition_links"] = edition_links(pagename, language,
                                                     app.config.minirnn_editions)


def _setup_editions(app, config):
    """The header's language switch (a template), the tag ``lang_<language>``, and the
    book's title in this edition's language (``minirnn_html_titles``, from _config.yml:
    a configuration value is not a message of any catalogue)."""
    title = (config.minirnn_html_titles or {}).get(config.language or "en")
    if title:
        config.html_title = title
    config.templates_path = list(config.templates_path) + [str(TEMPLATES)]
    config.html_static_path = list(config.html_static_path) + [str(STATIC)]
    app.add_css_file(SWITCH_CSS)
    options = dict(config.html_theme_options or {})
    end = options.get("article_header_end", "article-header-buttons.html")
    end = [e.strip() for e in end.split(",")] if isinstance(end, str) else list(end)
    if SWITCH_TEMPLATE not in end:
        options["article_header_end"] = [SWITCH_TEMPLATE] + end
    config.html_theme_options = options
    app.tags.add(f"lang_{config.language or 'en'}")


def _in_cell_output(node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and \
                parent.get("nb_element") == "cell_code_output":
            return True
        parent = parent.parent
    return False


# Two letters in a row (any alphabet): a word. Single letters are symbols (H, D).
_WORD = re.compile(r"[^\W\d_]{2,}")


def has_words(node) -> bool:
    """Whether ``node`` has a word outside its inline code and math.

    A table cell such as ``$H \\times D$`` or ```params["Wx"]` (H, D)`` has
    nothing to translate; as a message it would only be copied.
    """
    for text in node.findall(nodes.Text):
        parent, skip = text.parent, False
        while parent is not None and parent is not node:
            if isinstance(parent, (nodes.literal, nodes.math)):
                skip = True
                break
            parent = parent.parent
        if not skip and _WORD.search(text.astext()):
            return True
    return False


def _inline_markdown(node) -> str:
    """The MyST text of an inline node list (Text, literal, math, emphasis, strong)."""
    out = []
    for child in node.children:
        if isinstance(child, nodes.Text):
            out.append(child.astext())
        elif isinstance(child, nodes.literal):
            out.append(f"`{child.astext()}`")
        elif isinstance(child, nodes.math):
            out.append(f"${child.astext()}$")
        elif isinstance(child, nodes.strong):
            out.append(f"**{_inline_markdown(child)}**")
        elif isinstance(child, nodes.emphasis):
            out.append(f"*{_inline_markdown(child)}*")
        else:
            out.append(child.astext())
    return "".join(out)


def _exercise_nodes():
    try:
        from sphinx_exercise.nodes import exercise_subtitle, exercise_title
    except ImportError:  # sphinx-exercise not installed: no exercises to handle
        return None, None
    return exercise_title, exercise_subtitle


class _NotMessages(SphinxTransform):
    """Mark what is not prose as untranslatable, before the Locale transform (20).

    Display math is the same in every language, and a cell's output is printed
    by the code, which both editions share (a markdown output such as a
    workbook check's report would otherwise become a message). Text without a
    word outside its code and math (``has_words``) is left out too. An exercise's
    title node holds the word "Exercise" and the title together; only the title
    the author wrote (the subtitle node) is made a message.
    """

    default_priority = 15

    def apply(self, **kwargs):
        for node in self.document.findall(nodes.math_block):
            node["translatable"] = False
        for node in self.document.findall(nodes.TextElement):
            if _in_cell_output(node) or not has_words(node):
                node["translatable"] = False
        exercise_title, exercise_subtitle = _exercise_nodes()
        if exercise_title is None:
            return
        for title in self.document.findall(exercise_title):
            title["translatable"] = False
            for sub in title.findall(exercise_subtitle):
                holder = title.parent
                sub.source = holder.source or self.document["source"]
                sub.line = holder.line or title.line or 1
                sub.rawsource = _inline_markdown(sub)
                sub["translatable"] = True
                holder["minirnn_title_message"] = sub.rawsource


class _TranslatedExerciseTitles(SphinxTransform):
    """After the Locale transform (20): solutions show the translated exercise title.

    sphinx-exercise keeps a copy of each exercise node, made before translation,
    from which a solution's title ("Solution to Exercise 1.2 (...)") is built.
    """

    default_priority = 25

    def apply(self, **kwargs):
        exercise_title, _ = _exercise_nodes()
        registry = getattr(self.env, "sphinx_exercise_registry", None)
        if exercise_title is None or not registry:
            return
        for title in self.document.findall(exercise_title):
            entry = registry.get(title.parent.get("label", ""))
            copy = entry and entry.get("node")
            if copy is not None and copy.children and isinstance(copy[0], exercise_title):
                copy.children[0] = title.deepcopy()
                copy.children[0].parent = copy


class _ExerciseTitleMessages(SphinxPostTransform):
    """For the gettext builder: an exercise's title becomes a message.

    sphinx-exercise rebuilds the title nodes after reading (post-transform
    priority 20), and Sphinx's gettext builder collects messages only after
    that, from nodes without a source: the titles would never reach the
    catalogue, although they are translated at reading time. This puts each
    title, as read, back as a message (nothing is written by this builder).
    """

    default_priority = 30
    builders = ("gettext",)

    def run(self, **kwargs):
        for node in self.document.findall(nodes.Element):
            message = node.get("minirnn_title_message")
            if message:
                para = nodes.paragraph(message, message)
                para.source = node.source or self.document["source"]
                para.line = node.line or 1
                para.uid = ""  # the gettext builder skips nodes without one
                node.insert(0, para)


class _TranslatedTocCaptions(SphinxTransform):
    """Translate the captions of the table of contents ("Start here", "Chapters", ...).

    sphinx-external-toc inserts the toctrees of _toc.yml into the root page at
    priority 100, after Sphinx's Locale transform (20) has translated the page,
    so their captions would stay in English; the gettext builder does extract
    them into the root page's catalogue (book/intro.po). This applies them.
    """

    default_priority = 150

    def apply(self, **kwargs):
        from sphinx import addnodes
        from sphinx.locale import init as init_locale
        from sphinx.util.i18n import docname_to_domain

        if not self.config.language or self.config.language == "en":
            return
        domain = docname_to_domain(self.env.docname, self.config.gettext_compact)
        dirs = [str(Path(self.env.srcdir) / d) for d in self.config.locale_dirs]
        catalog, has_catalog = init_locale(dirs, self.config.language, domain)
        if not has_catalog:
            return
        for node in self.document.findall(addnodes.toctree):
            caption = node.get("caption")
            translated = catalog.gettext(caption) if caption else ""
            if translated and translated != caption:
                node["caption"] = translated


# Korean endings (particles and the commonest verb endings) after a noun:
# longest first. "기울기가" is indexed as "기울기가" and "기울기".
KOREAN_ENDINGS = sorted("""
에서는 에서도 에서의 으로는 으로도 으로서 으로써 에게서 까지는 까지도 부터는 이라는 이라고
이라면 입니다 합니다 됩니다 하려면 하면서 에서 에게 으로 까지 부터 처럼 보다 마다 이나 이며
이고 이다 이면 에는 에도 에만 와는 과는 와의 과의 로는 로도 로서 로써 이란 라는 라고 하는
하고 하면 하며 하여 해서 했다 한다 된다 되는 되고 되어 된 한 할 은 는 이 가 을 를 의 에 로
와 과 도 만
""".split(), key=len, reverse=True)
_HANGUL = re.compile("[\uac00-\ud7a3]")


def korean_variants(word: str) -> list[str]:
    """``word`` and, if it is Korean and ends with a known ending, the word without it."""
    out = [word]
    if _HANGUL.search(word):
        for ending in KOREAN_ENDINGS:
            if len(word) > len(ending) and word.endswith(ending):
                out.append(word[:-len(ending)])
    return out


class SearchKorean(SearchEnglish):
    """Sphinx search for the Korean edition (Sphinx has no Korean search language).

    Korean attaches particles and endings to a word ("기울기가", "기울기를",
    "순환하는"); a search for the bare word must still find those pages. The
    index therefore holds every Korean word as written and once for each known
    ending it can lose (``korean_variants``), and a Korean search word is looked
    up as typed. Words in Latin letters (RNN, numpy, identifiers) are stemmed as
    in the English edition (Porter), so the JavaScript stemmer is Porter for
    them and the identity for Korean.
    """

    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = js_porter_stemmer.replace(
        "var Stemmer = function", "var EnglishStemmer = function") + """
var Stemmer = function() {
  var english = new EnglishStemmer();
  this.stemWord = function(w) {
    return /[\uac00-\ud7a3]/.test(w) ? w : english.stemWord(w);
  };
};
"""

    def split(self, input: str) -> list[str]:
        words = []
        for word in super().split(input):
            words.extend(korean_variants(word))
        return words

    def stem(self, word: str) -> str:
        return word if _HANGUL.search(word) else super().stem(word)


def setup(app):
    app.add_config_value("minirnn_api_docname", API_DOCNAME, "env")
    app.add_config_value("minirnn_api_package", PACKAGE, "env")
    app.add_config_value("minirnn_editions", EDITIONS, "html")
    app.add_config_value("minirnn_html_titles", {}, "html")
    app.connect("config-inited", _add_nitpick_ignores)
    app.connect("config-inited", _setup_editions)
    app.connect("html-page-context", _language_switch)
    app.add_transform(_NotMessages)
    app.add_transform(_TranslatedExerciseTitles)
    app.add_transform(_TranslatedTocCaptions)
    app.add_post_transform(_ExerciseTitleMessages)
    app.add_search_language(SearchKorean)
    app.connect("source-read", _source_read)
    app.connect("env-get-outdated", _always_reread_api)
    app.connect("missing-reference", _resolve_reexport)
    app.connect("html-page-context", _drop_duplicate_scripts)
    return {"version": "0.1", "parallel_read_safe": True, "parallel_write_safe": True}

