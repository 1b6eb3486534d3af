# Two entry points for a fresh machine: `make demo` (the crawl on the bundled offline mirror) and
# `make test` (lint and the whole test suite). Both create .venv and install the pinned packages.
# The interpreter the virtualenv is made from: Debian's python3.11 where the machine has it with its
# venv module (Debian builds it with profile-guided and link-time optimisation; our Python runs
# 5 to 10 % faster on it than on an interpreter built without them, such as pyenv's default build:
# bench/extract.py), else the first python3 on PATH. `make PYTHON=...` chooses another.
ifeq ($(origin PYTHON),undefined)
PYTHON := $(shell /usr/bin/python3.11 -c 'import ensurepip, venv' >/dev/null 2>&1 && echo /usr/bin/python3.11 || echo python3)
endif
VENV ?= .venv
BIN = $(VENV)/bin
# The interpreter .venv was made from (recorded by the recipe below): a .venv made from another one,
# or before it was recorded, is made again from $(PYTHON), emptied first.
MADE_FROM := $(file < $(VENV)/.interpreter)
ifneq ($(MADE_FROM),$(PYTHON))
$(BIN)/.installed: FORCE
endif

.PHONY: demo test lint bench clean test-programs FORCE

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(if $(filter $(PYTHON),$(MADE_FROM)),,--clear )$(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	echo '$(PYTHON)' > $(VENV)/.interpreter
	touch $@

FORCE:

demo: $(BIN)/.installed
	$(BIN)/scrapy update --replay tests/fixtures
	$(BIN)/scrapy archive info

lint: $(BIN)/.installed
	$(BIN)/ruff check .

# Debian programs the end-to-end tests drive: chromium (the index page and a feed in a browser) and
# newsboat (a real feed reader). As root (CI) the missing ones are installed with apt-get, and a
# failed install stops the run; a user without root is told once, and their tests are skipped.
TEST_PROGRAMS = chromium newsboat

test-programs:
	@missing=""; for program in $(TEST_PROGRAMS); do \
	  command -v $$program >/dev/null 2>&1 || missing="$$missing $$program"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
	  echo "make test:$$missing not installed, and installing needs root: their tests are skipped"; exit 0; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	  { apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; }

test: $(BIN)/.installed test-programs
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q --numprocesses=auto --maxprocesses=4

bench: $(BIN)/.installed
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/update.py
	$(BIN)/python bench/publish.py
	$(BIN)/python bench/segments.py

clean:
	rm -rf $(VENV) data public .pytest_cache
