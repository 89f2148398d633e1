"""The book's own tooling: the generated API page and the HTML checks (fast; no browser).

tools/browser_check.py runs these checks on the real build after `make book`;
here they are tested on small hand-made pages, so that a check that can no
longer fail would be noticed.
"""

import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import book_checks  # noqa: E402
import browser_check  # noqa: E402
import sphinx_minirnn  # noqa: E402

SRC = ROOT / "src" / "minirnn"


def _modules_on_disk():
    names = set()
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.add(".".join(parts))
    return names


def test_api_page_documents_every_module_of_the_package():
    text = sphinx_minirnn.api_markdown()
    documented = {line.split("::", 1)[1].strip() for line in text.splitlines()
                  if line.startswith(".. automodule::")}
    assert documented == _modules_on_disk()


def test_api_page_lists_each_module_once_with_members():
    text = sphinx_minirnn.api_markdown()
    lines = text.splitlines()
    modules = [line for line in lines if line.startswith(".. automodule:: minirnn.")]
    assert len(modules) == len(set(modules))
    for i, line in enumerate(lines):
        if line.startswith(".. automodule:: minirnn."):
            # imported names are not documented twice (__all__ is ignored)
            assert lines[i + 1:i + 3] == ["   :members:", "   :ignore-module-all:"]


def test_api_page_maps_top_level_names_to_their_defining_module():
    import minirnn

    table = sphinx_minirnn._top_level_table()
    for name in minirnn.__all__:
        obj = getattr(minirnn, name)
        assert f"`{obj.__module__}.{name}`" in table


def test_api_source_keeps_the_marker():
    assert sphinx_minirnn.MARKER in (ROOT / "book" / "api.md").read_text(encoding="utf-8")


def test_config_loads_the_api_extension_and_offline_mathjax():
    config = book_checks.load_config()
    sphinx = config["sphinx"]
    assert sphinx["local_extensions"]["sphinx_minirnn"] == "tools/"
    assert "sphinx-mathjax-offline" in sphinx["extra_extensions"]
    assert "torch" in sphinx["config"]["autodoc_mock_imports"]


# --------------------------------------------------------------- links, anchors

@pytest.fixture
def site(tmp_path):
    html = tmp_path / "html"
    (html / "book").mkdir(parents=True)
    (html / "_static").mkdir()
    (html / "_static" / "x.js").write_text("")
    (html / "index.html").write_text(
        '<meta http-equiv="Refresh" content="0; url=book/a.html" />')
    (html / "book" / "a.html").write_text(
        '<h1 id="top">A</h1><a href="b.html#sec">ok</a><a href="#top">self</a>'
        '<a href="https://example.org/x">external</a><a href="../_static/x.js">asset</a>')
    (html / "book" / "b.html").write_text('<section id="sec"></section><a name="old"></a>')
    return html


def test_link_check_accepts_existing_pages_and_anchors(site):
    assert book_checks.link_problems(site) == []


@pytest.mark.parametrize("href,why", [
    ("c.html", "no such file"),
    ("b.html#nowhere", "no element with id 'nowhere'"),
    ("#missing", "no element with id 'missing'"),
    ("../../outside.html", "outside the book"),
])
def test_link_check_reports_missing_pages_and_anchors(site, href, why):
    page = site / "book" / "a.html"
    problem = book_checks.LinkChecker(site).problem(page, href)
    assert problem is not None and why in problem


def test_link_check_accepts_ids_added_by_scripts(site):
    page = site / "book" / "a.html"
    assert book_checks.LinkChecker(site).problem(page, "#made-by-js", {"made-by-js"}) is None


def test_link_check_follows_redirect_pages(site):
    (site / "index.html").write_text('<meta http-equiv="Refresh" content="0; url=book/z.html">')
    problems = book_checks.link_problems(site)
    assert len(problems) == 1 and "book/z.html" in problems[0]


def test_content_pages_leave_out_assets_and_special_pages(site):
    (site / "search.html").write_text("")
    (site / "_static" / "page.html").write_text("")
    rel = [p.relative_to(site).as_posix() for p in book_checks.content_pages(site)]
    assert rel == ["book/a.html", "book/b.html", "index.html"]


# ----------------------------------------------------------------------- images

def test_image_check_requires_a_loaded_image_with_alt_text():
    images = [
        {"src": "a.png", "alt": "A plot of the loss", "complete": True, "w": 640, "h": 480},
        {"src": "b.png", "alt": "", "complete": True, "w": 640, "h": 480},
        {"src": "c.png", "alt": "C", "complete": True, "w": 0, "h": 0},
    ]
    problems, notes = browser_check._image_problems(images, strict_alt=False)
    assert len(problems) == 2 and "b.png has no alt" in problems[0] and "c.png" in problems[1]
    assert notes == []


