# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv and install the project (editable) with its test extras on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-all bench schema clean console chromium screenshots

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The web console (console/, Vite + TypeScript): built into graphql/console/dist, which the Python
# package ships and `runxin serve` serves at /. The build output is not committed; it is rebuilt
# whenever a source is newer than it.
CONSOLE_DIST := graphql/console/dist/index.html
CONSOLE_SOURCES := $(shell find console/src -type f 2>/dev/null) console/index.html console/package.json \
	console/package-lock.json console/vite.config.ts console/tsconfig.json

$(CONSOLE_DIST): $(CONSOLE_SOURCES)
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20.19+ (Debian: apt-get install nodejs npm) to build the console"; exit 1; }
	cd console && npm ci --no-audit --no-fund && npm run build

console: $(CONSOLE_DIST)

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright).
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
		else echo "the browser tests need /usr/bin/chromium: run 'sudo apt-get install chromium' (they skip without it)"; fi; \
	fi

demo: $(STAMP) $(CONSOLE_DIST)
	$(BIN)/runxin demo

test: $(STAMP) $(CONSOLE_DIST) chromium
	$(BIN)/python -m pytest

# PNGs of the overview, a drill-down and the approval inbox, for reviewers and the README.
screenshots: $(STAMP) $(CONSOLE_DIST) chromium
	$(BIN)/python -m tests.browser.screenshots docs/screenshots

# Also the slow chaos and load tests (CI runs these).
test-all: $(STAMP) $(CONSOLE_DIST) chromium
	RUNXIN_SLOW=1 $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/read_path.py

schema: $(STAMP)
	$(BIN)/runxin schema --output schema.graphql

clean:
	rm -rf $(VENV) .data .pytest_cache .hypothesis graphql/console/dist console/node_modules
