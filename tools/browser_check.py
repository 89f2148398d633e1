"""Check the built book the way a reader sees it: every page in headless Chromium.

Usage: python tools/browser_check.py [--html-dir _build/html] [--screenshots DIR]
                                     [--page book/intro.html ...] [--strict-alt]
                                     [--search-word WORD]

Serves the built HTML on a localhost port, opens every page in headless
Chromium (selenium + Debian's chromium and chromium-driver) and checks:

- no JavaScript errors (console messages of level SEVERE, failed loads included);
- no request leaves the local server: everything a page needs (MathJax above
  all) is served with the book, which is therefore readable offline
  (other hosts are also blocked, so a page that needs one shows it);
- math is typeset: no raw ``$$``, ``\\(``, ``\\[`` or ``\\begin`` in the visible text
  (code blocks excepted) and no MathJax error boxes;
- every image has loaded with a non-zero natural size and has alt text;
- every internal link leads to a file of the build, and its #anchor to an
  element with that id on the target page (a link to the same page of another
  edition, e.g. from _build/html to _build/html-ko, is checked in that
  edition's build when it is built, and noted when it is not);
- the search page, searching for the word given by --search-word (default
  "perplexity"), lists every page whose text contains that word. "Contains" is
  decided with the search language of the page's edition (Sphinx's English
  one with its stemming, or tools/sphinx_minirnn.py's Korean one, which finds
  a Korean word with its particles: 기울기 in 기울기가), applied to the text the
  browser shows in each page's article (code and math left out).

It also checks without a browser that every chapter page has Colab and Binder
buttons that open an existing notebook of the configured repository, and saves
a full-page screenshot of each page to DIR (default: _build/screenshots, next
to the html folder), named after the page (book/intro.html -> book__intro.png).

Where Chromium, chromedriver or selenium is missing, the browser part is
skipped with a printed reason and exit status 0 (the static checks still
run, and internal links are then checked in the static HTML); with
--require-browser (for CI) that is a failure instead. Exit status 1 if any
check fails, 2 if the book is not built.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
import book_checks  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEARCH_WORD = "perplexity"
WINDOW = (1280, 900)
MAX_SCREENSHOT_HEIGHT = 16000  # px; longer pages are cut at the bottom of the screenshot

CHROME_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
    # No other host is reachable: fail fast (and visibly) instead of waiting.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
]


# ---------------------------------------------------------------- local server

class _Handler(http.server.SimpleHTTPRequestHandler):
    failed: list[str]

    def log_message(self, fmt, *args):  # quiet; but remember what was missing
        pass

    def send_error(self, code, message=None, explain=None):
        self.failed.append(f"{code} {unquote(self.path)}")
        super().send_error(code, message, explain)


def serve(html_dir: Path) -> tuple[http.server.ThreadingHTTPServer, list[str]]:
    """Serve ``html_dir`` on 127.0.0.1 (a free port) in a daemon thread."""
    failed: list[str] = []
    handler = type("Handler", (_Handler,), {"failed": failed})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, failed


# --------------------------------------------------------------------- browser

def find_browser() -> tuple[str | None, str | None, str]:
    """(chromium binary, chromedriver binary, reason if unusable)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return None, None, "selenium is not installed (pip install selenium)"
    chrome = os.environ.get("CHROMIUM") or next(
        (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
         if shutil.which(n)), None)
    driver = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
    if not chrome:
        return None, None, "no Chromium found (apt-get install chromium chromium-driver)"
    if not driver:
        return None, None, "no chromedriver found (apt-get install chromium-driver)"
    return chrome, driver, ""