def test_image_check_flags_file_name_alt_text_strictly_only_on_request():
    images = [{"src": "../_images/f.png", "alt": "../_images/f.png", "complete": True,
               "w": 10, "h": 10}]
    problems, notes = browser_check._image_problems(images, strict_alt=False)
    assert problems == [] and len(notes) == 1
    problems, notes = browser_check._image_problems(images, strict_alt=True)
    assert len(problems) == 1 and notes == []


def test_browser_check_without_a_built_book_says_so(tmp_path, capsys):
    assert browser_check.main(["--html-dir", str(tmp_path)]) == 2
    assert "make book" in capsys.readouterr().out


# ------------------------------------------------------------------- references

CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
REQUIRED_WORKS = ["rumelhart1986", "werbos1990", "elman1990", "bengio1994", "hochreiter1997",
                  "pascanu2013", "saito2019", "wikidocs22886"]


def _bib_keys():
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    return set(re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.MULTILINE))


def _citations():
    """(source file, key) for every {cite:...} role in the chapters and book pages."""
    found = []
    for nb_path in book_checks.notebook_paths():
        nb = nbformat.read(nb_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                found += [(nb_path.name, k.strip()) for m in CITE.findall(cell.source)
                          for k in m.split(",")]
    for md in sorted((ROOT / "book").glob("*.md")):
        found += [(md.name, k.strip()) for m in CITE.findall(md.read_text(encoding="utf-8"))
                  for k in m.split(",")]
    return found


def test_every_citation_has_an_entry_in_references_bib():
    keys = _bib_keys()
    missing = sorted({f"{src}: {key}" for src, key in _citations() if key not in keys})
    assert missing == [], f"cited but not in book/references.bib: {missing}"


def test_references_include_the_works_the_course_promises():
    assert sorted(set(REQUIRED_WORKS) - _bib_keys()) == []


def test_references_page_lists_the_whole_bibliography():
    text = (ROOT / "book" / "references.md").read_text(encoding="utf-8")
    assert "```{bibliography}" in text and ":all:" in text


# ------------------------------------------------ the browser check, in a browser

BROKEN_PAGE = """<!DOCTYPE html><html><head><title>t</title>
<script src="https://cdn.example.org/lib.js"></script></head><body>
<p>Raw math: $$h_t = \\tanh(a_t)$$</p>
<img src="missing.png" alt="a figure that is not there">
<img src="ok.svg">
<a href="#nowhere">anchor</a> <a href="other.html">page</a>
<script>undefinedFunction();</script>
</body></html>"""


@pytest.mark.skipif(not browser_check.find_browser()[0],
                    reason=f"no browser: {browser_check.find_browser()[2]}")
def test_browser_check_reports_every_kind_of_problem_on_a_broken_page(tmp_path):
    html = tmp_path / "html"
    html.mkdir()
    (html / "index.html").write_text(BROKEN_PAGE)
    (html / "ok.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" '
                                 'height="10"><rect width="10" height="10"/></svg>')
    chrome, driver_path, _ = browser_check.find_browser()
    server, _missing = browser_check.serve(html)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    driver = browser_check.start_browser(chrome, driver_path, str(tmp_path / "profile"))
    try:
        problems, _ = browser_check.check_page(
            driver, base, html, html / "index.html", book_checks.LinkChecker(html),
            tmp_path / "shots", strict_alt=False)
    finally:
        driver.quit()
        server.shutdown()
    text = "\n".join(problems)
    assert "undefinedFunction" in text                         # JavaScript error
    assert "outside the book: https://cdn.example.org" in text  # external request
    assert "raw TeX" in text and "$$" in text                  # untypeset math
    assert "missing.png did not load" in text                  # broken image
    assert "ok.svg has no alt text" in text                    # image without alt
    assert "#nowhere" in text and "other.html" in text         # broken links
    assert (tmp_path / "shots" / "index.png").stat().st_size > 0


def test_a_word_doubled_before_a_numbered_reference_is_found(tmp_path):
    ref = '<a class="reference internal" href="#x"><span class="std std-numref">{}</span></a>'
    (tmp_path / "en.html").write_text("see the exercise " + ref.format("Exercise 9.5"))
    (tmp_path / "ko.html").write_text("(연습 문제 " + ref.format("연습 9.5") + " 참고)")
    (tmp_path / "fine.html").write_text("see " + ref.format("Exercise 9.5")
                                        + " and the figure below " + ref.format("9.5"))
    problems = browser_check.doubled_reference_names(tmp_path)
    assert len(problems) == 2
    assert problems[0].startswith("en.html: 'exercise'") and problems[1].startswith("ko.html")
