"""The Korean edition's machinery (fast: no Sphinx build).

`make test` runs the real thing (`make book-ko`, `make locales-check`, `make
browser-ko`); here the check of tools/i18n.py is run on small hand-made
catalogues, so that each way a catalogue can fall behind the English text is
seen to fail with a message that names the file and the numbers, and the
extension's pieces (what is a message, the language switch, the Korean search
words) are tested on their own.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import book_checks  # noqa: E402
import browser_check  # noqa: E402
import i18n  # noqa: E402
import sphinx_minirnn  # noqa: E402

HEADER = '''msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Language: ko\\n"

'''


def entry(msgid: str, msgstr: str = "", fuzzy: bool = False, obsolete: bool = False) -> str:
    def q(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if obsolete:
        return f"#~ msgid {q(msgid)}\n#~ msgstr {q(msgstr)}\n\n"
    return ("#, fuzzy\n" if fuzzy else "") + f"msgid {q(msgid)}\nmsgstr {q(msgstr)}\n\n"


ENGLISH = ["Recurrence", "A {term}`hidden state` is written `h_t` or $h_t$."]
KOREAN = ["순환", "{term}`은닉 상태 <hidden state>`는 `h_t` 또는 $h_t$로 씁니다."]


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A repository with one document's English messages (a .pot) and its Korean catalogue.

    Returns ``write(entries)``, which writes the catalogue, and ``run(...)``, which
    runs the check on it and returns (status, output).
    """
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    monkeypatch.setattr(i18n, "LOCALES", tmp_path / "locales")
    pot = tmp_path / "pot" / "notebooks" / "01_recurrence.pot"
    pot.parent.mkdir(parents=True)
    pot.write_text(HEADER + "".join(entry(m) for m in ENGLISH), encoding="utf-8")
    po = tmp_path / "locales" / "ko" / "LC_MESSAGES" / "notebooks" / "01_recurrence.po"
    po.parent.mkdir(parents=True)

    def write(text: str) -> Path:
        po.write_text(HEADER + text, encoding="utf-8")
        return po

    def run(capsys, require_complete=True):
        status = i18n.check("ko", require_complete, pots={"notebooks/01_recurrence": pot})
        return status, capsys.readouterr().out

    write("".join(entry(e, k) for e, k in zip(ENGLISH, KOREAN, strict=True)))
    return write, run


def failures(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("FAIL:")]


def test_a_complete_current_catalogue_passes(book, capsys):
    _, run = book
    status, out = run(capsys)
    assert status == 0, out
    assert failures(out) == []
    assert re.search(r"notebooks/01_recurrence\.po\s+2\s+2\s+0\s+0\s+0\s+complete", out)


def test_an_empty_entry_fails_naming_the_file_and_the_count(book, capsys):
    write, run = book
    write(entry(ENGLISH[0], KOREAN[0]) + entry(ENGLISH[1], ""))
    status, out = run(capsys)
    assert status == 1
    [fail] = failures(out)
    assert "locales/ko/LC_MESSAGES/notebooks/01_recurrence.po" in fail
    assert "1 untranslated, 0 fuzzy, 0 obsolete message(s) of 2" in fail


def test_a_fuzzy_entry_fails(book, capsys):
    write, run = book
    write(entry(ENGLISH[0], KOREAN[0], fuzzy=True) + entry(ENGLISH[1], KOREAN[1]))
    status, out = run(capsys)
    assert status == 1
    [fail] = failures(out)
    assert "01_recurrence.po: 0 untranslated, 1 fuzzy, 0 obsolete" in fail


def test_obsolete_entries_fail_a_catalogue_that_must_be_complete(book, capsys):
    write, run = book
    write("".join(entry(e, k) for e, k in zip(ENGLISH, KOREAN, strict=True))
          + entry("An old sentence.", "옛 문장.", obsolete=True))
    status, out = run(capsys)
    assert status == 1
    assert "0 untranslated, 0 fuzzy, 1 obsolete" in failures(out)[0]


def test_a_catalogue_behind_the_english_text_fails_even_when_incomplete_is_allowed(book, capsys):
    # The English text gained a sentence and lost one; nobody ran `make locales-update`.
    write, run = book
    write(entry(ENGLISH[0], KOREAN[0]) + entry("A sentence that was deleted.", "지운 문장."))
    status, out = run(capsys, require_complete=False)
    assert status == 1
    [fail] = failures(out)
    assert "01_recurrence.po: out of date with the English text" in fail
    assert "1 message(s) of the English text are not in the catalogue" in fail
    assert "1 message(s) of the catalogue are no longer in the English text" in fail
    assert "make locales-update" in fail
    assert "OUT OF DATE" in out


