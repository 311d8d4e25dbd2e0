"""The server model against real, public request/response pairs (tests/data/calibration/pairs.jsonl, each with its
source and a verbatim quote; NOTES.md says how they were found and what was left out).

Every pair is one of:
  predictable  the answer follows from the request and the caller: the model must give it (status, and the code
               and message where the source shows them);
  state        the answer depends on the org's state at the time (an ended conversation, a version, a campaign's
               status, a clear in progress, a rate limit): outside the model, which answers as if the state allowed it;
  unverifiable the source shows no status, or no request to rebuild (counted, not compared).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from diag.core import model
from diag.core.model import Caller

PAIRS = {p["id"]: p for p in map(json.loads, (Path(__file__).parents[1] / "data" / "calibration" / "pairs.jsonl")
                                 .read_text().splitlines())}
USER = model.DEMO
CLIENT = Caller("client", frozenset(), None, "an OAuth client")
NOBODY = Caller("user", frozenset(), True, "a user without those permissions")

# id -> (method, path, body, caller, what to compare). Bodies are the sources' own (placeholders as given).
PREDICTABLE = {
    "usage-query-post-202": ("POST", "/api/v2/usage/query", "source", USER, ("status",)),
    "calls-create-client-credentials-400": ("POST", "/api/v2/conversations/calls", {"phoneNumber": "+13175550100"},
                                            CLIENT, ("status",)),
    "calls-participant-attributes-wrapup-400": ("PATCH", "/api/v2/conversations/calls/c1/participants/p1/attributes",
                                                "source", USER, ("status", "code", "message")),
    "messages-create-outbound-sms-202": ("POST", "/api/v2/conversations/messages", "source", USER, ("status",)),
    "users-me-client-credentials": ("GET", "/api/v2/users/me", model.NOT_GIVEN, CLIENT, ("message",)),
    "routing-queue-put-invalid-mode-400": ("PUT", "/api/v2/routing/queues/q1",
                                           {"name": "Queue", "mediaSettings": {"callback": {"mode": ""}}}, USER,
                                           ("status", "message")),
    "journey-actionmaps-get-403-missing-any": ("GET", "/api/v2/journey/actionmaps", model.NOT_GIVEN, NOBODY,
                                               ("status", "message")),
    "processautomation-triggers-get-403-beta": ("GET", "/api/v2/processautomation/triggers", model.NOT_GIVEN, NOBODY,
                                                ("status", "message")),
    "architect-ivrs-get-403-missing-permissions": ("GET", "/api/v2/architect/ivrs", model.NOT_GIVEN, NOBODY,
                                                   ("status",)),
    "analytics-details-query-ok": ("POST", "/api/v2/analytics/conversations/details/query", "source", USER,
                                   ("ok",)),
    "calls-make-forcedisconnect-body": ("POST", "/api/v2/conversations/calls", "source", USER, ("ok",)),
}
STATE = {"calls-consult-not-connected-400", "chats-participant-patch-403-not-authorized",
         "emails-participant-patch-403-data-action", "users-station-associate-409-version",
         "routing-skillgroups-get-429", "outbound-contactlist-update-phone-columns-400",
         "outbound-campaign-stop-bad-transition-400", "outbound-contacts-add-during-clear-400",
         "notifications-subscribe-adherence-403", "platform-429-normalized-shape", "architect-ivr-put-429-parallel"}
UNVERIFIABLE = {"usage-results-running", "usage-results-complete", "analytics-details-totalhits-drift",
                "analytics-flow-aggregates-groupby-unsupported", "oauth-token-invalid-client-wrong-region"}


def _response(pair: dict) -> dict:
    r = pair["response"]
    return r.get("body", r) if isinstance(r, dict) else {}


def test_every_pair_is_accounted_for_and_sourced():
    assert set(PAIRS) == set(PREDICTABLE) | STATE | UNVERIFIABLE
    for p in PAIRS.values():
        assert p["source"] and p["quote"] and p["confidence"] in ("verbatim", "paraphrase")


@pytest.mark.parametrize("pair_id", sorted(PREDICTABLE))
def test_the_model_gives_the_real_answer(pair_id):
    pair = PAIRS[pair_id]
    method, path, body, caller, compare = PREDICTABLE[pair_id]
    if body == "source":
        body = pair["request_body"]
    got = model.answer(model.Request(method, path, body), caller)
    real = _response(pair)
    if "status" in compare:
        assert got.status == pair["status"], (got, pair["status"])
    if "code" in compare:
        assert got.code == real["code"]
    if "message" in compare:
        assert got.message == real["message"], (got.message, real["message"])
    if "ok" in compare:
        assert got.ok, got


def test_state_dependent_answers_are_outside_the_model():
    """The model answers these as if the org's state allowed them: it says nothing untrue, and the note in the
    README counts them as outside it."""
    consult = PAIRS["calls-consult-not-connected-400"]
    got = model.answer(model.Request("POST", "/api/v2/conversations/calls/c1/participants/p1/consult",
                                     consult["request_body"]))
    assert got.ok and got.evidence == model.SDK_MODEL


def test_the_tally_the_readme_quotes():
    """README: "11 of 11 predictable pairs; 11 depend on the org's state; 5 cannot be compared"."""
    assert (len(PREDICTABLE), len(STATE), len(UNVERIFIABLE)) == (11, 11, 5)
