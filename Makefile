# Two set-up commands for a fresh machine with Python 3.11+ (see README.md):
#   make book   build the HTML book into _build/html
#   make test   lint, unit tests, nbval on every notebook, strict book build,
#               and the built book checked in headless Chromium
# Each creates the virtual environment .venv when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JB     := $(BIN)/jupyter-book build . --keep-going -W -n
# Same numbers on every run: no hash randomisation.
export PYTHONHASHSEED := 0

.PHONY: book test notebooks notebook lint unit nbval browser notebooks-alone clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[book,test]"
	@touch $(STAMP)

book: $(STAMP)
	$(JB)
	@echo
	@echo "The book is built: open $(CURDIR)/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools

unit: $(STAMP)
	$(BIN)/python -m pytest tests

nbval: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-current-env \
	    --nbval-sanitize-with nbval_sanitize.cfg notebooks

# Every page of the built book in headless Chromium; screenshots in _build/screenshots/.
browser: $(STAMP)
	$(BIN)/python tools/browser_check.py --html-dir _build/html --screenshots _build/screenshots $(if $(CI),--require-browser)

# Each notebook copied alone into an empty folder and run (the Colab situation).
notebooks-alone: $(STAMP)
	$(BIN)/python tools/run_notebooks_alone.py

test: lint unit nbval book browser

# Re-execute every notebook in place so that the stored outputs match the code.
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb notebooks/workbook/*.ipynb

# Re-execute one notebook: make notebook NB=notebooks/01_recurrence.ipynb
notebook: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(NB)

clean:
	rm -rf _build
