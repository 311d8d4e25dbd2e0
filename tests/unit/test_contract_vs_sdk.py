"""diag/_data/contract/ must agree with the installed official SDK, field for field and type for type."""
import json

import pytest

from tests import official_sdk

from diag.core.contract import CONTRACT_DIR, call_schema, operations
from diag.core.doctor import names

pytestmark = pytest.mark.sdk



@pytest.fixture(scope="module")
def sdk():
    """The SDK, imported by the tests that need it (importing it takes seconds: not at collection, in every
    worker)."""
    return official_sdk.sdk()

REQUIRED_REQUEST_FIELDS = {"phoneNumber", "callerId", "callerIdName", "callFromQueueId", "callQueueId",
                           "callUserId", "priority", "attributes", "languageId", "routingSkillsIds",
                           "routingSkillExpression", "conversationIds", "participants", "uuiData",
                           "externalContactId", "label"}


def sdk_type_of(schema: dict) -> str:
    """Read a contract schema back into the SDK's type notation, independently of the generator."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    kind = schema.get("type")
    if kind == "array":
        return f"list[{sdk_type_of(schema['items'])}]"
    if kind == "object":
        return f"dict(str, {sdk_type_of(schema['additionalProperties'])})"
    if kind == "string":
        return {"date-time": "datetime", "date": "date"}.get(schema.get("format"), "str")
    return {"integer": "int", "number": "float", "boolean": "bool", None: "object"}[kind]


@pytest.mark.parametrize("model", sorted(call_schema()["$defs"]))
def test_contract_model_matches_sdk(sdk, model):
    instance = getattr(sdk, model)()
    expected = {instance.attribute_map[a]: t for a, t in instance.swagger_types.items()}
    ours = {name: sdk_type_of(s) for name, s in call_schema()["$defs"][model]["properties"].items()}
    assert ours == expected


def test_contract_covers_the_call_models():
    assert {"CreateCallRequest", "Destination", "CreateCallResponse", "ErrorBody"} <= set(call_schema()["$defs"])
    assert set(call_schema()["$defs"]["CreateCallRequest"]["properties"]) == REQUIRED_REQUEST_FIELDS


def test_contract_was_made_from_the_installed_sdk_version(sdk):
    from importlib.metadata import version
    assert call_schema()["x-sdk"]["version"] == version("PureCloudPlatformClientV2")


def test_operations_match_sdk_methods(sdk):
    ops = operations()
    by_id = {o["operationId"]: o for o in ops}
    assert by_id["post_conversations_calls"]["path"] == "/api/v2/conversations/calls"
    assert by_id["post_conversations_calls_user_user_id"]["body"] == "CreateCallRequest"
    # every operation names a method that the SDK really has
    classes = [getattr(sdk, n) for n in dir(sdk) if n.endswith("Api")]
    methods = {m for c in classes for m in dir(c)}
    missing = [o["operationId"] for o in ops if o["operationId"] not in methods]
    assert missing == []
    assert len(ops) > 3000


def test_every_alias_points_at_a_real_field():
    request = set(call_schema()["$defs"]["CreateCallRequest"]["properties"])
    destination = set(call_schema()["$defs"]["Destination"]["properties"])
    assert set(names.TOP_LEVEL.values()) <= request
    assert set(names.DESTINATION.values()) <= destination


def test_contract_files_are_valid_json():
    for path in CONTRACT_DIR.glob("*.json"):
        json.loads(path.read_text())
