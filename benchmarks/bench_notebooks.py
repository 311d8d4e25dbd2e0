"""Each notebook's headless run time on the simulator (nbclient, no widget state), median of 2 runs after a
warm-up. Baseline, same run: an empty notebook (one `pass` cell) through the same client: the kernel's own cost."""
from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_once(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / path.name
        shutil.copy(path, copy)
        nb = nbformat.read(copy, as_version=4)
        t = time.perf_counter()
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": tmp}},
                       store_widget_state=False).execute()
        return time.perf_counter() - t


def run(rounds: int = 2) -> dict:
    import nbformat

    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.ipynb"
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell("pass")]
        nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
        nbformat.write(nb, empty)
        run_once(empty)   # warm-up
        baseline = statistics.median(run_once(empty) for _ in range(rounds))
    times = {p.name: round(statistics.median(run_once(p) for _ in range(rounds)), 2)
             for p in sorted((ROOT / "notebooks").glob("*.ipynb"))}
    return {"name": "notebooks: headless run time on the simulator", "notebooks_s": times,
            "baseline": "an empty notebook through the same client (kernel start)", "baseline_s": round(baseline, 2),
            "target": "each notebook under 60 s", "met": all(t < 60 for t in times.values())}


if __name__ == "__main__":
    r = run()
    for name, t in r["notebooks_s"].items():
        print(f"  {name:<40} {t:6.2f} s")
    print(f"  baseline (empty notebook)                {r['baseline_s']:6.2f} s")
    print(json.dumps(r))
