"""`make lab` opens the workspace's copies: a save there (outputs, widget state) never dirties the repository's
notebooks, and a person's copy is never overwritten by a newer committed one."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.ipynb"))}


def test_a_save_in_lab_leaves_the_repository_clean(tmp_path, monkeypatch):
    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))
    before = digest(ROOT / "notebooks")
    out = subprocess.run([sys.executable, "-m", "diag", "notebooks"], capture_output=True, text=True, check=True)
    folder = Path(out.stdout.strip())
    assert folder == tmp_path / "home" / "notebooks" and set(digest(folder)) == set(before)
    # what JupyterLab's save does: the executed notebook, outputs and widget state, written over the copy
    copy = folder / "01_build_and_test_a_call.ipynb"
    nb = nbformat.read(copy, as_version=4)
    NotebookClient(nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(folder)}},
                   store_widget_state=True).execute()
    nbformat.write(nb, copy)
    assert any(c.get("outputs") for c in json.loads(copy.read_text())["cells"] if c["cell_type"] == "code")
    assert digest(ROOT / "notebooks") == before
    from tests.notebooks.test_notebooks import NOTEBOOKS, test_notebook_is_committed_clean
    for path in NOTEBOOKS:
        test_notebook_is_committed_clean(path)


def test_a_persons_copy_is_never_overwritten(tmp_path, monkeypatch):
    from diag.core.workspace import notebook_copies

    monkeypatch.setenv("DIAG_HOME", str(tmp_path / "home"))
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.ipynb").write_text('{"v": 1}')
    folder, written = notebook_copies(source)
    (folder / "a.ipynb").write_text('{"mine": true}')
    (source / "a.ipynb").write_text('{"v": 2}')
    folder, written = notebook_copies(source)
    assert (folder / "a.ipynb").read_text() == '{"mine": true}'
    assert written == ["a (new version).ipynb"] and (folder / "a (new version).ipynb").read_text() == '{"v": 2}'
