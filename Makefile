# make lab   set up, then open JupyterLab on the notebooks (the built-in simulator; no credentials needed)
# make test  set up, then run every test
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
PORT    ?= 8888

.PHONY: setup lab app test bench contract clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-test.txt pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-test.txt 2>&1 | grep -v "is ignored" || true
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e . 2>&1 | grep -v "is ignored" || true
	$(PY) -c "import diag, PureCloudPlatformClientV2, jupyterlab, ipywidgets"
	touch $(STAMP)

lab: setup
	$(VENV)/bin/jupyter lab --no-browser --allow-root --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) \
	    --ServerApp.root_dir=notebooks

test: setup
	$(PY) -m pyflakes diag scripts benchmarks tests
	$(PY) -m pytest

bench: setup
	$(PY) benchmarks/run_all.py

# Regenerate data/contract/ from the installed official SDK (after bumping it in requirements-test.txt).
contract: setup
	$(PY) scripts/regenerate_contract.py

clean:
	rm -rf $(VENV) .pytest_cache

# The three notebooks as a code-free web app (widgets and charts only), on the simulator unless configured.
APP_PORT ?= 8866
app: setup
	$(VENV)/bin/voila notebooks --no-browser --port=$(APP_PORT) --Voila.ip=127.0.0.1 --ServerApp.allow_root=True
