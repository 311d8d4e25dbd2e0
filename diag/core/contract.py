"""The API contract diag checks against, package data in diag/_data/contract/ (generated from the official SDK)."""
from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

DATA_DIR = Path(str(files("diag") / "_data"))   # installed unzipped, as wheels are: a real folder
CONTRACT_DIR = DATA_DIR / "contract"


@lru_cache(maxsize=None)
def call_schema() -> dict:
    """JSON Schema document whose $defs hold CreateCallRequest, Destination, CreateCallResponse, ErrorBody."""
    return json.loads((CONTRACT_DIR / "create-call.schema.json").read_text())


def sdk_version() -> str:
    return call_schema()["x-sdk"]["version"]


@lru_cache(maxsize=None)
def model_fields(model: str) -> dict[str, dict]:
    """Wire name -> JSON Schema of each field of a call model, in the SDK's order."""
    return call_schema()["$defs"][model]["properties"]


@lru_cache(maxsize=None)
def operations() -> tuple[dict, ...]:
    """Every Platform API operation of the SDK: method, path template, operationId, summary, body model."""
    return tuple(json.loads((CONTRACT_DIR / "operations.json").read_text())["operations"])


@lru_cache(maxsize=None)
def _model_index() -> dict[str, list[int]]:
    return json.loads((CONTRACT_DIR / "models.index.json").read_text())["models"]


def model_names() -> list[str]:
    return list(_model_index())


@lru_cache(maxsize=None)
def model(name: str) -> dict | None:
    """One SDK model from models.jsonl, read by its byte offset: {"name", "fields": {wire: {t, e?, ie?, r?}}}."""
    where = _model_index().get(name)
    if where is None:
        return None
    with (CONTRACT_DIR / "models.jsonl").open("rb") as fh:
        fh.seek(where[0])
        return json.loads(fh.read(where[1]))