def start_browser(chrome: str, driver_path: str, profile: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chrome
    for flag in CHROME_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


# JavaScript run in each page once it has loaded.
WAIT_FOR_PAGE = """
const done = arguments[arguments.length - 1];
(async () => {
  // Load images that wait to be scrolled to (or that sit in closed dropdowns).
  for (const img of document.images) { if (img.loading === "lazy") img.loading = "eager"; }
  const mj = window.MathJax;
  if (mj && mj.startup && mj.startup.promise) { await mj.startup.promise; }
  if (mj && mj.typesetPromise) { await mj.typesetPromise(); }
  await Promise.all(Array.from(document.images).map(img => img.complete ? null :
      new Promise(r => { img.onload = img.onerror = r; setTimeout(r, 10000); })));
  done(true);
})().catch(e => done(String(e)));
"""

INSPECT_PAGE = r"""
const skip = "pre, code, script, style, textarea, mjx-container, .highlight, .MathJax";
const visibleText = (root) => {
  const texts = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip)) continue;
    texts.push(n.nodeValue);
  }
  return texts;
};
const texts = visibleText(document.body);
const article = document.querySelector("article.bd-article, [role=main]");
const ids = Array.from(document.querySelectorAll("[id]")).map(e => e.id)
    .concat(Array.from(document.querySelectorAll("a[name]")).map(e => e.name));
return {
  text: texts.join(" "),
  articleText: article ? visibleText(article).join(" ") : "",
  lang: document.documentElement.lang || "en",
  mathSource: document.querySelectorAll(".math, span.math, div.math").length,
  mathTypeset: document.querySelectorAll("mjx-container").length,
  mathErrors: Array.from(document.querySelectorAll("mjx-merror"))
      .map(e => e.getAttribute("data-mjx-error") || e.textContent).slice(0, 5),
  hasMathJax: !!window.MathJax,
  images: Array.from(document.images).map(i => ({
      src: i.getAttribute("src"), alt: i.getAttribute("alt"), complete: i.complete,
      w: i.naturalWidth, h: i.naturalHeight})),
  links: Array.from(document.querySelectorAll("a[href]")).map(a => a.getAttribute("href")),
  ids: ids,
};
"""

RAW_MATH = ["$$", "\\(", "\\)", "\\[", "\\]", "\\begin{", "\\end{"]


def _console_errors(driver) -> list[str]:
    """SEVERE console messages (script errors, failed loads), the favicon excepted.

    Chromium asks every site for /favicon.ico by itself; the book has none,
    and no page refers to it.
    """
    return [f"JavaScript console error: {e.get('message')}" for e in driver.get_log("browser")
            if e.get("level") == "SEVERE" and "/favicon.ico" not in e.get("message", "")]


def _external_requests(driver, base: str) -> list[str]:
    import json

    urls = []
    for entry in driver.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") != "Network.requestWillBeSent":
            continue
        url = msg["params"]["request"]["url"]
        if url.startswith((base, "data:", "blob:", "about:", "chrome", "devtools:")):
            continue
        urls.append(url)
    return sorted(set(urls))


def _screenshot(driver, path: Path) -> None:
    """A full-page PNG (cut at MAX_SCREENSHOT_HEIGHT), via the DevTools protocol."""
    import base64

    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    height = int(min(max(size["height"], WINDOW[1]), MAX_SCREENSHOT_HEIGHT))
    # A window as tall as the page, then an ordinary screenshot of it.
    # (captureBeyondViewport lays some pages out shifted to the left.)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": WINDOW[0], "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        driver.execute_script("window.scrollTo(0, 0);")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def _image_problems(images: list[dict], strict_alt: bool) -> tuple[list[str], list[str]]:
    problems, notes = [], []
    for im in images:
        src = im["src"] or "(no src)"
        if not im["complete"] or not im["w"] or not im["h"]:
            problems.append(f"image {src} did not load (natural size {im['w']}x{im['h']})")
        alt = (im["alt"] or "").strip()
        if not alt:
            problems.append(f"image {src} has no alt text")
        elif alt == src or alt.endswith((".png", ".svg", ".jpg", ".jpeg", ".gif")):
            # docutils' default when no alt is given: the file name.
            msg = (f"image {src}: alt text is only its file name; give the figure a "
                   "description (cell metadata mystnb.image.alt or {figure} :alt:)")
            (problems if strict_alt else notes).append(msg)
    return problems, notes


def check_page(driver, base: str, html_dir: Path, page: Path, links: book_checks.LinkChecker,
               shots: Path, strict_alt: bool,
               texts: dict[str, tuple[str, str]] | None = None) -> tuple[list[str], list[str]]:
    """Open one page; return (problems, notes).

    ``texts`` (if given) receives the page's article text and language, for the
    search check.
    """
    rel = page.relative_to(html_dir).as_posix()
    redirect = book_checks.redirect_target(page)
    if redirect:  # e.g. index.html -> book/intro.html: only its target must exist
        why = links.problem(page, redirect)
        return ([f"redirects to a missing page: {why}"] if why else []), []
    driver.get(f"{base}/{rel}")
    state = driver.execute_async_script(WAIT_FOR_PAGE)
    problems, notes = [], []
    if state is not True:
        problems.append(f"waiting for the page failed: {state}")
    info = driver.execute_script(INSPECT_PAGE)
    if texts is not None:
        texts[rel] = (info["articleText"], info["lang"])

    problems += _console_errors(driver)
    for url in _external_requests(driver, base):
        problems.append(f"requested a URL outside the book: {url}")

    raw = [s for s in RAW_MATH if s in info["text"]]
    if raw:
        i = min(info["text"].find(s) for s in raw)
        problems.append(f"raw TeX left in the text ({', '.join(raw)}): "
                        f"...{info['text'][max(0, i - 60):i + 60]!r}...")
    if info["mathSource"] and not info["mathTypeset"]:
        problems.append(f"{info['mathSource']} math elements but nothing typeset "
                        f"(MathJax loaded: {info['hasMathJax']})")
    for err in info["mathErrors"]:
        problems.append(f"MathJax error: {err}")

    img_problems, img_notes = _image_problems(info["images"], strict_alt)
    problems += img_problems
    notes += img_notes

    dom_ids = set(info["ids"])
    for href in sorted(set(info["links"])):
        parts = urlsplit(href)
        if parts.scheme in ("http", "https") and href.startswith(base):
            href = "/" + href[len(base):].lstrip("/")
        if href.startswith("/"):  # root-relative: make it relative to this page
            href = os.path.relpath(html_dir / href.lstrip("/"), page.parent)
        why = links.problem(page, href, extra_ids=dom_ids)
        if why:
            problems.append(f"broken link {why}")

    _screenshot(driver, shots / (rel[:-len(".html")].replace("/", "__") + ".png"))
    return problems, notes


def search_language(lang: str):
    """The Sphinx search language of an edition (the one its search index was built with)."""
    import sphinx_minirnn  # defines the Korean search language
    from sphinx.search import languages

    cls = sphinx_minirnn.SearchKorean if lang.startswith("ko") else languages.get(lang[:2])
    if isinstance(cls, str):  # "module::Class" for the languages Sphinx loads lazily
        import importlib

        module, name = cls.split("::")
        cls = getattr(importlib.import_module(module), name)
    return (cls or languages["en"])({})


def pages_with_word(word: str, texts: dict[str, tuple[str, str]]) -> list[str]:
    """The pages whose article text contains ``word``, as the edition's search sees words."""
    found = []
    for rel, (text, lang) in sorted(texts.items()):
        search = search_language(lang)
        wanted = {search.stem(w.lower()) for w in search.split(word)}
        words = {search.stem(w.lower()) for w in search.split(text)}
        if wanted and wanted <= words:
            found.append(rel)
    return found


def check_search(driver, base: str, shots: Path, word: str = SEARCH_WORD,
                 expected: list[str] | None = None) -> list[str]:
    """The search page lists a result for ``word``, and every page of ``expected``."""
    from urllib.parse import quote

    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"{base}/search.html?q={quote(word)}")
    links_js = ("return Array.from(document.querySelectorAll('#search-results li a'))"
                ".map(a => a.href);")
    # Sphinx writes the summary ("Search finished, found N page(s)..." or "...did
    # not match any documents") when the search is over.
    summary_js = ("const s = document.querySelector('#search-results .search-summary');"
                  "return s ? s.textContent : '';")

    def finished(d):
        text = d.execute_script(summary_js)
        # the English summary, or the Korean one of Sphinx's catalogue
        # ("... 찾았습니다", "... 없습니다")
        return any(k in text for k in ("found", "match", "찾았", "없습니다"))

    try:
        WebDriverWait(driver, 30, poll_frequency=0.25).until(finished)
    except Exception:  # noqa: BLE001 - a timeout is reported below as no result
        pass
    problems = []
    found = set()
    for href in driver.execute_script(links_js):
        path = urlsplit(href).path
        if href.startswith(base):
            found.add(unquote(path).lstrip("/"))
    if not found:
        problems.append(f"the search page found nothing for {word!r}")
    missing = [rel for rel in (expected or []) if rel not in found]
    if missing:
        problems.append(f"the search for {word!r} misses {len(missing)} page(s) that contain "
                        f"it: {', '.join(missing)}")
    problems += _console_errors(driver)
    for url in _external_requests(driver, base):
        problems.append(f"requested a URL outside the book: {url}")
    _screenshot(driver, shots / "search.png")
    extra = f"; {len(expected)} page(s) contain it, all found" if expected and not missing else ""
    print(f"  search for {word!r}: {len(found)} result(s){extra}")
    return problems


