"""Every notebook runs top to bottom on the simulator with no credentials; none is committed dirty."""
import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_committed_clean(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None, cell["source"][:60]
    assert "widgets" not in nb.get("metadata", {})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_headless(path, tmp_path, monkeypatch):
    for var in ("GENESYS_CLOUD_REGION", "GENESYS_CLOUD_CLIENT_ID", "GENESYS_CLOUD_CLIENT_SECRET",
                "GENESYS_CLOUD_ACCESS_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    copy = tmp_path / path.name
    shutil.copy(path, copy)
    nb = nbformat.read(copy, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                   store_widget_state=False).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    assert "widgets" not in nb.metadata


def test_committed_notebooks_are_what_the_script_writes():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_notebooks", NOTEBOOKS[0].parents[1] / "scripts" /
                                                  "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = module.build()
    assert sorted(built) == [p.name for p in NOTEBOOKS]
    for path in NOTEBOOKS:
        committed = [(c["cell_type"], "".join(c["source"])) for c in json.loads(path.read_text())["cells"]]
        assert committed == [(c.cell_type, c.source) for c in built[path.name].cells], path.name
