# The only two commands a new developer needs (see README.md):
#   make demo   installs crmscore into .venv and runs the demo on the embedded SQLite store
#   make test   installs the test extras and runs the whole test suite (SQLite + PostgreSQL)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test serve clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# constraints.txt pins every dependency to a version the suite last passed with (see `make lock`).
$(VENV)/.installed: pyproject.toml constraints.txt admin/node_modules/.installed | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt $(VENV)/.installed admin/node_modules/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
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

# Re-resolve every dependency from pyproject.toml in a throw-away environment and pin the result.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet -e '.[test,bench]'
	{ sed -n '1,2p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt && rm -rf .venv-lock

clean:
	rm -rf $(VENV) crmscore-data crmscore.db crmscore.db-wal crmscore.db-shm
