"""The doctor and the gate say the same thing about a body, for every write that dials: what the doctor calls
"diag never sends this" the gate refuses on both policies; what it says diag will not send to a real org the gate
refuses there and sends to the simulator; what it does not mention goes out on both. Generated over the dialled
fields of every operation (from the classification), unknown keys and data fields, with values from every kind a
person pastes."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag.core import dials
from diag.core.doctor import check_for_operation
from diag.core.errors import BlockedNumber

from .conftest import sessions
from .test_what_dials import body_for, dialled_positions

VALUES = ["911", "9911", "+1 911 555 0100", "112", "tel:000", "+13175550100;ext=911", "116123", "411", "*67 911",
          "+13175550100", "+442079460958", "3172222222", "+1 (317) 555-0100", "sip:alice@example.com",
          "ForceDisconnect@localhost", "uuid-123", "001ABC", "INC-112", "2026-12-06", "+1-PN1A2B3C4D", 911,
          13175550100, 9.11, "", "caller 911", "１１２"]
SETTINGS = settings(max_examples=400, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _template(method: str, path: str) -> str:
    reading = dials.read(method, path, None)
    return reading.operation


@SETTINGS
@given(st.data())
def test_the_doctor_says_what_the_gate_does(data):
    from diag.sim import Simulator

    sim = Simulator(seed=5)
    method, path, body_type, root, chain = data.draw(st.sampled_from(dialled_positions()))
    value = data.draw(st.sampled_from(VALUES))
    where = data.draw(st.sampled_from(["field", "unknown key", "data"]))
    body = body_for(body_type, root, chain, value)
    if where == "unknown key" and isinstance(body, dict):
        body = {**body_for(body_type, root, chain, "+13175550100"), "dialString": value}
    elif where == "data" and isinstance(body, dict) and root == "CreateCallRequest":
        body = {"phoneNumber": "+13175550100", "attributes": {"note": str(value)}, "uuiData": str(value)}
    report = check_for_operation(_template(method, path), body)
    never = report.blocked
    real_only = any(f.code == "refused-on-real-org" for f in report.findings)
    plain, real = sessions(sim)
    outcomes = []
    for s in (plain, real):
        try:
            s.confirm_for(method, path, body)
            outcomes.append("sent")
        except BlockedNumber:
            outcomes.append("refused")
    expected = ["refused", "refused"] if never else ["sent", "refused"] if real_only else ["sent", "sent"]
    assert outcomes == expected, (method, path, body, report.codes())
