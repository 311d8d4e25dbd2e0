"""What dials, on every operation: the classification of every write field, the gate that reads it on a real org,
and the false positives that must not come back. Probes written as an attacker (or a hurried user) would try them
first: a session diag treats as a real org, on the in-process simulator, where nothing can ring."""
from __future__ import annotations

import json
import re
from functools import lru_cache

import phonenumbers
import pytest

from tests import official_sdk
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag.client.connect import connect
from diag.core import contract, dial_rules, dials
from diag.core.doctor import check, check_for_operation
from diag.core.errors import BlockedNumber, ConfigError, ConfirmationRequired, NumberNotAllowed
from diag.sim import Simulator

from .conftest import sessions, yes

CALLS = "/api/v2/conversations/calls"
EMERGENCY_SPELLINGS = ["911", "9911", "1911", "+1 911", "+1 911 555 0100", "112", "0112", "000", "tel:911",
                       "sip:911@edge.example", "９１１", "9-1-1", "+13175550100;ext=911", "+13175550100,,911", 911,
                       int("911" + "0" * 40)]
SHORT_AND_SERVICE = ["116123", "411", "*67 +13175550100", "#31#+13175550100", "1234"]


@pytest.fixture
def sim():
    return Simulator(seed=31, overrides={"rate_limit": {"requests": 10 ** 9, "window_seconds": 60}})


# ---- the classification: every write field and operation, reviewed -------------------------------------------

