"""Structural checks of any Platform API body against its SDK model: unknown fields (with the nearest real name),
wrong types, values outside an enum, missing required fields, nested models and lists of them.

Types are the SDK's own notation (`str`, `int`, `list[X]`, `dict(str, X)`, a model name); enums come from the
SDK's setters, list-item enums and required fields from the reference subset, and a few list-item enums are
borrowed from a sibling model (those findings are warnings, since the list may be incomplete).
"""
from __future__ import annotations

from typing import Any

from diag.core.doctor.findings import Finding


def check_model(body: Any, model_name: str) -> list[Finding]:
    """The model's observations on `body` read as `model_name` (diag.core.model.body), as the doctor's findings."""
    from diag.core.model import body as reading

    return [finding(o) for o in reading.read(body, model_name)]


# Stable finding codes for the model's observations.
CODES = {"unknown-field": "unknown-field", "not-what-you-meant": "unknown-field", "invalid-type": "invalid-type",
         "coerced": "invalid-type", "enum": "value-not-allowed", "borrowed-enum": "value-not-allowed",
         "enum-case": "enum-case", "invalid-date": "invalid-date", "missing-required": "missing-required",
         "invalid-interval": "invalid-interval", "invalid-period": "invalid-period"}


def finding(o) -> Finding:
    return Finding(o.severity, o.path, CODES.get(o.rule, o.rule), o.message, o.evidence, o.meant)
