"""The wheel works outside the repository: built from the tree, installed into a fresh virtual environment in a
temporary folder, and used from there (validate, endpoint, and the simulator with one call over HTTP)."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.wheel


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    tree = out / "tree"     # built from a copy: setuptools writes build/ and *.egg-info beside the sources
    tree.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, tree / name)
    shutil.copytree(ROOT / "diag", tree / "diag", ignore=shutil.ignore_patterns("__pycache__"))
    built = run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(tree)])
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next(out.glob("diag-*.whl"))
    venv = out / "venv"
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    if Path(uv).exists():
        assert run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], env=env).returncode == 0
        done = run([uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)], env=env)
    else:
        assert run([sys.executable, "-m", "venv", str(venv)], env=env).returncode == 0
        done = run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)], env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return wheel, venv, env, out


def test_the_wheel_carries_the_package_data(installed):
    import zipfile

    wheel = installed[0]
    names = zipfile.ZipFile(wheel).namelist()
    for data in ("diag/_data/contract/models.jsonl", "diag/_data/contract/operations.json",
                 "diag/_data/contract/models.index.json", "diag/_data/contract/operations.index.json",
                 "diag/_data/sim/org.json",
                 "diag/_data/templates/report.html.j2", "diag/_data/lab/overrides.json"):
        assert data in names
    assert not any(n.startswith(("tests/", "notebooks/", "benchmarks/")) for n in names)


def test_validate_and_endpoint_from_outside_the_repo(installed):
    _, venv, env, out = installed
    diag = str(venv / "bin" / "diag")
    body = out / "body.json"
    body.write_text('{"to": {"phoneNumber": "+1 317 555 0100"}, "type": "external"}')
    r = run([diag, "validate", "--json", str(body)], cwd=out, env=env)
    assert r.returncode == 1 and "unknown-field" in r.stdout and json.loads(r.stdout)["fixed"] == {
        "phoneNumber": "+13175550100"}
    body.write_text('{"phoneNumber": "+13175550100", "priority": "high", "attributes": {"n": 1}}')
    r = run([diag, "validate", "--json", str(body)], cwd=out, env=env)     # wrong types: no jsonschema needed
    codes = [f["code"] for f in json.loads(r.stdout)["findings"]] if r.stdout else []
    assert r.returncode == 1 and codes.count("invalid-type") == 2, r.stdout + r.stderr
    r = run([diag, "endpoint", "POST /api/v2/conversations/calls"], cwd=out, env=env)
    assert r.returncode == 0 and r.stdout.startswith("OK: POST /api/v2/conversations/calls"), r.stdout + r.stderr
    where = run([str(venv / "bin" / "python"), "-c", "import diag; print(diag.__file__)"], cwd=out, env=env)
    assert str(ROOT) not in where.stdout and str(venv) in where.stdout


def test_the_simulator_from_outside_the_repo(installed):
    _, venv, env, out = installed
    sim = subprocess.Popen([str(venv / "bin" / "diag"), "sim", "--port", "0"], cwd=out, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = sim.stdout.readline()
            if "base URL" in line:
                base = line.rsplit(" ", 1)[-1].strip()
            if line.strip() == "ready":
                break
        assert base and base.startswith("http://127.0.0.1:")
        body = out / "call.json"
        body.write_text('{"phoneNumber": "+13175550100"}')
        r = run([str(venv / "bin" / "diag"), "call", str(body), "--sim", base, "--json"], cwd=out, env=env)
        assert r.returncode == 0 and json.loads(r.stdout)["status"] == 200, r.stdout + r.stderr
        state = json.loads(urllib.request.urlopen(base + "/__sim/state", timeout=10).read())
        assert state["callsPlaced"] == 1
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(timeout=30)


def test_the_lab_extra_runs_the_shipped_notebooks(installed):
    """`pip install diag[lab]` from the wheel is the `make lab` set: the repo's notebooks run with it, outside it."""
    wheel, venv, env, out = installed
    python = str(venv / "bin" / "python")
    uv = shutil.which("uv") or str(Path(sys.executable).parent / "uv")
    spec = f"diag[lab] @ {wheel.as_uri()}"
    done = (run([uv, "pip", "install", "--quiet", "--python", python, spec, "nbconvert"], env=env) if Path(uv).exists()
            else run([python, "-m", "pip", "install", "--quiet", spec, "nbconvert"], env=env))
    assert done.returncode == 0, done.stderr[-2000:]
    assert run([str(venv / "bin" / "jupyter"), "lab", "--version"], cwd=out, env=env).returncode == 0
    notebooks = out / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    r = run([str(venv / "bin" / "jupyter"), "nbconvert", "--to", "notebook", "--execute", "--output",
             str(out / "executed.ipynb"), str(notebooks / "01_build_and_test_a_call.ipynb")], cwd=out, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    executed = json.loads((out / "executed.ipynb").read_text())
    errors = [o for c in executed["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
