"""Code diag writes for people to run is rendered from template files in diag/_data/templates/ (the replay
scripts, "Copy as Python"): read a template there to see exactly what a person will run."""
from __future__ import annotations

import re
from functools import cache

from diag.core.contract import DATA_DIR

__all__ = ["render"]


@cache
def _template(name: str) -> str:
    return (DATA_DIR / "templates" / name).read_text(encoding="utf-8")


_PART = re.compile(r"\{\{([A-Z_]+)\}\}")


def render(name: str, **parts: str) -> str:
    """Template `name` with each {{PART}} replaced, in one pass over the template: what a part holds (a body from a
    log, "Hello {{FIRST_NAME}}") is never read as a placeholder. Every part must be given and used."""
    text = _template(name)
    wanted = set(_PART.findall(text))
    for key in parts:
        if key not in wanted:
            raise KeyError(f"{name} has no {{{{{key}}}}}")
    for key in sorted(wanted):
        if key not in parts:
            raise KeyError(f"{name}: {{{{{key}}}}} was not given")
    return _PART.sub(lambda m: parts[m.group(1)], text)
