"""The folders are the architecture: core < transport < sim < client < reports < app. The import-linter contracts
in pyproject.toml say it (a lower layer never imports a higher one, lazy imports included; no circles between
sibling modules; the core never imports the network); this runs them. The public surface and the exception tree
are checked here too."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "diag"
LAYERS = ["core", "transport", "sim", "client", "reports", "app"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = sorted(module_name(p) for p in PACKAGE.rglob("*.py"))


def test_every_module_sits_in_a_layer():
    loose = [p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")
             if p.relative_to(PACKAGE).parts[0] not in LAYERS and p.name not in ("__init__.py", "__main__.py")]
    assert loose == []


def test_the_import_contracts_are_kept():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (it is in requirements-test.txt: make setup-test)")
    r = subprocess.run([lint], cwd=PACKAGE.parent, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert "0 broken" in r.stdout and "3 kept" in r.stdout


def test_the_public_surface_is_explicit_and_resolves():
    import diag

    assert set(diag.__all__) - {"__version__"} == set(diag._EXPORTS)
    for name in diag.__all__:
        assert getattr(diag, name) is not None, name


def test_every_exception_diag_raises_on_purpose_is_a_diag_error():
    """The tree in diag/core/errors.py is complete: only the transport's own failure (which a Session turns into a
    recorded Exchange) and the simulator's internal ones stand outside it."""
    import importlib
    import inspect

    from diag.core.errors import DiagError

    internal = {"TransportFailure", "SimulatedFault", "ApiError"}
    outside = []
    for module in MODULES:
        if module.startswith("diag.app.widgets") or module == "diag.__main__":
            continue
        for name, obj in vars(importlib.import_module(module)).items():
            if inspect.isclass(obj) and issubclass(obj, Exception) and obj.__module__.startswith("diag"):
                if not issubclass(obj, DiagError) and name not in internal:
                    outside.append(f"{obj.__module__}.{name}")
    assert outside == []
