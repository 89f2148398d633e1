# Two set-up commands for a fresh machine with Python 3.11+ (see README.md):
#   make book   build the HTML book into _build/html
#   make test   lint, unit tests, nbval on every notebook, strict book build (both
#               editions), the Korean catalogues checked, the launch links and the
#               built books checked in headless Chromium, and the release check
#               (sdist, wheel, clean install)
# Each creates the virtual environment .venv when it is missing.
#
# The Korean edition (locales/README.md): the same sources, the Korean text in
# locales/ko/LC_MESSAGES/<document>.po.
#   make book-ko         build it into _build/html-ko (beside _build/html)
#   make locales-update  after an English edit: refresh the catalogues
#   make locales-check   the catalogues are current (and complete, see KO_REQUIRE_COMPLETE)
#   make locales-stats   how much of each catalogue is translated
#
# Checks of the places readers run the notebooks (CI runs both after `make test`):
#   make colab-check    every notebook alone, in Colab's package versions, compared by nbval
#   make binder-check   every notebook alone, in the environment of binder/requirements.txt

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
RELEASE_STAMP := $(VENV)/.release-stamp
JB     := $(BIN)/jupyter-book build . --keep-going -W -n
DIST   := _build/dist
NOTEBOOKS = $(shell find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
# Same numbers on every run: no hash randomisation.
export PYTHONHASHSEED := 0
# The notebooks show their figures inline. A backend chosen in the caller's
# environment (MPLBACKEND=Agg is common on servers and in CI images) would make
# plt.show() show nothing, and nbval would miss every stored figure: no command
# run from here sees the variable (.ci/run sets it to prove that).
unexport MPLBACKEND
# The steps share two cores and the files they build (browser and launch read
# the book that `book` writes): `make -j test` runs them one after another.
.NOTPARALLEL:

# 1: every Korean catalogue must be fully translated (no empty, fuzzy or obsolete
# message); 0: only those listed in locales/ko/complete.txt must be. Either way a
# catalogue out of date with the English text fails `make test`.
# The whole book is translated (2026-11-30), so an English edit must bring its
# Korean text in the same change.
KO_REQUIRE_COMPLETE ?= 1
# The word the Korean edition's search must find on every page that contains it.
KO_SEARCH_WORD := 기울기

.PHONY: book test notebooks notebook lint unit nbval launch browser notebooks-alone \
        dist release-check colab-check binder-check clean \
        book-ko browser-ko locales-update locales-check locales-stats

# The `test` extra includes the `book` extra: one install serves every target,
# and `make test` itself shows that the test extra is enough to run the tests.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	@touch $(STAMP)

# The build tools (build, twine) only for the release targets.
$(RELEASE_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e ".[release]"
	@touch $(RELEASE_STAMP)

book: $(STAMP)
	$(JB)
	@echo
	@echo "The book is built: open $(CURDIR)/_build/html/index.html"

# The Korean edition, as strict as `make book` (-W -n --keep-going), into _build/html-ko.
book-ko: $(STAMP)
	$(BIN)/python tools/i18n.py build --language ko

# After an English edit: extract the English messages and merge them into the
# catalogues (sphinx-intl update); changed messages become fuzzy, new ones empty.
locales-update: $(STAMP)
	$(BIN)/python tools/i18n.py update --language ko

# The catalogues against the English text extracted afresh (see KO_REQUIRE_COMPLETE).
locales-check: $(STAMP)
	$(BIN)/python tools/i18n.py check --language ko $(if $(filter 1,$(KO_REQUIRE_COMPLETE)),--require-complete)

locales-stats: $(STAMP)
	$(BIN)/python tools/i18n.py stats --language ko

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env \
	    --nbval-sanitize-with nbval_sanitize.cfg notebooks

# The launch-button test of tests/test_launch.py on the book just built (it is
# skipped in `make unit`, which runs before the build).
launch: $(STAMP)
	MINIRNN_HTML_DIR=_build/html $(BIN)/python -m pytest tests/test_launch.py -k built_book

# Every page of the built book in headless Chromium; screenshots in _build/screenshots/.
browser: $(STAMP)
	$(BIN)/python tools/browser_check.py --html-dir _build/html --screenshots _build/screenshots $(if $(CI),--require-browser)

# The same for the Korean edition (after `make book-ko`); screenshots in _build/screenshots/ko/.
browser-ko: $(STAMP)
	$(BIN)/python tools/browser_check.py --html-dir _build/html-ko --screenshots _build/screenshots/ko --search-word $(KO_SEARCH_WORD) $(if $(CI),--require-browser)

# Each notebook copied alone into an empty folder and run (the Colab situation).
notebooks-alone: $(STAMP)
	$(BIN)/python tools/run_notebooks_alone.py

# The sdist and the wheel in _build/dist, built again whenever a file that goes
# into them changed (every file git tracks under src/, and the project files).
DIST_SOURCES = pyproject.toml MANIFEST.in README.md LICENSE CHANGELOG.md \
               $(wildcard $(shell git ls-files src 2>/dev/null))
dist: $(DIST)/.built
$(DIST)/.built: $(RELEASE_STAMP) $(DIST_SOURCES)
	rm -rf $(DIST)
	$(BIN)/python -m build --quiet --outdir $(DIST) .
	@touch $@

# twine check, the wheel's contents and metadata, a clean install and a smoke test.
release-check: dist
	$(BIN)/python tools/release_check.py --dist $(DIST)

# A venv pinned to tools/colab-constraints.txt, minirnn from the wheel, nbval on
# each notebook alone. COLAB_PYTHON=/path/to/python picks the interpreter.
colab-check: dist
	$(BIN)/python tools/colab_check.py --dist $(DIST) $(if $(COLAB_PYTHON),--python $(COLAB_PYTHON))

# A venv from binder/requirements.txt, each notebook run alone.
binder-check: $(STAMP)
	$(BIN)/python tools/binder_check.py $(if $(BINDER_PYTHON),--python $(BINDER_PYTHON))

test: lint unit nbval book book-ko locales-check launch browser browser-ko release-check

# Re-execute every notebook (notebooks/ and its subfolders) in place so that the
# stored outputs match the code.
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)

# Re-execute one notebook: make notebook NB=notebooks/01_recurrence.ipynb
notebook: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(NB)

clean:
	rm -rf _build
