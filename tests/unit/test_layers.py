"""The folders are the architecture: core < transport < sim < client < reports < app. A lower layer never imports
a higher one (lazy imports inside functions count too), and modules import each other without cycles."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "diag"
LAYERS = ["core", "transport", "sim", "client", "reports", "app"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> list[tuple[str, bool]]:
    """(imported diag module, at module level?) for every import in the file."""
    tree = ast.parse(path.read_text())
    top = {id(n) for n in tree.body} | {id(n) for node in tree.body if isinstance(node, ast.If) for n in node.body}
    own = module_name(path)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = own.split(".")[: len(own.split(".")) - node.level + (path.name == "__init__.py")]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" for a in node.names]
            found = [n for n in names if _is_module(n)] or [target]
            out += [(t, id(node) in top) for t in found if t.startswith("diag")]
        elif isinstance(node, ast.Import):
            out += [(a.name, id(node) in top) for a in node.names if a.name.startswith("diag")]
    return out


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (PACKAGE.parent / rel).with_suffix(".py").exists() or (PACKAGE.parent / rel / "__init__.py").exists()


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.index(parts[1]) if len(parts) > 1 and parts[1] in LAYERS else None


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_sits_in_a_layer():
    loose = [m for m in MODULES if layer(m) is None and m not in ("diag", "diag.__main__")]
    assert loose == []


@pytest.mark.parametrize("module", sorted(m for m in MODULES if layer(m) is not None))
def test_no_upward_imports(module):
    mine = layer(module)
    upward = [t for t, _ in imports(MODULES[module]) if (layer(t) or 0) > mine or t in ("diag", "diag.__main__")]
    assert upward == [], f"{module} imports a higher layer: {upward}"


def test_core_imports_nothing_but_core():
    for module, path in MODULES.items():
        if layer(module) == 0:
            assert all(layer(t) == 0 for t, _ in imports(path) if t != module), module


def test_no_import_cycles_at_module_level():
    graph = {m: {t for t, top in imports(p) if top and t in MODULES and t != m} for m, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(m, stack):
        state[m] = 1
        for t in graph[m]:
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack + [m, t]))
            if t not in state:
                visit(t, stack + [m])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [])


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
