import pytest

from diag.core.doctor import check_text, parse_body


@pytest.mark.parametrize("text,repair", [
    ('{\u201cphoneNumber\u201d: \u201c+13175550100\u201d}', "curly quotes"),
    ("{'phoneNumber': '+13175550100'}", "single-quoted"),
    ('{"phoneNumber": "+13175550100",}', "trailing commas"),
    ('{"participants": [{"address": "+13175550100"},],}', "trailing commas"),
    ('{"phoneNumber": "+13175550100", "x": True}', "Python literals"),
])
def test_repairs_common_paste_damage_and_says_so(text, repair):
    parsed = parse_body(text)
    assert parsed.ok
    assert any(repair in r for r in parsed.repairs)


def test_quotes_inside_strings_are_not_touched():
    parsed = parse_body('{"callerIdName": "Bob\u2019s shop", "label": "it\'s, ok"}')
    assert parsed.ok and parsed.repairs == []
    assert parsed.value["callerIdName"] == "Bob\u2019s shop"


def test_escaped_single_quote():
    assert parse_body("{'callerIdName': 'Bob\\'s'}").value == {"callerIdName": "Bob's"}


def test_unrepairable_json_reports_line_and_column():
    parsed = parse_body('{\n  "phoneNumber": "+13175550100"\n  "callerId": "+1"\n}')
    assert not parsed.ok and (parsed.line, parsed.column) == (3, 3)
    assert "line 3, column 3" in parsed.describe_error()
    assert parsed.text.startswith('{\n  "phoneNumber"')  # the user's text is kept


@pytest.mark.parametrize("text,hint", [("{:phoneNumber => '+1'}", "Ruby"), ("phoneNumber: '+1'", "YAML")])
def test_hints_for_other_languages(text, hint):
    assert hint in parse_body(text).describe_error()


def test_empty_text():
    parsed = parse_body("   ")
    assert not parsed.ok and "empty" in parsed.describe_error()


def test_check_text_notes_the_repair_then_checks():
    report = check_text("{'to': '+13175550100',}")
    assert report.repaired_from_text
    assert "Repaired the pasted text" in report.notes[0]
    assert report.fixed == {"phoneNumber": "+13175550100"}


def test_check_text_invalid_json_is_a_finding_with_place():
    report = check_text('{"a" 1}')
    assert report.codes() == ["invalid-json"] and "line 1, column 6" in report.findings[0].message
