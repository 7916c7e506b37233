# The two commands: `make build` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Debian packages WeasyPrint and the tests need: Pango for text layout,
# HarfBuzz subsetting for fast font embedding, poppler for reading PDFs back,
# gettext for msgfmt --check, a Java runtime for veraPDF (tests/test_pdfua.py).
DEBS   := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils gettext default-jre-headless
CODE   := $(wildcard src tests benchmarks)
# The accessibility engine the browser tests inject into the HTML pages (npm's axe-core).
AXE_VERSION := 4.14.1
AXE    := $(VENV)/node_modules/axe-core/axe.min.js

.PHONY: build test lint system-deps clean

build: $(VENV)/.installed
	$(BIN)/handouts build

test: $(VENV)/.installed $(AXE)
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)
	$(BIN)/pytest

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

$(VENV)/.installed: pyproject.toml | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[test]"
	touch $@

# Node's npm comes with the machine or from Debian; axe-core goes into .venv/node_modules/.
$(AXE): | $(VENV)/.installed
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	npm install --prefix $(VENV) --no-audit --no-fund --silent axe-core@$(AXE_VERSION)
	touch $@

clean:
	rm -rf output build $(VENV)
