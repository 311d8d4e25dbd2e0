# make lab   set up, then open JupyterLab on the notebooks (the built-in simulator; no credentials needed)
# make test  set up, then run every test
VENV    := .venv
PY      := $(VENV)/bin/python
UV      := $(VENV)/bin/uv
PORT    ?= 8888
# uv (from PyPI, into the venv) installs in seconds; pip is the fallback when uv cannot be had.
INSTALL  = if $(UV) --version >/dev/null 2>&1; then $(UV) pip install --quiet --python $(PY) -r $(1); \
           else $(PY) -m pip install --quiet --disable-pip-version-check -r $(1) 2>&1 | grep -v "is ignored" || true; fi

# jsonschema[format-nongpl] (asked for by Jupyter's packages) brings rfc3987-syntax, which compiles ~38 Lark grammars
# on import: about 1.8 s in every process that imports jsonschema (JupyterLab, Voila, nbformat, every test worker).
# No Jupyter schema uses its "iri" formats, and jsonschema skips them without it (python-jsonschema/jsonschema#1428).
SLIM     = $(PY) -m pip uninstall --quiet --yes rfc3987-syntax >/dev/null 2>&1 || true

.PHONY: setup setup-test lab app test test-fast check bench contract docs docs-serve clean

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv 2>&1 | grep -v "is ignored" || true

# Only what the notebooks need (the library and its lab/app extras) ...
$(VENV)/.lab: requirements.txt pyproject.toml | $(PY)
	$(call INSTALL,requirements.txt)
	$(SLIM)
	$(PY) -c "import diag, jupyterlab, ipywidgets"
	touch $@

# ... and the test set on top of it for `make test`.
$(VENV)/.test: requirements-test.txt $(VENV)/.lab
	$(call INSTALL,requirements-test.txt)
	$(SLIM)
	$(PY) -c "import diag, PureCloudPlatformClientV2, pytest, xdist, mkdocs, material, mkdocstrings_handlers.python"
	@# uv installs no bytecode, and this machine sets PYTHONDONTWRITEBYTECODE: without this every kernel, server
	@# and subprocess of the suite compiles its libraries again (about 13 s once, about 25 s off every run).
	$(PY) -m compileall -q -j 0 $(VENV)/lib diag >/dev/null 2>&1 || true
	touch $@

setup: $(VENV)/.lab
setup-test: $(VENV)/.test

# JupyterLab opens your copies in the workspace ($$DIAG_HOME, default ~/diag-work): its saves never dirty the
# repository's notebooks (which stay output-free for `make test`).
lab: setup
	$(PY) -m diag.app.serve lab --port=$(PORT) --root="$$($(PY) -m diag notebooks)"

# The checkers first (seconds), then every test. Three workers on two cores: many tests wait on sockets,
# subprocesses and sleeps, so a third keeps both busy.
# This machine sets PYTHONDONTWRITEBYTECODE, which stops pytest caching its rewritten test modules: every worker
# would rewrite all of them again (about 4 s each, every run).
PYTEST   = env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest

test: setup-test check
	$(PYTEST) -n 3 --dist loadgroup

# ruff (lint), mypy (types) on diag/; the import contracts run inside the tests (tests/unit/test_layers.py).
check: setup-test
	$(VENV)/bin/ruff check diag scripts benchmarks tests
	$(VENV)/bin/mypy

# The inner loop: unit tests and the in-process simulator, no browsers, notebooks or wheel (under 30 s).
test-fast: setup-test
	DIAG_TEST_SCALE=0.1 $(PYTEST) -n 3 -q tests/unit tests/contract tests/sim tests/session -m "not browser and not wheel and not sdk" \
	    -p no:cacheprovider

bench: setup-test
	$(PY) benchmarks/run_all.py

# Regenerate diag/_data/contract/ from the installed official SDK (after bumping it in requirements-test.txt).
contract: setup-test
	$(PY) scripts/regenerate_contract.py

# The manual (docs/, mkdocs.yml) as a static site in site/; the CLI reference regenerated from the parser first.
docs: setup-test
	$(PY) scripts/cli_reference.py
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

# The same, served on http://127.0.0.1:8000 and rebuilt as you edit.
docs-serve: setup-test
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs serve --dev-addr 127.0.0.1:8000

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache build site *.egg-info

# The app (notebooks/00_diag_app.ipynb: every tool in a tab, code hidden), on the simulator unless configured; on
# 127.0.0.1 only, with a token printed in its address (as make lab): it can read the workspace's logs and tickets.
APP_PORT ?= 8866
app: setup
	$(PY) -m diag.app.serve app --port=$(APP_PORT)
