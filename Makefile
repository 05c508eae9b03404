# The only two commands a new developer needs (see README.md):
#   make demo   installs crmscore into .venv and runs the demo on the embedded SQLite store
#   make test   installs the test extras and runs the whole test suite (SQLite + PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml admin/node_modules/.installed | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed admin/node_modules/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The admin page's browser libraries (JSON-schema forms, charts) come from the npm registry.
admin/node_modules/.installed: admin/package.json admin/package-lock.json
	npm ci --prefix admin --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.installed
	$(BIN)/crmscore demo $(ARGS)

serve: $(VENV)/.installed
	$(BIN)/crmscore serve $(ARGS)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(ARGS)

clean:
	rm -rf $(VENV) crmscore-data crmscore.db crmscore.db-wal crmscore.db-shm
