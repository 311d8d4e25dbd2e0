"""A sixth attack, on the session's own token in what diag prints and keeps (a helper's, each probe kept): an answer
kept as text was cut before it was redacted, so a token across the cut survived in part; a confirmation prompt
repeated the query with its token; `diag send` printed the path as typed; a bad --sim or --region was echoed with its
user information or a pasted token; a token HTTP cannot carry was a traceback."""
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
from urllib3 import HTTPHeaderDict

import diag
from diag.app import cli
from diag.client.auth import StaticToken
from diag.client.connect import connect
from diag.core.errors import ConfigError, ConfirmationRequired, UnsafeRequest
from diag.core.regions import Region, find_region
from diag.sim import IN_PROCESS_BASE, Simulator
from diag.transport import Response

TOKEN = "Zq9x7-CANARY-token-0123456789abcdefABCDEF"


class EchoingProxy:
    """A proxy that answers 502 with a page of about 20 KB that repeats the request's credential across the 20,000th
    character (where diag kept an answer's text up to)."""

    def send(self, request):
        credential = request.headers["Authorization"].split(" ", 1)[1]
        page = "<html>" + "x" * (20000 - 6 - 30) + credential + "</html>"
        return Response(502, HTTPHeaderDict({"Content-Type": "text/html"}), page.encode())

    def close(self):
        pass


def test_an_answer_kept_as_text_is_cut_after_redaction():
    s = diag.Session("http://127.0.0.1:9", StaticToken(TOKEN), simulated=True, transport=EchoingProxy(), save=False)
    ex = s.send("GET", "/api/v2/users/me")
    kept = ex.response_body
    assert len(kept) <= 20000 and TOKEN[:12] not in kept and "[REDACTED]" in kept


def real_org():
    sim = Simulator(seed=61, overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}})
    table = {"us_east_1": Region("us_east_1", IN_PROCESS_BASE, IN_PROCESS_BASE)}
    token = sim.user_token()
    return token, connect("us_east_1", token=token, regions=table, environ={}, dotenv=None,
                          transport=sim.transport(), sleep=lambda s: None, save=False)


def test_a_confirmation_never_repeats_a_token_in_the_query():
    token, s = real_org()
    for query in (f"access_token={token}", f"x={token}"):
        with pytest.raises(ConfirmationRequired) as asked:
            s.send("POST", f"/api/v2/routing/queues?{query}", {"name": "q"})
        shown = " ".join([str(asked.value), repr(asked.value), repr(asked.value.intent), asked.value.intent.prompt()])
        assert token not in shown and token[:16] not in shown, shown
        # the yes stays bound to the exact request, query included
        intent = s.confirm_for("POST", f"/api/v2/routing/queues?{query}", {"name": "q"})
        other = s.confirm_for("POST", "/api/v2/routing/queues?x=other", {"name": "q"})
        assert intent.key != other.key


def test_diag_send_prints_the_path_redacted():
    with Simulator(seed=62) as sim:
        token = sim.user_token()
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(io.StringIO()):
            cli.main(["send", "GET", f"/api/v2/users/me?access_token={token}", "--sim", sim.base_url,
                      "--token", token])
    assert token not in out.getvalue() and "GET /api/v2/users/me" in out.getvalue()


@pytest.mark.parametrize("sim_url", ["http://admin:Zq9x7pwLEAK@127.0.0.1:38121",
                                     "http://127.0.0.1:38121/?access_token=Zq9x7pwLEAK"])
def test_a_bad_sim_url_is_not_echoed_with_its_credentials(sim_url):
    with pytest.raises(ConfigError) as refused:
        connect(sim_url=sim_url, environ={}, dotenv=None)
    assert "Zq9x7pwLEAK" not in str(refused.value) and "--sim must be" in str(refused.value)


@pytest.mark.parametrize("region", ["https://admin:Zq9x7pwLEAK@nowhere.example/", "Zq9x7pwLEAK" * 8])
def test_a_bad_region_is_not_echoed_with_its_credentials(region):
    with pytest.raises(ConfigError) as refused:
        find_region(region)
    assert "Zq9x7pwLEAK" not in str(refused.value) and "Valid regions" in str(refused.value)
    with pytest.raises(ConfigError, match="'eu_west_9'"):   # a typo is still repeated, to be seen and mended
        find_region("eu_west_9")


def test_a_token_http_cannot_carry_is_a_message_not_a_traceback():
    s = diag.Session("http://127.0.0.1:9", StaticToken("CANARY€" + "a" * 30), simulated=True, save=False)
    with pytest.raises(UnsafeRequest, match="cannot carry") as refused:
        s.send("GET", "/api/v2/users/me")
    assert "CANARY" not in str(refused.value)
    with Simulator(seed=63) as sim:
        err = io.StringIO()
        with redirect_stdout(io.StringIO()), redirect_stderr(err):
            code = cli.main(["send", "GET", "/api/v2/users/me", "--sim", sim.base_url, "--token", "CANARY€" + "b" * 30])
    assert code != 0 and "Traceback" not in err.getvalue() and "CANARY" not in err.getvalue()
