# The two commands: `make build` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages WeasyPrint and the tests need: Pango for text layout,
# HarfBuzz subsetting for fast font embedding, poppler for reading PDFs back,
# gettext for msgfmt --check, a Java runtime for veraPDF (tests/content/test_pdfua.py).
DEBS   := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils gettext default-jre-headless
CODE   := $(wildcard src tests benchmarks)
# The accessibility engine the browser tests inject into the HTML pages (npm's axe-core).
AXE_VERSION := 4.14.1
AXE    := $(VENV)/node_modules/axe-core/axe.min.js
# Every dependency (with the test and dask extras, and setuptools for the build), pinned with
# hashes: requirements/lock.txt, written by uv at this version. Refresh: `make lock`.
LOCK   := requirements/lock.txt
UV_VERSION := 0.13.9
UV_COMPILE = $(BIN)/uv pip compile --quiet --universal --generate-hashes --python-version 3.11 \
	--extra test --extra dask --constraints requirements/lock-constraints.txt \
	--custom-compile-command "make lock" pyproject.toml

.PHONY: build test lint lock lock-check system-deps clean

build: $(VENV)/.installed
	$(BIN)/handouts build

# The tests run in one pytest-xdist worker per core (TEST_WORKERS=0: one process, no xdist).
# worksteal: each worker starts on its own half of the tests, in file order, and a worker that runs
# out takes half of what the other has left, so one long module (test_hostile.py) does not hold up
# the run; a module fixture is built at most once per worker, the sample build once (a file lock).
TEST_WORKERS ?= auto
test: $(VENV)/.installed $(AXE)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal

lint: $(VENV)/.installed
	$(BIN)/ruff check --fix $(CODE)
	$(BIN)/ruff format $(CODE)

# Installs the Debian packages when one is missing (needs root or sudo).
system-deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# The locked versions, hash-checked; then the tool itself, editable, built by the locked setuptools.
$(VENV)/.installed: $(LOCK) pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --require-hashes -r $(LOCK)
	$(BIN)/pip install -q --no-deps --no-build-isolation -e .
	touch $@

# Re-resolve the lock after a change to pyproject.toml's dependencies (or lock-constraints.txt).
# Versions already in the lock are kept where they still fit; to move some or all of them:
#   make lock LOCK_ARGS='--upgrade-package babel'    make lock LOCK_ARGS=--upgrade
LOCK_ARGS ?=
lock: $(BIN)/uv
	$(UV_COMPILE) $(LOCK_ARGS) --output-file $(LOCK)

# Fails when pyproject.toml asks for something the lock does not hold (run by .ci/run).
lock-check: $(BIN)/uv
	@tmp=$$(mktemp -d) && cp $(LOCK) $$tmp/lock.txt && \
	$(UV_COMPILE) --output-file $$tmp/lock.txt && \
	{ diff -u $(LOCK) $$tmp/lock.txt > $$tmp/diff || \
	  { sed -n 1,40p $$tmp/diff; echo "error: $(LOCK) is out of date with pyproject.toml; run: make lock"; rm -rf $$tmp; exit 1; }; } && \
	rm -rf $$tmp

# Only uv, so that a lock broken by a merge can still be rewritten.
$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q uv==$(UV_VERSION)

# Node's npm comes with the machine or from Debian; axe-core goes into .venv/node_modules/.
$(AXE): | $(VENV)/.installed
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	npm install --prefix $(VENV) --no-audit --no-fund --silent axe-core@$(AXE_VERSION)
	touch $@

clean:
	rm -rf output build $(VENV)