def test_a_missing_catalogue_fails(book, capsys):
    write, run = book
    write("").unlink()
    status, out = run(capsys, require_complete=False)
    assert status == 1
    assert "01_recurrence.po: missing; the document has 2 messages" in failures(out)[0]


def test_untranslated_messages_pass_until_the_switch_is_flipped(book, capsys):
    write, run = book
    write(entry(ENGLISH[0], "") + entry(ENGLISH[1], ""))
    status, out = run(capsys, require_complete=False)
    assert status == 0, out
    status, out = run(capsys, require_complete=True)
    assert status == 1 and "2 untranslated" in failures(out)[0]
    assert "KO_REQUIRE_COMPLETE=1" in failures(out)[0]


def test_a_catalogue_listed_as_complete_must_stay_complete(book, capsys, tmp_path):
    write, run = book
    (tmp_path / "locales" / "ko" / "complete.txt").write_text(
        "# finished\nnotebooks/01_recurrence\n", encoding="utf-8")
    write(entry(ENGLISH[0], KOREAN[0], fuzzy=True) + entry(ENGLISH[1], KOREAN[1]))
    status, out = run(capsys, require_complete=False)
    assert status == 1
    assert "listed in locales/ko/complete.txt" in failures(out)[0]


def test_a_translation_must_keep_code_math_and_role_targets(book, capsys):
    write, run = book
    # The translator translated the glossary target and dropped the math.
    write(entry(ENGLISH[0], KOREAN[0])
          + entry(ENGLISH[1], "{term}`은닉 상태`는 `h_t`로 씁니다."))
    status, out = run(capsys, require_complete=False)
    assert status == 1
    [fail] = failures(out)
    assert "the translation lacks {term} target 'hidden state'; math $h_t$" in fail
    assert "it has in addition {term} target '은닉 상태'" in fail


def test_the_api_page_has_no_catalogue_by_design(book, capsys, tmp_path):
    _, run = book
    api = tmp_path / "locales" / "ko" / "LC_MESSAGES" / "book" / "api.po"
    api.parent.mkdir(parents=True)
    api.write_text(HEADER, encoding="utf-8")
    status, out = run(capsys)
    assert status == 1
    assert "book/api.po: this document is not translated" in failures(out)[0]
    assert "book/api" in i18n.EXCLUDED


def test_a_catalogue_of_a_document_that_no_longer_exists_fails(book, capsys, tmp_path):
    _, run = book
    gone = tmp_path / "locales" / "ko" / "LC_MESSAGES" / "notebooks" / "99_gone.po"
    gone.write_text(HEADER, encoding="utf-8")
    status, out = run(capsys)
    assert status == 1
    assert "99_gone.po: no such document in the book" in failures(out)[0]


@pytest.mark.parametrize("english,korean,same", [
    ("{doc}`notation`", "{doc}`표기법 <notation>`", True),
    ("{term}`gradients <gradient>`", "{term}`기울기 <gradient>`", True),
    ("{py:func}`~minirnn.functional.rnn_step_forward`",
     "{py:func}`~minirnn.functional.rnn_step_forward`", True),
    ("see {cite:t}`elman1990`", "{cite:t}`elman1990` 참조", True),
    ("`x @ Wx.T` and $W_x x_t$", "`x @ Wx.T`와 $W_x x_t$", True),
    ("`x @ Wx.T`", "`x @ Wx`", False),
    ("$h_t$ and $h_t$", "$h_t$", False),
    ("[the note](https://example.org)", "[노트](https://example.org/other)", False),
])
def test_markup_comparison(english, korean, same):
    assert (i18n.markup_problem(english, korean) is None) == same


def test_makefile_switch_requires_complete_catalogues_only_when_set_to_1():
    def dry(*args):
        return subprocess.run(["make", "--no-print-directory", "-n", *args], cwd=ROOT,
                              text=True, capture_output=True, timeout=60).stdout
    assert "--require-complete" in dry("locales-check", "KO_REQUIRE_COMPLETE=1")
    assert "--require-complete" not in dry("locales-check", "KO_REQUIRE_COMPLETE=0")
    make_test = subprocess.run(["make", "-n", "-p", "--question", "test"], cwd=ROOT, text=True,
                               capture_output=True, timeout=60).stdout
    steps = next(ln for ln in make_test.splitlines() if ln.startswith("test:")).split()[1:]
    assert steps.index("book-ko") < steps.index("locales-check") < steps.index("browser-ko")


def test_every_translated_catalogue_listed_as_complete_exists():
    listed = i18n.required_complete("ko")
    assert listed, "locales/ko/complete.txt names no catalogue"
    for name in listed:
        assert (i18n.po_dir("ko") / f"{name}.po").exists(), name


# ------------------------------------------------------------- what is a message

def _paragraph(*children) -> nodes.paragraph:
    return nodes.paragraph("", "", *children)