# ------------------------------------------------------------------------ main

# A numbered reference ({ref} or {numref}) renders with its own name ("Exercise 8.1",
# "연습 8.1", "Figure 2"), so the same word written before it is shown twice.
DOUBLED_NAME = re.compile(
    r"\b(Exercise|Figure|Table|Chapter|연습 문제|연습|그림|표)\s*<a [^>]*>\s*<span [^>]*>"
    r"\s*(Exercise|Figure|Table|Chapter|연습|그림|표)\b", re.IGNORECASE)


def doubled_reference_names(html_dir: Path) -> list[str]:
    """Pages where a word stands right before a reference that already shows it."""
    problems = []
    for page in sorted(html_dir.rglob("*.html")):
        for m in DOUBLED_NAME.finditer(page.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{page.relative_to(html_dir)}: '{m.group(1)}' written before a "
                            f"reference that shows '{m.group(2)} ...' itself")
    return problems


def static_checks(html_dir: Path) -> list[str]:
    problems = [f"launch: {p}" for p in book_checks.launch_problems(html_dir)]
    problems += doubled_reference_names(html_dir)
    mathjax = html_dir / "_static" / "mathjax" / "tex-chtml.js"
    if not mathjax.exists():
        problems.append(f"MathJax is not served with the book ({mathjax} missing)")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--html-dir", type=Path, default=ROOT / "_build" / "html",
                    help="the built book (default: _build/html)")
    ap.add_argument("--screenshots", type=Path, default=None,
                    help="where to save the screenshots (default: <html-dir>/../screenshots)")
    ap.add_argument("--page", action="append", default=[],
                    help="check only this page (path relative to the html dir); repeatable")
    ap.add_argument("--strict-alt", action="store_true",
                    help="fail on images whose alt text is only the file name")
    ap.add_argument("--require-browser", action="store_true",
                    help="fail (instead of skipping) when no browser is found, e.g. in CI")
    ap.add_argument("--search-word", default=SEARCH_WORD,
                    help=f"the word the search page must find (default: {SEARCH_WORD!r}) "
                         "on every page that contains it")
    args = ap.parse_args(argv)

    html_dir = args.html_dir.resolve()
    if not (html_dir / "index.html").exists():
        print(f"browser check: no built book in {html_dir}: run `make book` first")
        return 2
    shots = (args.screenshots or html_dir.parent / "screenshots").resolve()
    pages = ([html_dir / p for p in args.page] if args.page
             else book_checks.content_pages(html_dir))

    failures: dict[str, list[str]] = {}
    static = static_checks(html_dir)
    if static:
        failures["(static)"] = static
    print(f"static checks (launch buttons, offline MathJax): {len(static)} problem(s)")

    chrome, driver_path, reason = find_browser()
    if not chrome:
        if args.require_browser:
            print(f"FAIL: the browser check needs a browser here (--require-browser): {reason}.")
            return 1
        print(f"SKIPPED the browser part of the check: {reason}.")
        print("Internal links and anchors were checked in the static HTML instead.")
        broken = book_checks.link_problems(html_dir, pages)
        if broken:
            failures["(links)"] = broken
        return _report(failures, {}, 0, shots=None)

    # This run's screenshots replace the last run's (another edition's, in a
    # subfolder such as ko/, are left alone).
    for old in shots.glob("*.png"):
        old.unlink()
    server, missing = serve(html_dir)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    notes: dict[str, list[str]] = {}
    links = book_checks.LinkChecker(html_dir)
    texts: dict[str, tuple[str, str]] = {}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="minirnn-chromium-") as profile:
        driver = start_browser(chrome, driver_path, profile)
        try:
            print(f"browser check: {len(pages)} pages + search, served at {base}, "
                  f"screenshots in {shots}")
            for page in pages:
                rel = page.relative_to(html_dir).as_posix()
                del missing[:]
                problems, page_notes = check_page(driver, base, html_dir, page, links, shots,
                                                  args.strict_alt, texts)
                problems += [f"the server had no file for {m}" for m in missing
                             if m != "404 /favicon.ico"]
                print(f"  {'ok  ' if not problems else 'FAIL'} {rel}"
                      + (f" ({len(problems)} problem(s))" if problems else ""))
                if problems:
                    failures[rel] = problems
                if page_notes:
                    notes[rel] = page_notes
            del missing[:]
            expected = pages_with_word(args.search_word, texts) if not args.page else []
            search = check_search(driver, base, shots, args.search_word, expected)
            search += [f"the server had no file for {m}" for m in missing
                       if m != "404 /favicon.ico"]
            if search:
                failures["search.html"] = search
        finally:
            driver.quit()
            server.shutdown()
    for folder in sorted(links.unbuilt):
        notes.setdefault("(links)", []).append(
            f"the edition in {folder.name}/ is not built: the links to it were not checked")
    print(f"browser check took {time.perf_counter() - start:.0f} s")
    return _report(failures, notes, len(pages) + 1, shots)


def _report(failures: dict, notes: dict, n_pages: int, shots: Path | None) -> int:
    for page, items in notes.items():
        for item in items:
            print(f"note: {page}: {item}")
    for page, items in failures.items():
        for item in items:
            print(f"FAIL: {page}: {item}")
    if shots is not None:
        print(f"screenshots: {shots}")
    bad = len(failures)
    print(f"{n_pages - sum(1 for p in failures if not p.startswith('('))} pages passed, "
          f"{bad} with problems" if n_pages else f"{bad} static check group(s) with problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
