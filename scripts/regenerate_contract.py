"""Regenerate diag's API contract (diag/_data/contract/) from the installed official SDK.

Run `make contract` (or `.venv/bin/python scripts/regenerate_contract.py`) after upgrading
PureCloudPlatformClientV2: it rewrites
  diag/_data/contract/operations.json          every Platform API operation (method, path, body model)
  diag/_data/contract/operations.index.json    where each method-and-length bucket of it lies (a cold check reads one)
  diag/_data/contract/models.jsonl + .index    every SDK model (the call models included)
  diag/_data/emergency-numbers.json            libphonenumber's emergency patterns (for the installed release)
  diag/_data/contract/dialling.json            what each write operation and field dials (diag.core.dial_rules)
  docs/reference/what-dials.md                 the same, as a readable listing to review
The contract test (tests/unit/test_contract_vs_sdk.py) then checks the result against the SDK.
"""
from __future__ import annotations

import ast
import importlib
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "diag" / "_data" / "contract"
SCALARS = {
    "str": {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "object": {},
}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def sdk_model(name: str):
    sdk = importlib.import_module("PureCloudPlatformClientV2")
    return getattr(sdk, name)()


_CALL_API = re.compile(r"call_api\(resource_path,\s*'([A-Z]+)'")
_RESOURCE = re.compile(r"resource_path = '([^']+)'")


def build_operations(version: str) -> dict:
    """Read every API method of the SDK's apis/ package: method, path template, body model, summary."""
    apis_dir = Path(importlib.import_module("PureCloudPlatformClientV2.apis").__file__).parent
    ops = []
    for source_file in sorted(apis_dir.glob("*_api.py")):
        tree = ast.parse(source_file.read_text())
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            for fn in (n for n in cls.body if isinstance(n, ast.FunctionDef)):
                src = ast.unparse(fn)
                method, path = _CALL_API.search(src), _RESOURCE.search(src)
                if not (method and path):
                    continue
                doc = (ast.get_docstring(fn) or "").strip().splitlines()
                # the body parameter is named `body` in most methods, but not all (flow_launch_request, ...)
                name = re.search(r"body_params = params\['(\w+)'\]", src)
                body = re.search(rf":param (\S+) {name.group(1) if name else 'body'}:", ast.get_docstring(fn) or "")
                text = ast.get_docstring(fn) or ""
                response = re.search(r"response_type='([^']+)'", src)
                query = []
                for wire, param in re.findall(r"query_params\['([^']+)'\] = params\['(\w+)'\]", src):
                    kind = re.search(rf":param (\S+) {param}:(.*)", text)
                    query.append({"name": wire, "t": kind.group(1) if kind else "str",
                                  **({"r": True} if kind and "(required)" in kind.group(2) else {})})
                ops.append({
                    "method": method.group(1),
                    "path": path.group(1),
                    "operationId": fn.name,
                    "summary": doc[0].strip() if doc else "",
                    "body": body.group(1) if body else None,
                    "response": response.group(1) if response else None,
                    "query": query,
                })
    # Some operations are generated into two API classes; one entry per method + path.
    unique = {(o["method"], o["path"]): o for o in reversed(ops)}
    ops = sorted(unique.values(), key=lambda o: (o["path"], o["method"]))
    return {"x-sdk": {"package": "PureCloudPlatformClientV2", "version": version}, "operations": ops}


# The Python SDK keeps no enum for list items. Where another SDK model lists the same values, borrow it
# (marked in the contract with its source; the doctor treats borrowed enums as warnings, not errors).
BORROWED_ITEM_ENUMS = {
    ("ConversationAggregationQuery", "metrics"): [("ConversationAggregationView", "target"),
                                                   ("ConversationAggregationSort", "name")],
    ("ConversationAggregationQuery", "groupBy"): [("ConversationAggregateQueryPredicate", "dimension")],
}
# Facts the installed SDK does not carry (required fields, list-item enums), from the reference subset that was
# rebuilt from the SDK docs and the Java SDK (../shared/reference/genesys-openapi-subset.json).
REFERENCE = ROOT.parent / "shared" / "reference" / "genesys-openapi-subset.json"
_SETTER = re.compile(r"    @(\w+)\.setter\n    def \1\(self, \1.*?(?=\n    @|\n    def to_dict|\Z)", re.S)
_ALLOWED = re.compile(r"allowed_values = (\[.*?\])", re.S)


def setter_enums(source: str) -> dict[str, list[str]]:
    out = {}
    for m in _SETTER.finditer(source):
        a = _ALLOWED.search(m.group(0))
        if a:
            out[m.group(1)] = ast.literal_eval(a.group(1))
    return out


def build_models(version: str) -> tuple[list[dict], dict]:
    """Every SDK model: wire name -> SDK type, enum (own or borrowed), required (from the reference subset)."""
    models_dir = Path(importlib.import_module("PureCloudPlatformClientV2.models").__file__).parent
    sdk = importlib.import_module("PureCloudPlatformClientV2")
    reference = json.loads(REFERENCE.read_text())["definitions"] if REFERENCE.exists() else {}
    models = {}
    for source_file in sorted(models_dir.glob("*.py")):
        if source_file.name == "__init__.py":
            continue
        text = source_file.read_text()
        cls_name = re.search(r"^class (\w+)\(", text, re.M)
        if not cls_name or not hasattr(sdk, cls_name.group(1)):
            continue
        name = cls_name.group(1)
        try:
            instance = getattr(sdk, name)()
        except Exception:
            continue
        enums = setter_enums(text)
        ref = reference.get(name, {})
        required = set(ref.get("required", []))
        fields = {}
        for attr, wire in instance.attribute_map.items():
            spec = {"t": instance.swagger_types[attr]}
            if attr in enums:
                spec["e"] = enums[attr]
            item_enum = ((ref.get("properties") or {}).get(wire) or {}).get("items", {}).get("enum")
            if item_enum:
                spec["ie"] = item_enum
                spec["src"] = "reference subset (Java SDK enum)"
            if wire in required:
                spec["r"] = True
            fields[wire] = spec
        models[name] = {"name": name, "fields": fields}
    for (model, wire), sources in BORROWED_ITEM_ENUMS.items():
        values, names = [], []
        for other, other_wire in sources:
            other_spec = models.get(other, {}).get("fields", {}).get(other_wire, {})
            values += [v for v in other_spec.get("e", []) if v not in values]
            names.append(f"{other}.{other_wire}")
        if values and model in models and wire in models[model]["fields"]:
            spec = models[model]["fields"][wire]
            spec.setdefault("ie", values)
            spec.setdefault("src", " + ".join(names))
            spec["borrowed"] = True
    lines = [json.dumps(m, separators=(",", ":")) for m in models.values()]
    return lines, {"x-sdk": {"package": "PureCloudPlatformClientV2", "version": version}}


def write_models(lines: list[str], meta: dict) -> None:
    """models.jsonl (one model a line) + models.index.json (the names and lengths of those lines, in order): a check
    reads only the lines it needs."""
    from diag.core import contract

    data = [(line + "\n").encode() for line in lines]
    (CONTRACT / "models.jsonl").write_bytes(b"".join(data))
    (CONTRACT / "models.index.json").write_text(json.dumps(contract.models_index(data, meta),
                                                           separators=(",", ":")) + "\n")


def write_emergency_table() -> None:
    """diag/_data/emergency-numbers.json: libphonenumber's emergency patterns for the installed release."""
    import phonenumbers

    from diag.core.numbers import (EMERGENCY_TABLE, emergency_table_from_metadata, international_prefixes_from_metadata,
                                   possible_lengths_from_metadata)

    table = {"phonenumbers": phonenumbers.__version__, "patterns": emergency_table_from_metadata(),
             "international_prefixes": international_prefixes_from_metadata(),
             "possible_lengths": possible_lengths_from_metadata()}
    (CONTRACT.parent / EMERGENCY_TABLE).write_text(json.dumps(table, indent=0, sort_keys=True) + "\n")


_GETTER = re.compile(r'    @property\n    def (\w+)\(self\)[^:]*:\n        """\n        Gets the \w+ of this \w+\.\n'
                     r'(.*?)\n\n        :return:', re.S)


def field_descriptions(names) -> dict[str, dict[str, str]]:
    """model -> wire name -> the SDK's description of the field (its getter's docstring), for the models named."""
    models_dir = Path(importlib.import_module("PureCloudPlatformClientV2.models").__file__).parent
    sdk = importlib.import_module("PureCloudPlatformClientV2")
    wanted = set(names)
    out: dict[str, dict[str, str]] = {}
    for source_file in sorted(models_dir.glob("*.py")):
        text = source_file.read_text()
        cls_name = re.search(r"^class (\w+)\(", text, re.M)
        if not cls_name or cls_name.group(1) not in wanted:
            continue
        wire = getattr(sdk, cls_name.group(1))().attribute_map
        out[cls_name.group(1)] = {wire[m.group(1)]: " ".join(m.group(2).split())
                                  for m in _GETTER.finditer(text) if m.group(1) in wire}
    return out


def build_dialling(version: str) -> tuple[dict, str]:
    """What dials, derived from the contract just written and the SDK's field descriptions (diag.core.dial_rules)."""
    from diag.core import contract, dial_rules, dials

    for cached in (contract.operations, contract.model, contract._index, contract._model_index,
                   contract._bucket_index):
        cached.cache_clear()
    names = contract.model_names()
    table = dial_rules.derive(contract.operations(), contract.model, field_descriptions(names))
    compact = {"x-sdk": {"package": "PureCloudPlatformClientV2", "version": version},
               "operations": {k: {f: v[f] for f in ("class", "medium", "starts", "unless", "body") if v[f]}
                              for k, v in table["operations"].items() if v["class"] != dials.NONE},
               "fields": {m: {w: c for w, (c, _) in fs.items() if c != dials.DATA}
                          for m, fs in table["fields"].items() if any(c != dials.DATA for c, _ in fs.values())}}
    return compact, dial_rules.listing(table, f"PureCloudPlatformClientV2 {version}")


SHARED = ROOT.parent / "shared" / "reference"


def build_operation_facts(operations: list[dict], version: str) -> dict:
    """Per operation, what Genesys documents: the permissions it requires (the SDK's docs, 257.1.0) and the error
    codes per status of its 2018 spec, with every code's message templates. Operations of the SDK that a source
    does not hold are left out of that source's part: the model says "not documented" for them."""
    permissions = json.loads((SHARED / "genesys-operation-permissions.json").read_text())
    errors = json.loads((SHARED / "genesys-error-codes-2018.json").read_text())
    known = {f"{o['method']} {o['path']}" for o in operations}
    common = {"400": ["bad.request", "invalid.date", "invalid.value"], "401": ["authentication.required",
              "bad.credentials"], "403": ["missing.any.permissions", "missing.permissions", "not.authorized"],
              "404": ["not.found"], "415": ["unsupported.media.type"], "429": ["too.many.requests"],
              "500": ["internal.server.error"], "503": ["service.unavailable"],
              "504": ["authentication.request.timeout", "request.timeout"]}
    ops: dict[str, dict] = {}
    for key, p in permissions["operations"].items():
        if key in known:
            ops.setdefault(key, {})["p"] = [p["requires"], p["permissions"]]
    for key, e in errors["operations"].items():
        if key in known:
            codes = e["errorCodes"]
            ops.setdefault(key, {})["e"] = "common" if codes == common else codes
    used = {c for o in ops.values() for codes in (o.get("e") if isinstance(o.get("e"), dict) else common).values()
            for c in codes}
    return {"x-sdk": {"package": "PureCloudPlatformClientV2", "version": version},
            "sources": {"permissions": permissions["source"], "errors": errors["source"]},
            "common": common, "messages": {c: m for c, m in errors["messages"].items() if c in used},
            "operations": ops}


def main() -> int:
    from importlib.metadata import version as dist_version

    version = dist_version("PureCloudPlatformClientV2")
    CONTRACT.mkdir(parents=True, exist_ok=True)
    ops = build_operations(version)
    from diag.core import contract

    text = json.dumps(ops, separators=(",", ":")) + "\n"
    (CONTRACT / "operations.json").write_text(text)
    (CONTRACT / "operations.index.json").write_text(json.dumps(contract.index_operations(text),
                                                               separators=(",", ":")) + "\n")
    lines, meta = build_models(version)
    write_models(lines, meta)
    write_emergency_table()
    if SHARED.exists():   # the reference files sit beside the repository in the workplace, not in a clone
        facts = build_operation_facts(ops["operations"], version)
        (CONTRACT / "operation-facts.json").write_text(json.dumps(facts, separators=(",", ":"), sort_keys=True)
                                                       + "\n")
    dialling, text = build_dialling(version)
    (CONTRACT / "dialling.json").write_text(json.dumps(dialling, indent=0, sort_keys=True) + "\n")
    (ROOT / "docs" / "reference").mkdir(parents=True, exist_ok=True)
    (ROOT / "docs" / "reference" / "what-dials.md").write_text(text)
    print(f"SDK {version}: {len(ops['operations'])} operations, "
          f"{len(lines)} models -> {CONTRACT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
