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


def segments(path: str) -> int:
    """How many segments a path template has (/api/v2/users/{userId}: 4): with its method, what decides which
    templates a path is compared with."""
    return path.strip("/").count("/") + 1


def bucket_of(method: str, path: str) -> str:
    """The key of the operations a path is compared with: its method and number of segments ("POST 5")."""
    return f"{method} {segments(path)}"


def index_operations(text: str) -> dict:
    """Where each bucket's operations lie in operations.json (as `text`): runs of [offset, length] in file order,
    and the file's size and CRC-32 (an index is read only with the file it was made of). The file is ASCII
    (json.dumps escapes the rest), so characters are bytes."""
    import zlib

    ops = json.loads(text)["operations"]
    pos = text.index('"operations":[') + len('"operations":[')
    runs: dict[str, list[list[int]]] = {}
    last = None
    for op in ops:
        one = json.dumps(op, separators=(",", ":"))
        if text[pos:pos + len(one)] != one:
            raise ValueError("operations.json is not as regenerate_contract.py writes it: run make contract")
        key = bucket_of(op["method"], op["path"])
        if key == last:
            runs[key][-1][1] = pos + len(one) - runs[key][-1][0]
        else:
            runs.setdefault(key, []).append([pos, len(one)])
        last = key
        pos += len(one) + 1
    data = text.encode("ascii")
    return {"size": len(data), "crc32": zlib.crc32(data), "buckets": runs}


@cache
def _bucket_index() -> tuple[dict, bytes] | None:
    """The index and the bytes of operations.json, read together once (as operations() reads the file once), when
    the index was made of exactly those bytes; None otherwise (then the whole file is read)."""
    import zlib

    try:
        index = json.loads((CONTRACT_DIR / "operations.index.json").read_text())
        data = (CONTRACT_DIR / "operations.json").read_bytes()
    except (OSError, ValueError):
        return None
    if not (isinstance(index, dict) and isinstance(index.get("buckets"), dict) and index.get("size") == len(data)
            and index.get("crc32") == zlib.crc32(data)):
        return None   # an index of another version of the file, or edited by hand
    return index["buckets"], data


def operations_in(method: str, segments: int) -> tuple[dict, ...]:
    """The operations of one method and number of path segments, in the contract's order. A cold check needs one
    such bucket: it parses those bytes of operations.json, not the whole file (about 9 ms)."""
    key = f"{method} {segments}"
    found = _bucket_index()
    if found is not None:
        buckets, data = found
        try:
            ops = tuple(json.loads(b"[" + b",".join(data[start:start + length]
                                                     for start, length in buckets.get(key, ())) + b"]"))
            if all(bucket_of(o["method"], o["path"]) == key for o in ops):
                return ops
        except (ValueError, TypeError, KeyError):   # an index that does not read as written: the long way
            pass
    return tuple(o for o in operations() if bucket_of(o["method"], o["path"]) == key)


@cache
def _index() -> dict:
    return json.loads((CONTRACT_DIR / "models.index.json").read_text())


@cache
def _model_index() -> dict[str, tuple[int, int]]:
    """Model name -> (byte offset, length) in models.jsonl. The index holds the names and lengths in file order,
    as two flat values: a dict of 6,651 small lists took ~6 ms of a cold check to parse."""
    from itertools import accumulate

    index = _index()
    names, lengths = index["names"].split("\n"), index["lengths"]
    return dict(zip(names, zip(accumulate(lengths, initial=0), lengths)))


def models_index(lines: list[bytes], meta: dict) -> dict:
    """What models.index.json holds for models.jsonl written as `lines` (each with its newline): the inverse of
    _model_index."""
    return {**meta, "names": "\n".join(json.loads(line)["name"] for line in lines),
            "lengths": [len(line) for line in lines]}


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
        raw = fh.read(where[1])
    try:
        found = json.loads(raw)
        if isinstance(found, dict) and found.get("name") == name:
            return found
    except ValueError:
        pass
    # the index of another models.jsonl (rewritten by `make contract` while this process ran, or edited): its line
    # is found by its name, as the index would have found it
    head = b'{"name":' + json.dumps(name).encode() + b","
    with (CONTRACT_DIR / "models.jsonl").open("rb") as fh:
        line = next((line for line in fh if line.startswith(head)), None)
    return json.loads(line) if line is not None else None
