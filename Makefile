# Two entry points for a fresh machine: `make demo` (the crawl on the bundled offline mirror) and
# `make test` (lint and the whole test suite). Both create .venv and install the pinned packages.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lint bench clean chromium

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

demo: $(BIN)/.installed
	$(BIN)/scrapy update --replay tests/fixtures
	@$(BIN)/python -c "from crawler.store import ArchiveStore as A; s=A('data/archive.sqlite3'); print(f'archive data/archive.sqlite3: {s.count()} statements, {s.count(\"versions\")} versions, {s.count(\"fetches\")} raw pages; report data/reports/last-run.json')"

lint: $(BIN)/.installed
	$(BIN)/ruff check .

# The end-to-end tests open the index page in Debian's chromium: installed here when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: $(BIN)/.installed chromium
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/update.py
	$(BIN)/python bench/publish.py

clean:
	rm -rf $(VENV) data public .pytest_cache
