"""Drive the composer panel from Python as a person would: type, read findings, click Fix it."""
import json

import pytest

from diag.widgets.composer import ComposerModel, ComposerView

CLASSIC_WRONG = {
    "to/from": '{"to": {"phoneNumber": "+13175550100"}, "from": {"phoneNumber": "+13175550199"}}',
    "forum curly quotes": '{\u201cto\u201d: \u201c+13175550100\u201d, \u201ctype\u201d: \u201cexternal\u201d}',
    "participants type external": '{"participants": [{"type": "external", "to": "+13175550100"}]}',
}


@pytest.mark.parametrize("text", CLASSIC_WRONG.values(), ids=CLASSIC_WRONG.keys())
def test_paste_wrong_body_see_findings_then_fix(text):
    view = ComposerView(ComposerModel(""))
    view.raw.value = text
    assert "unknown-field" in view.findings.value
    assert not view.fix_button.disabled
    view.fix_button.click()
    body = json.loads(view.raw.value)
    assert body["phoneNumber"] == "+13175550100"
    assert view.model.report.valid
    assert "moved" in view.changes.value


def test_invalid_json_keeps_the_text_and_shows_where():
    view = ComposerView(ComposerModel(""))
    view.raw.value = '{"phoneNumber": "+13175550100"\n "x": 1}'
    assert view.raw.value == '{"phoneNumber": "+13175550100"\n "x": 1}'
    assert "line 2, column 2" in view.findings.value
    assert view.fix_button.disabled


def test_valid_body_says_so():
    view = ComposerView(ComposerModel('{"phoneNumber": "+13175550100"}'))
    assert "No findings" in view.findings.value and view.fix_button.disabled
