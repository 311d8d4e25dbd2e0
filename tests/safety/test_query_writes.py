"""Writes that only run a query pass the gate on a real org without a confirmation (the usage jobs, the
operational events and the audits queries added with Genesys' side of a call); anything else written still needs
one, a path that only starts like a query included."""
import datetime as dt

import pytest

from diag.core.errors import ConfirmationRequired


def window() -> str:
    end = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return f"{(end - dt.timedelta(days=7)).isoformat()}/{end.isoformat()}".replace("+00:00", "Z")


@pytest.mark.parametrize("path,body", [
    ("/api/v2/usage/aggregates/query/jobs", {"interval": None, "granularity": "Day"}),
    ("/api/v2/usage/events/query", {"interval": None}),
    ("/api/v2/audits/query", {"interval": None}),
])
def test_a_query_is_sent_on_a_real_org_without_asking(real, path, body):
    _, s = real
    ex = s.send("POST", path, {**body, "interval": window()})
    assert ex.status == 200, (ex.status, ex.error_code)


@pytest.mark.parametrize("path", ["/api/v2/audits/query/extra", "/api/v2/usage/events/query/x",
                                  "/api/v2/usage/aggregates/query/jobs/x", "/api/v2/conversations/calls"])
def test_anything_else_written_still_needs_a_yes(real, path):
    _, s = real
    with pytest.raises(ConfirmationRequired):
        s.send("POST", path, {"phoneNumber": "+13175550100"})
