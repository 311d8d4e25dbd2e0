"""Bodies of any operation checked against the SDK model (issue: beyond calls)."""
import json
import random
import subprocess
import sys

import pytest

from tests import official_sdk

from diag.app.widgets.any_endpoint import AnyEndpointModel, AnyEndpointView
from diag.core.contract import model, model_names
from diag.core.doctor import UnknownOperation, check_for_operation



def sdk_module():
    """The official SDK, imported when a test first needs it (seconds: never at collection, in every worker)."""
    return official_sdk.sdk()
AGG = "POST /api/v2/analytics/conversations/aggregates/query"


def codes(report):
    return [(f.path, f.code) for f in report.findings]


def test_aggregates_query_groupings_missing_metrics_unknown_metric():
    r = check_for_operation(AGG, {"interval": "2026-11-01/2026-11-08", "groupings": ["queueId"]})
    assert ("$.groupings", "unknown-field") in codes(r) and ("$.metrics", "missing-required") in codes(r)
    assert next(f for f in r.findings if f.path == "$.groupings").field == "groupBy"
    r = check_for_operation(AGG, {"interval": "2026-11-01/2026-11-08", "groupBy": ["queueId", "queue"],
                                  "metrics": ["nOutboundAttempted", "nOutboundConected"]})
    metric = next(f for f in r.findings if f.path == "$.metrics[1]")
    assert metric.code == "value-not-allowed" and metric.field == "nOutboundConnected"
    assert metric.severity == "warning" and "may be incomplete" in metric.message
    assert ("$.groupBy[1]", "value-not-allowed") in codes(r)
    assert not [f for f in r.findings if f.path in ("$.metrics[0]", "$.groupBy[0]")]


def test_participant_attributes_update_needs_strings():
    op = "PATCH /api/v2/conversations/calls/c-1/participants/p-2/attributes"
    r = check_for_operation(op, {"attributes": {"case": 42, "vip": True, "ok": "yes", "nested": {"a": "b"}}})
    assert sorted(p for p, c in codes(r) if c == "invalid-type") == ["$.attributes.case", "$.attributes.nested",
                                                                     "$.attributes.vip"]
    assert "Checked as ParticipantAttributes" in r.notes[0]


def test_usage_query_bad_granularity_and_missing_interval():
    r = check_for_operation("POST /api/v2/usage/query", {"granularity": "Hourly", "groupBy": ["TemplateUri", "Uri"]})
    assert ("$.granularity", "value-not-allowed") in codes(r)
    assert ("$.interval", "missing-required") in codes(r)
    assert ("$.groupBy[1]", "value-not-allowed") in codes(r)
    assert check_for_operation("POST /api/v2/usage/query", {"interval": "2026-01-01/2026-01-31",
                                                            "granularity": "Day"}).valid


def test_nested_lists_of_models():
    body = {"interval": "2026-11-01/2026-11-08", "metrics": ["nOutbound"],
            "filter": {"type": "and", "clauses": [{"type": "or", "predicates": [
                {"dimension": "queueId", "operator": "equals", "value": "q"},
                {"dimension": "queueid", "operator": "matches", "valu": "q"}]}]}}
    r = check_for_operation(AGG, body)
    got = codes(r)
    assert ("$.filter.clauses[0].predicates[0].operator", "value-not-allowed") in got
    assert ("$.filter.clauses[0].predicates[1].dimension", "enum-case") in got
    assert ("$.filter.clauses[0].predicates[1].valu", "unknown-field") in got


def test_call_endpoints_keep_the_call_rules():
    r = check_for_operation("POST /api/v2/conversations/calls/user/u-1", {"to": "+13175550100"})
    assert "no-destination" in r.codes() and r.fixed == {"phoneNumber": "+13175550100"}


def test_unknown_operation_and_bodyless_operation():
    with pytest.raises(UnknownOperation, match="usage/query"):
        check_for_operation("POST /api/v2/analytics/interactions/summary", {})
    assert check_for_operation("GET /api/v2/users/me", {"a": 1}).codes() == ["body-not-expected"]


@pytest.mark.sdk
def test_contract_agrees_with_the_sdk_for_a_random_sample():
    names = model_names()
    assert len(names) > 6000
    for name in random.Random(7).sample(names, 400):
        instance = getattr(sdk_module(), name)()
        expected = {instance.attribute_map[a]: t for a, t in instance.swagger_types.items()}
        assert {w: f["t"] for w, f in model(name)["fields"].items()} == expected, name


@pytest.mark.sdk
def test_enums_match_the_sdk_setters():
    """The SDK setter keeps an allowed value and turns any other into "outdated_sdk_version"."""
    assert model("ApiUsageOrganizationQuery")["fields"]["granularity"]["e"] == ["Day", "Week", "Month"]
    checked = 0
    for name in random.Random(11).sample(model_names(), 1500):
        instance = getattr(sdk_module(), name)()
        snake = {w: a for a, w in instance.attribute_map.items()}
        for wire, spec in model(name)["fields"].items():
            if "e" not in spec:
                continue
            for value in spec["e"]:
                setattr(instance, snake[wire], value)
                assert getattr(instance, snake[wire]) == value, (name, wire, value)
            setattr(instance, snake[wire], "certainly-not-a-value")
            assert getattr(instance, snake[wire]) == "outdated_sdk_version", (name, wire)
            checked += 1
    assert checked > 50


def run(*args, stdin=b""):
    p = subprocess.run([sys.executable, "-m", "diag", *args], input=stdin, capture_output=True)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def test_cli_validate_endpoint():
    body = json.dumps({"interval": "2026-11-01/2026-11-08", "groupings": ["queueId"], "metrics": ["nOutbound"]})
    code, out, _ = run("validate", "--endpoint", AGG, "--json", "-", stdin=body.encode())
    data = json.loads(out)
    assert code == 1 and data["findings"][0]["code"] == "unknown-field"
    good = json.dumps({"interval": "2026-11-01/2026-11-08", "groupBy": ["queueId"], "metrics": ["nOutbound"]})
    assert run("validate", "--endpoint", AGG, "-", stdin=good.encode())[0] == 0
    code, _, err = run("validate", "--endpoint", "POST /api/v2/nope", "-", stdin=b"{}")
    assert code == 2 and "not a Platform API operation" in err


def test_any_endpoint_panel():
    view = AnyEndpointView(AnyEndpointModel())
    assert "groupBy" in view.findings.value
    view.operation.value = "POST /api/v2/usage/query"
    view.raw.value = '{"interval": "2026-01-01/2026-01-31", "granularity": "Hourly"}'
    assert "value-not-allowed" in view.findings.value and "ApiUsageOrganizationQuery" in view.findings.value
    view.operation.value = "POST /api/v2/made/up"
    assert "not a Platform API operation" in view.error.value
    assert view.raw.value.startswith('{"interval"')
