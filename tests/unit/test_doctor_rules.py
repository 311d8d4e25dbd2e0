"""Each doctor rule on the bodies support staff actually paste."""
import pytest

from diag.core.doctor import check

VALID = {
    "plain number": {"phoneNumber": "+13175550100"},
    "queue on behalf, caller id and name": {"phoneNumber": "+13175550100", "callFromQueueId": "q-1",
                                             "callerId": "+13175550199", "callerIdName": "Acme Support"},
    "call a user": {"callUserId": "u-1"},
    "call a queue with routing": {"callQueueId": "q-1", "priority": 5, "languageId": "lang-1",
                                  "routingSkillsIds": ["skill-1"], "routingSkillExpression": "x"},
    "conference": {"participants": [{"address": "+13175550100"}, {"userId": "u-1"}]},
    "merge conversations": {"conversationIds": ["c-1", "c-2"]},
    "sip address": {"phoneNumber": "sip:1000@example.com"},
    "flow address (Genesys blog example)": {"phoneNumber": "ForceDisconnect@localhost"},
    "every extra field": {"phoneNumber": "+442079460958", "attributes": {"ticket": "42"}, "uuiData": "abc",
                          "externalContactId": "ec-1", "label": "support"},
}


@pytest.mark.parametrize("body", VALID.values(), ids=VALID.keys())
def test_valid_bodies_have_no_error(body):
    report = check(body)
    assert report.valid, [f.to_dict() for f in report.findings]
    assert report.fixed is None


def test_plain_number_is_spotless():
    assert check({"phoneNumber": "+13175550100"}).findings == []


@pytest.mark.parametrize("key,real", [
    ("to", "phoneNumber"), ("from", "callerId"), ("type", None), ("mediaType", None), ("addressType", None),
    ("queueId", "callFromQueueId"), ("wrapUpCode", None), ("callType", None), ("provider", None),
    ("metadata", "attributes"), ("routing", None), ("phone_number", "phoneNumber"), ("CallerID", "callerId"),
])
def test_unknown_fields_name_the_real_field(key, real):
    report = check({"phoneNumber": "+13175550100", key: "x"})
    hit = [f for f in report.findings if f.code == "unknown-field"]
    # a misnamed real field will not do what was meant (error); a key with no counterpart is ignored (a note)
    assert len(hit) == 1 and hit[0].path == f"$.{key}" and hit[0].severity == ("error" if real else "warning")
    assert report.verdict == ("not-what-you-meant" if real else "sendable-with-notes")
    assert report.prediction.status == 200
    assert hit[0].field == real
    if real:
        assert f"`{real}`" in hit[0].message


def test_from_and_queue_messages_explain_the_real_fields():
    report = check({"phoneNumber": "+13175550100", "from": "+13175550199", "queueId": "q"})
    text = " ".join(f.message for f in report.findings)
    assert "callerId" in text and "callerIdName" in text
    assert "callFromQueueId" in text and "callQueueId" in text


def test_unknown_field_inside_a_participant():
    report = check({"participants": [{"to": "+13175550100"}, {"userId": "u"}]})
    hit = next(f for f in report.findings if f.code == "unknown-field")
    assert hit.path == "$.participants[0].to" and hit.field == "address"


@pytest.mark.parametrize("body,path,refused", [
    ({"callQueueId": "q", "priority": "high"}, "$.priority", True),
    ({"callQueueId": "q", "routingSkillsIds": "s1"}, "$.routingSkillsIds", True),
    ({"phoneNumber": "+13175550100", "attributes": {"n": {"deep": 1}}}, "$.attributes.n", True),
    ({"phoneNumber": "+13175550100", "attributes": {"n": 5}}, "$.attributes.n", False),
    ({"phoneNumber": 13175550100}, "$.phoneNumber", False),
    ({"callQueueId": "q", "priority": "5"}, "$.priority", False),
    ({"participants": [{"address": 5}, {"userId": "u"}]}, "$.participants[0].address", False),
])
def test_wrong_types(body, path, refused):
    """Values the server cannot read are refused with 400 bad.request and Genesys' documented "malformed syntax"
    message (as a real answer to a nested object in a string map shows: the calibration corpus); scalars a Jackson
    server coerces are notes."""
    report = check(body)
    hits = [f for f in report.findings if f.code == "invalid-type"]
    assert [f.path for f in hits] == [path]
    if refused:
        assert hits[0].severity == "error" and "bad.request" in hits[0].message
        assert (report.prediction.status, report.prediction.code) == (400, "bad.request")
        assert report.prediction.message == "The request could not be understood by the server due to malformed " \
                                            "syntax."
    else:
        assert hits[0].severity == "warning" and "Jackson" in hits[0].message
        assert report.prediction.code != "invalid.value"