def _descriptions():
    official_sdk.sdk()   # the oracle: the installed SDK
    import importlib.util
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("regenerate_contract", root / "scripts" / "regenerate_contract.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("regenerate_contract", module)
    spec.loader.exec_module(module)
    return module, root


@lru_cache(maxsize=1)
def derived():
    module, root = _descriptions()
    table = dial_rules.derive(contract.operations(), contract.model, module.field_descriptions(contract.model_names()))
    return table, root


@pytest.mark.sdk
def test_the_listing_holds_every_write_operation_and_field_as_the_rules_say():
    """Fails when a new SDK brings a write operation or field the reviewed listing does not hold, or when a rule or
    an exception changed without `make contract` (then review the listing's difference)."""
    table, root = derived()
    listing = (root / "docs" / "reference" / "what-dials.md").read_text()
    version = contract.sdk_version()
    assert listing == dial_rules.listing(table, f"PureCloudPlatformClientV2 {version}"), \
        "docs/reference/what-dials.md is not what the rules give: run `make contract` and review the difference"
    shipped = json.loads((contract.CONTRACT_DIR / "dialling.json").read_text())
    assert shipped["x-sdk"]["version"] == version
    non_data = {m: {w: c for w, (c, _) in fs.items() if c != dials.DATA} for m, fs in table["fields"].items()}
    assert {m: fs for m, fs in non_data.items() if fs} == shipped["fields"]
    assert {k for k, o in table["operations"].items() if o["class"] != dials.NONE} == set(shipped["operations"])
    writes = {f"{o['method']} {o['path']}" for o in contract.operations() if o["method"] in dials.WRITES}
    assert writes == set(table["operations"]) and len(writes) > 1700


@pytest.mark.sdk
def test_the_listing_says_what_each_named_field_is():
    table, _ = derived()
    fields, ops = table["fields"], table["operations"]
    dialled = {("CreateCallRequest", "phoneNumber"), ("Destination", "address"), ("CallCommand", "callNumber"),
               ("CreateCallbackCommand", "callbackNumbers"), ("PatchCallbackRequest", "callbackNumbers"),
               ("FaxSendRequest", "addresses"), ("SendAgentlessOutboundMessageRequest", "toAddress"),
               ("CreateOutboundMessagingConversationRequest", "toAddress"), ("TransferRequest", "address"),
               ("TransferToExternalRequest", "address"), ("ConsultTransferToExternal", "address"),
               ("ConsultTransferToAddress", "address"), ("TransferToAddressRequest", "address"),
               ("CallTarget", "value"), ("CallForwarding", "phoneNumber")}
    for model, wire in dialled:
        assert fields[model][wire][0] == dials.DIAL, (model, wire)
    for model in ("DialerContact", "WritableDialerContact"):
        assert fields[model]["data"][0] == dials.COLUMNS
    data = {("CreateCallRequest", "attributes"), ("CreateCallRequest", "callerId"), ("CreateCallRequest", "uuiData"),
            ("CreateCallRequest", "label"), ("CreateCallRequest", "callerIdName"), ("Campaign", "callerAddress"),
            ("SendAgentlessOutboundMessageRequest", "fromAddress"), ("CreateEmailRequest", "toAddress"),
            ("DncPatchPhoneNumbersRequest", "phoneNumbers")}
    for model, wire in data:
        assert fields[model][wire][0] == dials.DATA, (model, wire)
    assert fields["ConsultTransferToAgent"]["userId"][0] == dials.USER
    assert fields["TransferToQueueRequest"]["queueId"][0] == dials.QUEUE
    expect = {f"POST {CALLS}/{{conversationId}}": (dials.DIALS, "callback"),
              "POST /api/v2/conversations/messages": (dials.DIALS, "message"),
              "POST /api/v2/conversations/messages/agentless": (dials.DIALS, "message"),
              "POST /api/v2/conversations/faxes": (dials.DIALS, "fax"),
              "PUT /api/v2/users/{userId}/callforwarding": (dials.DIALS, "forward"),
              "POST /api/v2/outbound/contactlists/{contactListId}/contacts": (dials.DIALS, "campaign"),
              "POST /api/v2/outbound/campaigns/{campaignId}/start": (dials.DIALS_UNNAMED, "campaign"),
              "PUT /api/v2/outbound/campaigns/{campaignId}": (dials.DIALS_UNNAMED, "campaign"),
              "POST /api/v2/users": (dials.STORES, None),
              "POST /api/v2/analytics/conversations/aggregates/query": (dials.NONE, None)}
    for key, (kind, medium) in expect.items():
        assert (ops[key]["class"], ops[key]["medium"]) == (kind, medium), key


# ---- bodies that put a value in each dialled field ---------------------------------------------------------------

def _shape(model: str, chain: tuple[str, ...], value):
    """A body of `model` with `value` at the end of `chain` (lists and maps wrapped as the model's types say)."""
    if not chain:
        return value
    spec = contract.model(model)
    t = spec["fields"][chain[0]]["t"]
    return {chain[0]: _wrap(t, chain[1:], value)}


def _wrap(t: str, rest: tuple[str, ...], value):
    if t.startswith("list["):
        return [_wrap(t[5:-1], rest, value)]
    if t.startswith("dict("):
        return {"Cell": _wrap(t[5:-1].split(",", 1)[1].strip(), rest, value)}
    return _shape(t, rest, value) if rest else value


@lru_cache(maxsize=1)
def dialled_positions() -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path with ids filled in, field chain) for the nearest copy of every dialled field of every operation
    that dials: generated from the classification, so a new dialled field is probed without a new test."""
    shipped = json.loads((contract.CONTRACT_DIR / "dialling.json").read_text())
    out = []
    for key, op in sorted(shipped["operations"].items()):
        if op["class"] != dials.DIALS or not op.get("body"):
            continue
        method, template = key.split(" ", 1)
        path = re.sub(r"\{[^}]+\}", "id-1", template)
        root = op["body"][5:-1] if op["body"].startswith("list[") else op["body"]
        seen, queue = {root}, [(root, ())]
        while queue:
            model, chain = queue.pop(0)
            spec = contract.model(model)
            for wire, f in (spec or {"fields": {}})["fields"].items():
                if shipped["fields"].get(model, {}).get(wire) in (dials.DIAL, dials.COLUMNS):
                    out.append((method, path, op["body"], root, chain + (wire,)))
                inner = re.sub(r"^(?:list\[|dict\(str, )|[\])]+$", "", f["t"])
                if contract.model(inner) is not None and inner not in seen and len(chain) < 3:
                    seen.add(inner)
                    queue.append((inner, chain + (wire,)))
    return out


def body_for(body_type: str, root: str, chain: tuple[str, ...], value):
    inner = _shape(root, chain, value)
    return [inner] if body_type.startswith("list[") else inner


def test_every_dialling_operation_has_a_dialled_position_to_probe():
    ops = {(m, p) for m, p, *_ in dialled_positions()}
    assert len(dialled_positions()) >= 40 and len(ops) >= 25
    assert ("POST", f"{CALLS}/id-1") in ops and ("POST", "/api/v2/conversations/faxes") in ops


def test_the_reading_refuses_every_emergency_spelling_in_every_dialled_field():
    """Exhaustive, without sends: each dialled field of each operation, each spelling, as the gate reads it."""
    missed = []
    for method, path, body_type, root, chain in dialled_positions():
        for value in EMERGENCY_SPELLINGS + SHORT_AND_SERVICE:
            reading = dials.read(method, path, body_for(body_type, root, chain, value))
            refused = [dials.refusal(p, real=True) for p in reading.positions if p.value == value]
            if not refused or not all(refused):
                missed.append((method, path, chain, value))
    assert missed == []


SAMPLED = settings(max_examples=150, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@SAMPLED
@given(st.data())
def test_a_real_org_never_receives_an_emergency_number_in_any_dialled_field(sim, data):
    method, path, body_type, root, chain = data.draw(st.sampled_from(dialled_positions()))
    value = data.draw(st.sampled_from(EMERGENCY_SPELLINGS + SHORT_AND_SERVICE))
    _, real = sessions(sim)
    before = sim.requests_received(method, path)
    with pytest.raises(BlockedNumber):
        real.send(method, path, body_for(body_type, root, chain, value), confirm=yes)
    assert sim.requests_received(method, path) == before


@SAMPLED
@given(st.data())
def test_the_number_allow_list_holds_on_every_dialled_field(sim, data):
    method, path, body_type, root, chain = data.draw(st.sampled_from(dialled_positions()))
    plain, real = sessions(sim, allowed_numbers=["+13175550100"], allowed_users=["id-1"])   # the path's user
    probe = body_for(body_type, root, chain, "+442079460958")
    roles = {p.role for p in dials.read(method, path, probe).positions if p.value == "+442079460958"}
    columns = roles == {dials.COLUMNS}   # a simulator has no dialler: contact columns ring nothing there
    for s in (real,) if columns else (plain, real):
        with pytest.raises(NumberNotAllowed):
            s.confirm_for(method, path, body_for(body_type, root, chain, "+442079460958"))
    intent = real.confirm_for(method, path, body_for(body_type, root, chain, "+13175550100"))
    assert intent is not None and "+13175550100" in intent.prompt()


# ---- the findings of the attack, each a probe ---------------------------------------------------------------------

@pytest.mark.parametrize("value", ["9911", "1911", "+1 911 555 0100", "116123", "+13175550100;ext=911"])
def test_a_callback_call_number_is_dialled(sim, value):
    _, real = sessions(sim)
    with pytest.raises(BlockedNumber):
        real.send("POST", f"{CALLS}/c0nv-1", {"callNumber": value}, confirm=yes)
    assert sim.requests_received("POST", f"{CALLS}/c0nv-1") == 0


@pytest.mark.parametrize("path", ["/api/v2/conversations/messages", "/api/v2/conversations/messages/agentless"])
@pytest.mark.parametrize("value", ["9911", "1911"])
def test_an_sms_recipient_is_dialled(sim, path, value):
    _, real = sessions(sim)
    with pytest.raises(BlockedNumber):
        real.send("POST", path, {"toAddress": value, "toAddressMessengerType": "sms", "textBody": "hi",
                                 "fromAddress": "+13175550199"}, confirm=yes)


def test_fax_addresses_and_contact_columns_are_dialled(sim):
    _, real = sessions(sim)
    with pytest.raises(BlockedNumber):
        real.send("POST", "/api/v2/conversations/faxes", {"addresses": ["+13175550100", "9911"]}, confirm=yes)
    for column in ("Cell", "phone_number"):
        with pytest.raises(BlockedNumber) as info:
            real.send("POST", "/api/v2/outbound/contactlists/cl-1/contacts",
                      [{"data": {"name": "Pat", column: "9911"}}], confirm=yes)
        assert f"contact column `{column}`" in str(info.value)


def test_allow_lists_apply_to_every_operation(sim):
    plain, real = sessions(sim, allowed_numbers=["+13175550100"], allowed_users=["u-allowed"])
    probes = [(f"{CALLS}/c-1", {"callNumber": "+13175550109"}),
              ("/api/v2/conversations/messages/agentless", {"toAddress": "+13175550109",
                                                             "toAddressMessengerType": "sms", "textBody": "hi"}),
              ("/api/v2/conversations/faxes", {"addresses": ["+13175550109"]}),
              (f"{CALLS}/c-1/participants/p-1/consult", {"speakTo": "BOTH", "destination": {"userId": "u-other"}}),
              (f"{CALLS}/c-1/participants/p-1/replace", {"userId": "u-other"}),
              ("/api/v2/conversations/c-1/participants/p-1/replace/agent", {"userId": "u-other"})]
    for s in (plain, real):
        for path, body in probes:
            with pytest.raises(NumberNotAllowed):
                s.confirm_for("POST", path, body)
    assert real.confirm_for("POST", f"{CALLS}/c-1/participants/p-1/replace", {"userId": "u-allowed"}) is not None


def test_the_confirmation_names_each_destination_and_what_happens(sim):
    _, real = sessions(sim)
    prompt = real.confirm_for("POST", f"{CALLS}/c0nv-1", {"callNumber": "+13175550100"}).prompt()
    assert "+13175550100" in prompt and "real phone will ring" in prompt and sim.org.name in prompt
    prompt = real.confirm_for("POST", "/api/v2/conversations/messages/agentless",
                              {"toAddress": "+13175550104", "toAddressMessengerType": "sms"}).prompt()
    assert "+13175550104" in prompt and "message will be sent" in prompt
    prompt = real.confirm_for("POST", "/api/v2/conversations/faxes", {"addresses": ["+13175550105"]}).prompt()
    assert "+13175550105" in prompt and "fax will be sent" in prompt
    prompt = real.confirm_for("POST", f"{CALLS}/c-1/participants/p-1/replace", {"userId": "u-9"}).prompt()
    assert "user u-9" in prompt
    prompt = real.confirm_for("PATCH", "/api/v2/users/u-1", {"name": "Pat"}).prompt()
    assert "nothing in it rings" in prompt
    with pytest.raises(ConfirmationRequired) as info:   # the yes is bound to the number named
        real.send("POST", f"{CALLS}/c0nv-1", {"callNumber": "+13175550100"}, confirm="+13175550199")
    assert "+13175550100" in info.value.prompt


def test_an_operation_that_starts_dialling_says_so_and_is_refused_under_an_allow_list(sim):
    _, real = sessions(sim)
    prompt = real.confirm_for("PUT", "/api/v2/outbound/campaigns/cmp-1", {"name": "x", "campaignStatus": "on"}).prompt()
    assert "This starts the campaign" in prompt and "cannot see whom it will reach" in prompt
    prompt = real.confirm_for("PUT", "/api/v2/outbound/campaigns/cmp-1", {"name": "x", "campaignStatus": "off"}).prompt()
    assert "starts" not in prompt
    _, listed = sessions(sim, allowed_numbers=["+13175550100"])
    for method, path, body in [("POST", "/api/v2/outbound/campaigns/cmp-1/start", None),
                               ("PUT", "/api/v2/outbound/campaigns/cmp-1", {"campaignStatus": "on"}),
                               ("POST", f"{CALLS}/c-1/participants/p-1/consult/contact/external",
                                {"contactId": "ec-1", "phoneType": "Cell"})]:
        with pytest.raises(NumberNotAllowed) as info:
            listed.confirm_for(method, path, body)
        assert "cannot check whom it will reach" in str(info.value)
    assert listed.confirm_for("PUT", "/api/v2/outbound/campaigns/cmp-1", {"campaignStatus": "off"}) is not None


@pytest.mark.parametrize("entry", ["+1317555O100", "+13175550100 (desk)", "call me", "911"])
def test_an_allow_list_entry_that_cannot_be_read_stops_connect(entry):
    env = {"DIAG_ALLOWED_NUMBERS": f"+13175550101, {entry}"}
    with pytest.raises(ConfigError) as info:
        connect(environ=env, dotenv=None)
    message = str(info.value)
    assert "DIAG_ALLOWED_NUMBERS" in message and "entry 2 of 2" in message
    assert "3175550100" not in message    # named, but masked: numbers never appear whole in output


@pytest.mark.parametrize("entry", ["5f3 (desk)", "u 1"])
def test_a_user_or_queue_allow_list_entry_that_cannot_be_read_stops_connect(entry):
    for name in ("DIAG_ALLOWED_USERS", "DIAG_ALLOWED_QUEUES"):
        with pytest.raises(ConfigError) as info:
            connect(environ={name: f"u-1,{entry}"}, dotenv=None)
        assert name in str(info.value) and "entry 2 of 2" in str(info.value)


def test_a_pseudonym_from_a_ticket_is_never_dialled(sim):
    for s in sessions(sim):
        for body in ({"phoneNumber": "+1-PN1A2B3C4D"}, {"participants": [{"address": "PN0A1B2C3D"}]}):
            with pytest.raises(BlockedNumber) as info:
                s.call(body, confirm=yes)
            assert "Put the real number back" in str(info.value)
    report = check({"phoneNumber": "+44-PN0A1B2C3D"})
    assert report.blocked and report.headline == "diag never sends this"
    assert sim.calls_placed == 0


# ---- false positives: what must go through, with nothing untrue said ---------------------------------------------

CRM_CLICK_TO_DIAL = {"phoneNumber": "+13175550100", "attributes": {"crmAccountId": "001ABC", "caseId": "500-112",
                                                                   "accountNumber": "911"}}
PLACEHOLDERS = ["uuid-123", "agent-id-123", "abc-123-xyz", "5f3e2a1c-0000-4000-8000-000000000112",
                "alice@example.com", "2026-12-06T10:00:00Z", "INC-112", "v1.1.2"]


def test_a_real_click_to_dial_body_is_sent_on_both_policies(sim):
    for s in sessions(sim):
        assert s.call(CRM_CLICK_TO_DIAL, confirm=yes).status == 200
    report = check(CRM_CLICK_TO_DIAL)
    assert report.verdict == "sendable" and report.findings == []
    assert sim.calls_placed == 2


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_placeholder_ids_under_unknown_keys_are_data(sim, value):
    body = {"phoneNumber": "+13175550100", "agentRef": value}
    for s in sessions(sim):
        assert s.call(body, confirm=yes).status == 200
    report = check(body)
    assert report.verdict != "refused" and report.headline != "Genesys refuses this"
    assert not any("emergency" in f.message or "dials" in f.message for f in report.findings), report.findings


def test_an_unknown_key_that_reads_as_a_number_is_refused_truthfully_on_a_real_org(sim):
    plain, real = sessions(sim)
    with pytest.raises(BlockedNumber) as info:
        real.call({"phoneNumber": "+13175550100", "dialString": "9911"}, confirm=yes)
    message = str(info.value)
    assert "`dialString` is not a field of CreateCallRequest" in message
    assert "diag cannot know whether Genesys reads it" in message and "Remove it or fix the body" in message
    assert plain.call({"phoneNumber": "+13175550100", "dialString": "9911"}).status == 200   # the model ignores it
    intent = real.confirm_for("POST", CALLS, {"phoneNumber": "+13175550100", "backup": "+13175550101"})
    assert "+13175550101 (under `backup`, not a field of the model: may be dialled)" in intent.prompt()


@pytest.mark.parametrize("body", [
    {"participants": [{"address": "+13175550100"}], "attributes": {"order": "000112"}},
    {"callUserId": "5f3e2a1c-0000-4000-8000-000000000911"},
    {"phoneNumber": "+13175550100", "uuiData": "911", "label": "112", "callerIdName": "Suite 911"}])
def test_identifiers_attributes_and_account_numbers_are_sent(sim, body):
    plain, real = sessions(sim)
    assert plain.confirm_for("POST", CALLS, body) is None          # the simulator needs no yes, and refuses nothing
    assert real.confirm_for("POST", CALLS, body) is not None       # a real org: a yes, no refusal
    assert check(body).verdict != "refused"


def test_every_example_number_of_every_region_is_sent_in_a_dialled_field(sim):
    """libphonenumber's example numbers of every region and type: none refused by the reading of a dialled field on
    a real org (the reading depends on the value and its role, not the field), and each field takes one of them."""
    types = [phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
             phonenumbers.PhoneNumberType.TOLL_FREE, phonenumbers.PhoneNumberType.VOIP]
    examples = sorted({phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)
                       for r in phonenumbers.SUPPORTED_REGIONS for t in types
                       if (n := phonenumbers.example_number_for_type(r, t))})
    position = dials.Position("$.phoneNumber", "", dials.DIAL, "CreateCallRequest.phoneNumber")
    refused = [n for n in examples
               if dials.refusal(dials.Position(position.path, n, dials.DIAL, position.field), real=True)]
    assert len(examples) > 700 and refused == []
    _, real = sessions(sim)
    for i, (method, path, body_type, root, chain) in enumerate(dialled_positions()):
        real.confirm_for(method, path, body_for(body_type, root, chain, examples[i * 7 % len(examples)]))


def test_the_doctor_and_the_gate_say_who_refuses():
    blocked = check({"phoneNumber": "911"})
    assert blocked.verdict == "refused" and blocked.refused_by == "diag"
    assert blocked.headline == "diag never sends this" and blocked.prediction.status == 200
    real_only = check({"phoneNumber": "116123"})
    assert real_only.verdict != "refused" and real_only.valid
    warning = next(f for f in real_only.findings if f.code == "refused-on-real-org")
    assert warning.message.startswith("diag will not send this to a real org:")
    report = check_for_operation(f"POST {CALLS}/{{conversationId}}", {"callNumber": "9911"})
    assert report.blocked and report.headline == "diag never sends this"