def test_text_without_words_outside_code_and_math_is_not_a_message():
    assert not sphinx_minirnn.has_words(_paragraph(nodes.math("", "H \\times D")))
    assert not sphinx_minirnn.has_words(
        _paragraph(nodes.literal("", 'params["Wx"]'), nodes.Text(" (H, D)")))
    assert sphinx_minirnn.has_words(
        _paragraph(nodes.literal("", "a_t"), nodes.Text(" in "), nodes.literal("", "f")))
    assert sphinx_minirnn.has_words(_paragraph(nodes.Text("은닉 상태")))


def test_exercise_titles_become_myst_text():
    sub = nodes.subtitle("", "", nodes.Text("Why divide by "), nodes.math("", "\\sqrt H"),
                         nodes.Text("?"))
    assert sphinx_minirnn._inline_markdown(sub) == "Why divide by $\\sqrt H$?"


# ------------------------------------------------------------- the two editions

def test_language_switch_links_are_relative_to_the_sibling_folder():
    links = sphinx_minirnn.edition_links("notebooks/01_recurrence", "en",
                                         sphinx_minirnn.EDITIONS)
    assert links == [{"lang": "ko", "label": "한국어",
                      "href": "../../html-ko/notebooks/01_recurrence.html"}]
    [back] = sphinx_minirnn.edition_links("search", "ko", sphinx_minirnn.EDITIONS)
    assert back["href"] == "../html/search.html" and back["lang"] == "en"


@pytest.fixture
def editions(tmp_path):
    for folder in ("html", "html-ko"):
        (tmp_path / folder / "book").mkdir(parents=True)
        (tmp_path / folder / "book" / "a.html").write_text('<h1 id="top">A</h1>')
    (tmp_path / "html-ko" / "index.html").write_text("")
    return tmp_path


def test_links_to_the_other_edition_are_checked_there(editions):
    checker = book_checks.LinkChecker(editions / "html")
    page = editions / "html" / "book" / "a.html"
    assert checker.problem(page, "../../html-ko/book/a.html") is None
    assert checker.problem(page, "../../html-ko/book/a.html#top") is None
    problem = checker.problem(page, "../../html-ko/book/b.html")
    assert problem is not None and "no such file html-ko/book/b.html" in problem


def test_links_to_an_edition_not_built_are_noted_not_failed(editions):
    checker = book_checks.LinkChecker(editions / "html-ko")  # html/ has no index.html
    page = editions / "html-ko" / "book" / "a.html"
    assert checker.problem(page, "../../html/book/zzz.html") is None
    assert checker.unbuilt == {(editions / "html").resolve()}


# ------------------------------------------------------------------ Korean search

def test_korean_words_are_indexed_with_and_without_their_particle():
    search = sphinx_minirnn.SearchKorean({})
    words = search.split("기울기가 사라지는 순환 신경망은 RNN이다")
    for word in ("기울기가", "기울기", "순환", "신경망은", "신경망", "RNN이다", "RNN"):
        assert word in words
    assert search.stem("기울기") == "기울기"      # Korean: as written
    assert search.stem("gradients") == "gradient"  # Latin letters: English stemming


def test_search_expectation_uses_the_edition_language():
    texts = {"a.html": ("기울기가 소실됩니다", "ko"), "b.html": ("상태를 전달합니다", "ko"),
             "c.html": ("the perplexities of models", "en")}
    assert browser_check.pages_with_word("기울기", texts) == ["a.html"]
    assert browser_check.pages_with_word("perplexity", texts) == ["c.html"]


def test_update_drops_only_obsolete_entries_that_were_never_translated(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(HEADER + entry("Kept.", "유지.")
                  + entry("Gone, translated.", "지운 문장.", obsolete=True)
                  + entry("Gone, never translated.", "", obsolete=True), encoding="utf-8")
    assert i18n.drop_empty_obsolete(po) == 1
    cat = i18n.read_catalog(po)
    assert [m.id for m in cat.obsolete.values()] == ["Gone, translated."]
    assert [m.string for m in cat if m.id] == ["유지."]
    assert i18n.drop_empty_obsolete(po) == 0


def test_update_drops_python_format_flags_that_make_msgfmt_reject_korean(tmp_path):
    po = tmp_path / "x.po"
    po.write_text(HEADER + "#, python-format\n" + entry("85% of the runs.", "실행의 85%는.")
                  + entry("Plain.", "평문."), encoding="utf-8")
    assert "python-format" in i18n.read_catalog(po)["85% of the runs."].flags
    assert i18n.drop_format_flags(po) == 1
    text = po.read_text(encoding="utf-8")
    assert "python-format" not in text           # (babel sets the flag again on reading)
    assert 'msgstr "실행의 85%는."' in text and 'msgstr "평문."' in text
