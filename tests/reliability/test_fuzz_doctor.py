"""The doctor and the JSON repair never raise, whatever they are given."""
import json
import math

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from diag.core.doctor import check, check_text, fix, parse_body

json_scalars = st.none() | st.booleans() | st.integers(-10**20, 10**20) | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=5) |
                           st.dictionaries(st.text(max_size=20), inner, max_size=6), max_leaves=40)
real_keys = st.sampled_from(["phoneNumber", "callerId", "callerIdName", "callFromQueueId", "callQueueId",
                             "callUserId", "priority", "attributes", "languageId", "routingSkillsIds",
                             "routingSkillExpression", "conversationIds", "participants", "uuiData",
                             "externalContactId", "label", "to", "from", "type", "queueId", "metadata", "userId"])
call_like = st.dictionaries(real_keys, json_values, max_size=8)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(json_values)
def test_any_json_value_gets_a_report(value):
    report = check(value)
    if not isinstance(value, dict):
        assert report.codes() == ["body-not-object"]
    json.dumps(report.to_dict())


@FUZZ
@given(call_like)
def test_call_shaped_bodies_with_wrong_values(body):
    report = check(body)
    json.dumps(report.to_dict())
    if report.fixed is not None:
        check(report.fixed)


@FUZZ
@given(st.text(max_size=400))
@example("000")   # not JSON (a leading zero), and Australia's emergency number: both said
def test_any_text_is_read_or_reported_with_a_place(text):
    parsed = parse_body(text)
    report = check_text(text)
    if parsed.ok:   # compared as JSON text: NaN is read as a float, and nan != nan
        assert json.dumps(report.body, sort_keys=True) == json.dumps(parsed.value, sort_keys=True)
    else:
        assert report.codes()[0] == "invalid-json" and report.findings[0].message == parsed.describe_error()
        # beside it only what the gate's backstop refuses in the text's literals (an emergency number, a pseudonym)
        assert set(report.codes()[1:]) <= {"emergency-number", "pseudonymised-number"}
        assert parsed.error and parsed.text == text


@FUZZ
@given(st.text(alphabet="{}[]\"':,\u201c\u201d\u2018\u2019 \n\tab1TrueFalseNone=>", max_size=200))
def test_repair_of_punctuation_soup_never_raises(text):
    parse_body(text)


def test_deep_nesting_and_huge_strings():
    deep = {"phoneNumber": "+13175550100", "attributes": {}}
    node = deep["attributes"]
    for _ in range(2000):
        node["x"] = {}
        node = node["x"]
    report = check(deep)   # and the gate cannot read it value by value: diag never sends it, and says so
    assert report.codes() == ["body-too-deep", "too-deep-to-check"] and report.blocked
    assert check_text("[" * 100000 + "]" * 100000).findings
    huge = {"phoneNumber": "+1" + "3" * 1_000_000, "callerIdName": "\U0001F600" * 100000}
    assert check(huge).findings
    assert fix({"to": "\u0663\u0661\u0667\u0665\u0665\u0665\u0660\u0661\u0660\u0660"}) is not None


@given(st.dictionaries(real_keys, st.integers() | st.floats(allow_nan=False) | st.booleans(), min_size=1, max_size=6))
@FUZZ
def test_numbers_where_strings_belong_are_findings(body):
    report = check(body)
    wrong = [k for k, v in body.items() if k in ("phoneNumber", "callerId", "label") and not isinstance(v, str)]
    for k in wrong:   # Infinity is no JSON number at all: said as that, at the same path
        said = "unreadable-number" if isinstance(body[k], float) and not math.isfinite(body[k]) else "invalid-type"
        assert any(f.path == f"$.{k}" and f.code == said for f in report.findings)


def test_a_million_digit_number_after_a_country_code_gets_a_short_refusal():
    # what follows a whole number is read only as far as an emergency number could reach: not a million times
    from diag.core import numbers

    found = numbers.refusal("+1" + "3175550100" + "911" + "0" * 1_000_000, strict=True)
    assert found is not None and len(found.reason) < 400
