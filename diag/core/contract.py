"""The API contract diag checks against, package data in diag/_data/contract/ (generated from the official SDK)."""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

# diag's package data. Installed unzipped, as wheels are: a real folder (importlib.resources costs ~10 ms to import,
# and would give the same path).
DATA_DIR = Path(__file__).resolve().parent.parent / "_data"
CONTRACT_DIR = DATA_DIR / "contract"


CALL_MODELS = ("CreateCallRequest", "Destination", "CreateCallResponse", "ErrorBody", "Detail", "Limit")
_SCALARS = {"str": "string", "int": "integer", "bool": "bool", "float": "number", "datetime": "string",
            "date": "string", "object": None}


def _schema_of(sdk_type: str) -> dict:
    """The SDK's type notation (str, int, list[Destination], dict(str, str)) as a JSON Schema fragment."""
    t = sdk_type.strip()
    if t.startswith("list[") and t.endswith("]"):
        return {"type": "array", "items": _schema_of(t[5:-1])}
    if t.startswith("dict(") and t.endswith(")"):
        return {"type": "object", "additionalProperties": _schema_of(t[5:-1].split(",", 1)[1])}
    if t in _SCALARS:
        kind = _SCALARS[t]
        return {"type": "boolean" if kind == "bool" else kind} if kind else {}
    return {"$ref": f"#/$defs/{t}"}


def _model(name: str) -> dict:
    found = model(name)
    if found is None:
        raise KeyError(f"the contract has no model {name}: run make contract")
    return found


@cache
def call_schema() -> dict:
    """The call models as one JSON Schema document ($defs: CreateCallRequest, Destination, CreateCallResponse,
    ErrorBody, Detail, Limit): a view of models.jsonl, the one description of the contract."""
    defs = {name: {"type": "object", "properties": {wire: _schema_of(f["t"]) for wire, f in _model(name)["fields"].items()}}
            for name in CALL_MODELS}
    return {"$defs": defs, "x-sdk": _index()["x-sdk"]}


def sdk_version() -> str:
    return call_schema()["x-sdk"]["version"]


@cache
def model_fields(model: str) -> dict[str, dict]:
    """Wire name -> JSON Schema of each field of a call model, in the SDK's order."""
    return call_schema()["$defs"][model]["properties"]


@cache
def operations() -> tuple[dict, ...]:
    """Every Platform API operation of the SDK: method, path template, operationId, summary, body model."""
    return tuple(json.loads((CONTRACT_DIR / "operations.json").read_text())["operations"])


@cache
def _index() -> dict:
    return json.loads((CONTRACT_DIR / "models.index.json").read_text())


def _model_index() -> dict[str, list[int]]:
    return _index()["models"]


def model_names() -> list[str]:
    return list(_model_index())


@cache
def model(name: str) -> dict | None:
    """One SDK model from models.jsonl, read by its byte offset: {"name", "fields": {wire: {t, e?, ie?, r?}}}."""
    where = _model_index().get(name)
    if where is None:
        return None
    with (CONTRACT_DIR / "models.jsonl").open("rb") as fh:
        fh.seek(where[0])
        return json.loads(fh.read(where[1]))
