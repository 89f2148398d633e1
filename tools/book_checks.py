"""Checks of the built HTML book that need no browser (used by browser_check.py and tests).

- ``launch_problems``: every chapter page has Colab and Binder buttons that
  point at the configured repository and branch, and at a notebook that exists
  at that path in the repository.
- ``link_problems``: every internal link of every page leads to a file of the
  build, and its ``#anchor`` to an element with that id on the target page.
- ``colab_cell_problems``: every notebook starts with its title and the Colab
  install cell, which names the configured repository and branch.

Each returns a list of human-readable problems (empty when all is well).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent

# Folders of the build that are assets, not pages of the book.
ASSET_DIRS = {"_static", "_sources", "_images", "_downloads", "_sphinx_design_static"}
# Sphinx pages that are not content (they are still link targets).
SPECIAL_PAGES = {"genindex.html", "search.html", "py-modindex.html"}


# ------------------------------------------------------------------------ notebooks

def notebook_paths(root: Path = ROOT) -> list[Path]:
    """Every notebook of the course: notebooks/*.ipynb and those in its subfolders
    (the workbook), without Jupyter's checkpoint copies."""
    return sorted(p for p in (root / "notebooks").rglob("*.ipynb")
                  if ".ipynb_checkpoints" not in p.parts)


# --------------------------------------------------------------------------- config

def load_config(root: Path = ROOT) -> dict:
    """The book's _config.yml as a dict."""
    return yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8"))


def repository(root: Path = ROOT) -> tuple[str, str, str]:
    """``(owner/name, branch, path_to_book)`` from the ``repository`` section of _config.yml."""
    repo = load_config(root).get("repository", {})
    url = str(repo.get("url", "")).rstrip("/")
    match = re.fullmatch(r"https://github\.com/([\w.-]+/[\w.-]+?)(\.git)?", url)
    if not match:
        raise ValueError(f"_config.yml: repository.url must be https://github.com/OWNER/NAME, "
                         f"got {url!r}")
    return match.group(1), str(repo.get("branch", "master")), str(repo.get("path_to_book", ""))


# ------------------------------------------------------------------------- parsing

class _PageParser(HTMLParser):
    """Collects the links, ids and images of one HTML page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.images: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href") is not None:
            self.links.append(a["href"])
        if tag == "img":
            self.images.append(a)


def redirect_target(page: Path) -> str | None:
    """The URL of a ``<meta http-equiv="refresh">`` redirect page, or None."""
    m = re.search(r'<meta[^>]+http-equiv="refresh"[^>]+content="\d+;\s*url=([^"]+)"',
                  page.read_text(encoding="utf-8", errors="replace"), re.IGNORECASE)
    return m.group(1) if m else None


def parse_page(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def content_pages(html_dir: Path) -> list[Path]:
    """Every HTML page of the book (assets and Sphinx's index/search pages excluded)."""
    pages = []
    for p in sorted(html_dir.rglob("*.html")):
        rel = p.relative_to(html_dir)
        if rel.parts[0] in ASSET_DIRS or rel.as_posix() in SPECIAL_PAGES:
            continue
        pages.append(p)
    return pages


# ----------------------------------------------------------------- launch buttons

def _launch_targets(href: str, repo: str, branch: str) -> tuple[str, str | None] | None:
    """``(service, notebook path or None if the link names another repo/branch)``."""
    parts = urlsplit(href)
    if parts.netloc.endswith("colab.research.google.com"):
        m = re.fullmatch(r"/github/([\w.-]+/[\w.-]+)/blob/([^/]+)/(.+)", parts.path)
        if m is None:
            return "colab", None
        ok = m.group(1) == repo and m.group(2) == branch
        return "colab", unquote(m.group(3)) if ok else None
    if "/v2/gh/" in parts.path:  # a BinderHub (mybinder.org or another)
        m = re.fullmatch(r".*/v2/gh/([\w.-]+/[\w.-]+)/([^/?]+)/?", parts.path)
        q = re.search(r"(?:urlpath=(?:lab/)?tree/|filepath=)([^&]+)", parts.query)
        if m is None or q is None:
            return "binder", None
        ok = m.group(1) == repo and unquote(m.group(2)) == branch
        return "binder", unquote(q.group(1)) if ok else None
    return None


