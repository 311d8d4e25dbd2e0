"""A module imported when first used, not when named: for dear imports that many paths never reach."""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for module `name`, importing it on the first attribute asked of it. importlib's own import lock makes
    that safe from any thread (the simulator answers from threads), which LazyLoader is not before Python 3.12.
    Once imported, the module replaces this stand-in in `namespace` (the importer's globals): later uses cost
    nothing more than a plain import's."""

    def __init__(self, name: str, namespace: dict[str, Any] | None = None):
        self._name = name
        self._namespace = namespace
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
            if self._namespace is not None and self._namespace.get(self._name) is self:
                self._namespace[self._name] = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}{'' if self._module is None else ' (imported)'}>"


def lazy_module(name: str, namespace: dict[str, Any] | None = None) -> Any:
    """`name` as a LazyModule, bound as `name` in `namespace` once imported; typed Any, as the caller uses it as
    the module itself."""
    return LazyModule(name, namespace)