def test_no_destination():
    report = check({"callerId": "+13175550199"})
    assert "no-destination" in report.codes() and not report.valid


def test_more_than_one_destination_names_the_documented_code_and_evidence():
    report = check({"phoneNumber": "+13175550100", "callUserId": "u"})
    hit = next(f for f in report.findings if f.code == "too-many-destinations")
    assert "too.many.create.conversation.parameters" in hit.message
    assert "phoneNumber" in hit.message and "callUserId" in hit.message
    # the code is documented, which fields count is inferred: the finding is as sure as its weakest part, as the
    # answer under the headline is (a finding never surer than the prediction it explains)
    assert hit.evidence == "modelled" == report.prediction.evidence and "inferred" in hit.message
    assert report.prediction.code == "too.many.create.conversation.parameters"


def test_empty_destination_does_not_count():
    assert "too-many-destinations" not in check({"phoneNumber": "+13175550100", "callUserId": ""}).codes()


def test_single_participant_is_a_plain_call_in_disguise():
    report = check({"participants": [{"address": "+13175550100"}]})
    hit = next(f for f in report.findings if f.code == "participants-for-plain-call")
    assert hit.severity == "warning" and "conference" in hit.message
    assert report.fixed == {"phoneNumber": "+13175550100"}


def test_participant_without_target():
    report = check({"participants": [{"name": "Bob"}, {"address": "+13175550100"}]})
    hit = next(f for f in report.findings if f.code == "participant-without-target")
    assert hit.path == "$.participants[0]" and hit.severity == "error"


@pytest.mark.parametrize("number,code", [
    ("tel:+13175550100", "phone-tel-prefix"), ("+1 317 555 0100", "phone-formatting"),
    ("13175550100", "phone-missing-plus"), ("+99912345", "phone-invalid"), ("12345", "phone-not-e164"),
])
def test_number_format_warnings_offer_e164(number, code):
    """tel: and national numbers are notes (dialled with the site's number plan; nothing says tel: is refused)."""
    report = check({"phoneNumber": number})
    hit = next(f for f in report.findings if f.code == code)
    notes_only = code in ("phone-tel-prefix", "phone-missing-plus", "phone-not-e164")
    assert hit.severity == ("info" if notes_only else "warning") and report.valid
    if code in ("phone-missing-plus", "phone-not-e164"):
        assert "number plan" in hit.message
    if code in ("phone-tel-prefix", "phone-formatting", "phone-missing-plus"):
        assert "'+13175550100'" in hit.message


def test_region_hint_reads_national_numbers():
    report = check({"phoneNumber": "(317) 555-0100", "callerId": "+13175550199"})
    assert report.fixed["phoneNumber"] == "+13175550100"


def test_caller_id_not_e164():
    hit = next(f for f in check({"phoneNumber": "+13175550100", "callerId": "555-0199"}).findings
               if f.code == "caller-id-not-e164")
    assert hit.severity == "warning"


@pytest.mark.parametrize("number", ["911", "112", "999", "000", "+1 911", "+44 999", "tel:112", "sip:911@edge"])
def test_emergency_numbers_are_always_errors(number):
    report = check({"phoneNumber": number})
    assert "emergency-number" in report.codes() and report.blocked and not report.valid


def test_emergency_number_hidden_under_a_wrong_field_is_still_caught():
    """An unknown key may be dialled by a real org (diag cannot know): the doctor says diag will not send it there,
    and the corrected body, where the number lands in phoneNumber, is never sent anywhere."""
    report = check({"to": {"phoneNumber": "911"}})
    warning = next(f for f in report.findings if f.code == "refused-on-real-org")
    assert warning.path == "$.to.phoneNumber" and "`to` is not a field of CreateCallRequest" in warning.message
    assert report.fixed == {"phoneNumber": "911"}
    assert any("still has errors" in n and "emergency-number" in n for n in report.notes)


