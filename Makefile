# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
# Both create .venv and install the project (editable) with its test extras on first use.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-all bench schema clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools  # the venv's bundled setuptools has known advisories
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/runxin demo

test: $(STAMP)
	$(BIN)/python -m pytest

# Also the slow chaos and load tests (CI runs these).
test-all: $(STAMP)
	RUNXIN_SLOW=1 $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/read_path.py

schema: $(STAMP)
	$(BIN)/runxin schema --output schema.graphql

clean:
	rm -rf $(VENV) .data .pytest_cache .hypothesis