def launch_problems(html_dir: Path, root: Path = ROOT) -> list[str]:
    """Every chapter page must launch its own notebook in Colab and in Binder.

    A chapter page is one whose source is a notebook (``_sources/<page>.ipynb``
    exists in the build). Its Colab and Binder links must name the repository
    and branch of _config.yml and the path of a notebook that exists there.
    """
    repo, branch, book_path = repository(root)
    problems = []
    chapters = sorted((html_dir / "_sources").rglob("*.ipynb"))
    if not chapters:
        problems.append(f"{html_dir}: no notebook pages found (is the book built?)")
    for src in chapters:
        rel = src.relative_to(html_dir / "_sources").with_suffix("")
        page = html_dir / rel.with_suffix(".html")
        expected = (Path(book_path) / rel.with_suffix(".ipynb")).as_posix()
        if not page.exists():
            problems.append(f"{rel}: page {page} missing")
            continue
        found = {}
        for href in parse_page(page).links:
            target = _launch_targets(href, repo, branch)
            if target is None:
                continue
            service, path = target
            if path is None:
                problems.append(f"{rel}.html: {service} link {href} does not name "
                                f"{repo} on branch {branch}")
                continue
            found[service] = path
            if path != expected:
                problems.append(f"{rel}.html: {service} link opens {path}, expected {expected}")
            if not (root / path).is_file():
                problems.append(f"{rel}.html: {service} link opens {path}, which does not "
                                f"exist in the repository")
        for service in ("colab", "binder"):
            if service not in found:
                problems.append(f"{rel}.html: no {service} launch button")
    return problems


# ------------------------------------------------------------------ links, anchors

class LinkChecker:
    """Resolves internal links against the files and ids of a built book."""

    def __init__(self, html_dir: Path):
        self.html_dir = Path(html_dir).resolve()
        self._ids: dict[Path, set[str]] = {}

    def ids(self, page: Path) -> set[str]:
        if page not in self._ids:
            self._ids[page] = parse_page(page).ids
        return self._ids[page]

    def problem(self, page: Path, href: str, extra_ids: set[str] | None = None) -> str | None:
        """Why ``href`` (as written on ``page``) does not resolve, or None if it does.

        External links (another scheme or host) are not followed. ``extra_ids``
        are ids that the page has in the browser (added by its scripts).
        """
        parts = urlsplit(href)
        if parts.scheme in ("mailto", "javascript", "data", "tel") or href.startswith("#!"):
            return None
        if parts.scheme in ("http", "https") or parts.netloc:
            return None  # external (the browser check resolves localhost links first)
        url, fragment = urldefrag(href)
        fragment = unquote(fragment)
        if url:
            target = (page.parent / unquote(urlsplit(url).path)).resolve()
            if target.is_dir():
                target = target / "index.html"
        else:
            target = page.resolve()
        try:
            target.relative_to(self.html_dir)
        except ValueError:
            return f"{href}: leads outside the book ({target})"
        if not target.exists():
            return f"{href}: no such file {target.relative_to(self.html_dir)}"
        if fragment and target.suffix == ".html":
            ids = set(self.ids(target))
            if target == page.resolve() and extra_ids:
                ids |= extra_ids
            if fragment not in ids:
                return f"{href}: no element with id {fragment!r} in " \
                       f"{target.relative_to(self.html_dir)}"
        return None


def link_problems(html_dir: Path, pages: list[Path] | None = None) -> list[str]:
    """Every internal link (and anchor) on every page resolves, read from the static HTML."""
    html_dir = Path(html_dir)
    checker = LinkChecker(html_dir)
    problems = []
    for page in pages if pages is not None else content_pages(html_dir):
        redirect = redirect_target(page)
        hrefs = [redirect] if redirect else parse_page(page).links
        for href in sorted(set(hrefs)):
            why = checker.problem(page, href)
            if why:
                problems.append(f"{page.relative_to(html_dir)}: {why}")
    return problems


# --------------------------------------------------------------------- notebooks

def colab_cell_problems(notebook: Path, root: Path = ROOT) -> list[str]:
    """The notebook opens with its H1 title and the Colab cell naming the configured repo."""
    repo, branch, _ = repository(root)
    want = f"git+https://github.com/{repo}@{branch}"
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cells = nb.get("cells", [])
    name = notebook.name
    if len(cells) < 2:
        return [f"{name}: fewer than two cells (title and Colab install cell expected)"]
    title, colab = cells[0], cells[1]
    src = "".join(colab.get("source", ""))
    problems = []
    if title.get("cell_type") != "markdown" or not "".join(title["source"]).startswith("# "):
        problems.append(f"{name}: the first cell is not the H1 title")
    if colab.get("cell_type") != "code":
        problems.append(f"{name}: the second cell is not the Colab install code cell")
    if '"google.colab" in sys.modules' not in src:
        problems.append(f"{name}: the Colab cell is not guarded by "
                        "'\"google.colab\" in sys.modules'")
    if want not in src:
        problems.append(f"{name}: the Colab cell does not install from {want}")
    if colab.get("outputs"):
        problems.append(f"{name}: the Colab cell printed something outside Colab")
    return problems