def test_emergency_number_in_conference_participant():
    assert "emergency-number" in check({"participants": [{"address": "000"}, {"userId": "u"}]}).codes()


def test_short_service_number_for_the_region():
    """Not sent to a real org (a short number reaches a service), but nothing rings on the simulator: a warning that
    says who refuses, not a verdict."""
    report = check({"phoneNumber": "411"}, region="US")
    warning = next(f for f in report.findings if f.code == "refused-on-real-org")
    assert warning.message.startswith("diag will not send this to a real org") and "short" in warning.message
    assert not report.blocked and report.valid and report.verdict != "refused"


@pytest.mark.parametrize("field,value", [("priority", 3), ("languageId", "l"), ("routingSkillsIds", ["s"]),
                                          ("routingSkillExpression", "x")])
def test_queue_fields_without_queue(field, value):
    hit = next(f for f in check({"phoneNumber": "+13175550100", field: value}).findings
               if f.code == "queue-field-without-queue")
    assert hit.severity == "warning" and hit.path == f"$.{field}"


@pytest.mark.parametrize("body", [
    {"phoneNumber": "+13175550100", "agentId": "a"},
    {"to": "+13175550100", "from": {"userId": "a"}},
    {"phoneNumber": "+13175550100", "userId": "a"},
])
def test_calling_as_another_user_names_the_right_route(body):
    hit = next(f for f in check(body).findings if f.code == "call-as-other-user")
    assert "POST /api/v2/conversations/calls/user/{userId}" in hit.message
    assert "conversation:agentlessCall:add" in hit.message


def test_user_id_alone_means_call_that_user():
    report = check({"userId": "u-1"})
    assert "call-as-other-user" not in report.codes()
    assert report.fixed == {"callUserId": "u-1"}


@pytest.mark.parametrize("body", [[{"phoneNumber": "+1"}], "text", 5, None])
def test_body_that_is_not_an_object(body):
    report = check(body)
    assert report.codes() == ["body-not-object"] and not report.valid


def test_report_json_shape():
    d = check({"to": "+13175550100"}).to_dict()
    assert set(d) == {"valid", "verdict", "refusedBy", "headline", "operation", "caller", "prediction", "findings",
                      "fixed", "notes"}
    assert d["verdict"] == "refused" and d["prediction"]["code"] == "bad.request"
    assert all("evidence" in f for f in d["findings"])
    assert set(d["findings"][0]) >= {"severity", "path", "code", "message"}


@pytest.mark.parametrize("value", ["+13175550100", "tel:+442079460958", " +1 (317) 555-0100 ", "+911", "+1",
                                   "+44 20 7946 0958 ext. 12", "+999 555", "tel:+61 000"])
@pytest.mark.parametrize("hint", ["US", "GB", "AU", "IN", "XX"])
def test_a_number_with_a_plus_reads_the_same_whatever_the_callers_region(value, hint):
    """The doctor analyses a '+' number once for every region hint: the hint must change nothing of its reading."""
    from diag.core import numbers

    assert numbers._analysed(value, hint) == numbers._analysed(value, None) == numbers.analyse(value, hint)


def _caller_ids() -> list[str]:
    """Every region's example numbers of every type, written as a caller id would be: E.164, spaced, tel:, without
    '+', one digit short and one too many (invalid), plus short, emergency, SIP and junk values."""
    import phonenumbers

    out = ["", "911", "+1 911", "+44 999", "sip:+13175550100@edge", "Acme", "555-0199", "+1", "+999 555", "tel:",
           "+13175550100;ext=2", "+44 20 7946 0958 ext. 12", "0044 20 7946 0958", "+８１ ３ １２３４ ５６７８"]
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
                     phonenumbers.PhoneNumberType.TOLL_FREE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            spaced = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
            out += [e164, spaced, "tel:" + spaced, e164[1:], e164[:-1], e164 + "7"]
    return out


def test_a_caller_ids_region_is_the_region_of_the_number_it_normalises_to():
    """caller_region reads the region from the caller id's one analysis: the answer region_of gives for its E.164
    form, for every region's numbers in every spelling (what the doctor and Fix it read other numbers with)."""
    from diag.core import numbers

    values = _caller_ids() + ["+1 117855578107", "+44 0000 000000"]   # invalid: no region of their own
    assert len(values) > 1000
    for value in values:
        assert numbers.caller_region(value) == numbers.region_of(numbers.normalise(value)), value
