# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv and install the project (editable) with its test extras on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-all bench bench-compare schema clean infra-check console chromium screenshots

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools  # the venv's bundled setuptools has known advisories
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

# Runxin beside PostGraphile v5 over one PostgreSQL database (bench/compare.py; needs wrk and npm).
bench-compare: $(STAMP)
	@command -v wrk >/dev/null || apt-get install -y wrk || { echo "install wrk (Debian: apt-get install wrk)"; exit 1; }
	$(BIN)/python bench/compare.py $(ARGS)

schema: $(STAMP)
	$(BIN)/runxin schema --output schema.graphql

# infra/terraform: checkov on every module (its own venv: its dependencies are not the app's), and
# `terraform fmt -check` where a terraform binary is installed (no registry this project reaches
# carries one; `terraform validate` would need providers from registry.terraform.io, so the
# wiring test tests/unit/test_terraform.py stands in for it).
INFRA_VENV := .venv-infra
$(INFRA_VENV)/.installed-stamp:
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_VENV)/bin/python -m pip install --quiet 'checkov==3.3.30'
	touch $@

infra-check: $(INFRA_VENV)/.installed-stamp
	$(INFRA_VENV)/bin/checkov --config-file infra/terraform/.checkov.yaml -d infra/terraform
	@if command -v terraform >/dev/null; then terraform fmt -check -recursive -diff infra/terraform && echo "terraform fmt: clean"; \
	else echo "terraform fmt: skipped (no terraform binary on PATH)"; fi

clean:
	rm -rf $(VENV) $(INFRA_VENV) .data .pytest_cache .hypothesis graphql/console/dist console/node_modules
