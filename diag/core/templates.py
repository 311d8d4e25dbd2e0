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


def render(name: str, **parts: str) -> str:
    """Template `name` with each {{PART}} replaced; every part must be given and used."""
    text = _template(name)
    for key, value in parts.items():
        token = "{{" + key + "}}"
        if token not in text:
            raise KeyError(f"{name} has no {token}")
        text = text.replace(token, value)
    left = re.search(r"\{\{[A-Z_]+\}\}", text)
    if left:
        raise KeyError(f"{name}: {left.group(0)} was not given")
    return text
