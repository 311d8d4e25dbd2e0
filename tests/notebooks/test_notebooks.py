"""Every notebook runs top to bottom on the simulator with no credentials; none is committed dirty."""
import json
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


# A cell the test appends: credential canaries typed into every credential input (malformed ones included), the
# customer's pasted evidence carrying them, and every button pressed with those values in place.
TYPE_CANARIES = '''
import ipywidgets as _w
from ipywidgets.widgets.widget import _instances as _all
_CANARIES = {CANARIES!r}
_typed = 0
for _x in list(_all.values()):   # credentials into every credential input; the rest keep their demo values
    if isinstance(_x, _w.Password) and not _x.disabled:
        _x.value = _CANARIES[_typed % len(_CANARIES)]
        _typed += 1
for _x in list(_all.values()):   # the customer's evidence, pasted, carrying the same credentials
    if isinstance(_x, _w.Textarea) and "cURL" in (_x.placeholder or ""):
        _x.value = ("curl 'https://api.mypurecloud.ie/api/v2/conversations/calls' -H 'Authorization: Bearer "
                    + _CANARIES[0] + "' -H 'Cookie: sid=" + _CANARIES[0] + "' --data-raw '{\\"to\\": 1}'")
        _typed += 1
for _x in list(_all.values()):   # every action a person could take with those values in place
    if isinstance(_x, _w.Button) and not _x.disabled:
        try:
            _x.click()
        except Exception:
            pass
print("typed", _typed)
'''


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_headless(path, tmp_path, monkeypatch):
    """The notebook runs top to bottom with no credentials and no error; then, with canaries typed into every input
    and every button pressed, saved with its outputs and widget state, the file holds none of them, nor any token
    the simulator handed out (one execution serves both checks: executing a notebook is the suite's dearest step)."""
    from tests.reliability.test_canaries import CANARY_SECRET, demo_secrets

    for var in ("GENESYS_CLOUD_REGION", "GENESYS_CLOUD_CLIENT_ID", "GENESYS_CLOUD_CLIENT_SECRET",
                "GENESYS_CLOUD_ACCESS_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    token = "CANARYTOKENnb0a1b2c3d4e5f6a7b8c9d"
    canaries = [token, token[:14] + "\n" + token[14:], "Bearer " + token, CANARY_SECRET, " " + CANARY_SECRET + "\n"]
    nb = nbformat.read(path, as_version=4)
    own = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(TYPE_CANARIES.replace("{CANARIES!r}", repr(canaries))))
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                   store_widget_state=True).execute()
    errors = [o for c in nb.cells[:own] if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    typer = nb.cells.pop()   # the test's own cell (its source holds the canaries), not the notebook's
    assert "typed" in json.dumps(typer.get("outputs", [])), path.name
    assert "typed 0" not in json.dumps(typer.get("outputs", [])) or not path.name.startswith("01"), path.name
    saved = tmp_path / path.name
    nbformat.write(nb, saved)
    text = saved.read_text()
    assert "application/vnd.jupyter.widget-state+json" in json.dumps(nb.metadata), path.name
    for piece in (token, token[:14], token[14:], CANARY_SECRET, *demo_secrets()):
        assert piece not in text, (path.name, piece)   # typed canaries, and the simulator's own tokens


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
