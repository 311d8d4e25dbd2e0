"""A ninth look at redaction: a secret named within a line of text ("login failed for bob, password: hunter2"), as
logs, error messages and notes write it. Only a line that began with the name lost its value before."""
import json

import pytest

from diag.core.inspect import inspect
from diag.core.redact import Redactor
from diag.reports.bundle import build_bundle
from tests.reliability.test_red_team_privacy_round8 import IE, entry, har, texts_of
from tests.linear import in_linear_time

SECRET = "Zq7Vx9Kp2"


@pytest.mark.parametrize("text", [f"Login failed for user bob, password: {SECRET}!", f"retry with pwd: {SECRET}",
                                  f"at 10:00 password: {SECRET}.", f"- client_secret: {SECRET} # from the vault",
                                  f"user=bob passphrase:{SECRET} ok", f"(apiKey: {SECRET})",
                                  f"10:00:00 ERROR auth failed api_key: {SECRET}, retrying"])
def test_a_secret_named_within_a_line_goes_and_is_sought_elsewhere(text):
    red = Redactor()
    out = red.text(text)
    assert SECRET not in out and "[REDACTED]" in out, out
    assert SECRET not in red.text(f"the same {SECRET} in another field")   # learned where it stood


@pytest.mark.parametrize("text", ['login failed for bob, password: "Zq7Vx9Kp2"', "- x: 1, password: 'Zq7Vx9Kp2'",
                                  "retry with client_secret: `Zq7Vx9Kp2` now", "login user:admin|password:Zq7Vx9Kp2 x",
                                  "ctx:password:Zq7Vx9Kp2", "x password:\u00a0Zq7Vx9Kp2", "x password\uff1a Zq7Vx9Kp2",
                                  # a second review: prefixed names, and a mark or bracket stuck to the value
                                  "failed db_password: Zq7Vx9Kp2 host=db1", "x X-Auth-Token: Zq7Vx9Kp2",
                                  "x api_secret: Zq7Vx9Kp2", "x SMTP_PASSWORD: Zq7Vx9Kp2", "x auth_token: Zq7Vx9Kp2",
                                  "x password: Zq7Vx9Kp2;user=bob", "x password: (Zq7Vx9Kp2)"])
def test_a_secret_named_within_a_line_goes_quoted_after_another_pair_or_after_other_blanks(text):
    """A helper's review: quoted values, a pair right after another, a no-break space or a full-width colon."""
    out = Redactor().text(text)
    assert SECRET not in out and "[REDACTED]" in out, out


@pytest.mark.parametrize("prose", ["x Next token refresh: 10:00:00 UTC", "x WebRTC media session: 10.0.0.12 closed",
                                   "x rejected for sessionId: 3f2a1b4c-1111-4222-8333-444455556666.",
                                   "x (a client-credentials token: 300 per minute)", "x credentials: 2 stored",
                                   "x max_tokens: 1000 used", "x Step 2 of token refresh: 401 Unauthorized",
                                   "x session: 1 of 3", "x hmac: HmacSHA256.", "x refreshed: 2026-11-28T10:00:00Z.",
                                   "x password: 12 characters at least"])
def test_what_prose_writes_after_a_name_within_a_line_is_kept_and_never_learned(prose):
    """My first version of the rule learned times, addresses and ids written after 'token', 'session' or
    'refresh' as secrets (every timestamp then lost its time, and the ticket refused itself), and cut diag's own
    429 explanation ('token: 300 per minute')."""
    red = Redactor()
    assert red.text(prose) == prose
    assert red.known == 0


def test_a_ticket_of_evidence_whose_message_names_a_time_after_a_token_is_made(tmp_path):
    found = inspect(har(entry("GET", IE + "/api/v2/users/me", 401, answer={
        "code": "bad.credentials", "status": 401, "message": "Next token refresh: 10:00:00 UTC"},
        started="2026-11-28T10:00:00.000Z")))
    files = texts_of(build_bundle(tmp_path / "t.zip", [], evidence=found).path)
    assert "10:00:00" in "".join(files.values())


@pytest.mark.parametrize("prose", ["Doctor's verdict for a user token: **Genesys refuses this**",
                                   "the token: expired yesterday", "Error code: bad.request at 10:00:00",
                                   "sessionId: 0a000000-0000-4000-8000-0000000000a1 at 10:00",
                                   "the password: REDACTED by the customer", "see https://example.com:8443/a",
                                   "token: placeholder, code: 400 at 10:00"])
def test_a_word_of_prose_after_a_secrets_name_within_a_line_is_kept(prose):
    assert Redactor().text(prose) == prose


def test_a_log_line_in_a_customers_har_never_reaches_the_ticket(tmp_path):
    """A text answer (a proxy's or a data action's log) naming the password within a line."""
    found = inspect(har(entry("POST", IE + "/api/v2/integrations/actions/a1/execute", 500, body={},
                              answer={"code": "internal.server.error", "status": 500,
                                      "message": f"upstream said: login failed for svc, password: {SECRET}."})))
    assert SECRET not in json.dumps(found.to_dict())
    files = texts_of(build_bundle(tmp_path / "t.zip", [], evidence=found,
                                  notes=[f"customer wrote: it fails with password: {SECRET}"]).path)
    assert SECRET not in "".join(files.values())


def test_a_long_text_of_named_values_is_read_in_linear_time():
    with in_linear_time():
        Redactor().text("a" * 200_000 + ": x1")
        Redactor().text("password: " * 20_000 + "x1")
        Redactor().text("x:" * 100_000)


@pytest.mark.parametrize("tag", ['<input name="client_secret" data-value="" value="Zq7Vx9Kp2">',
                                 '<input data-name="x" name="password" value="Zq7Vx9Kp2">',
                                 '<input type=hidden name=password value=Zq7Vx9Kp2>',
                                 "<input\tname='pwd'\nvalue='Zq7Vx9Kp2'/>"])
def test_a_form_inputs_secret_is_read_by_its_own_attributes_quoted_or_not(tag):
    """data-value="" before value= was read as the value (the secret stayed), data-name= as the name, and an
    unquoted value was not read at all."""
    out = Redactor().text(f"<form>{tag}</form>")
    assert SECRET not in out and "[REDACTED]" in out, out


def test_an_input_named_otherwise_keeps_its_value_whatever_its_data_attributes_say():
    tag = '<form><input name="username" data-name="password" value="alice"></form>'
    assert Redactor().text(tag) == tag


@pytest.mark.parametrize("url", ["https://svc:Zq7@Vx9Kp2@host/x", "redis://:Zq7Vx9Kp2@cache:6379/0",
                                 "amqp://svc:Zq7Vx9@Kp2@broker/vhost?heartbeat=30"])
def test_a_urls_password_goes_whole_also_with_an_at_sign_written_as_is(url):
    """An '@' inside the password (not percent-escaped, as people write it) left the part after it in the text."""
    out = Redactor().text(f"connect to {url} failed")
    assert "Kp2" not in out and "Zq7" not in out and "@" in out, out


def test_a_long_authority_of_at_signs_is_read_in_linear_time():
    with in_linear_time():
        Redactor().text("a://x:" + "@" * 200_000 + " end")
        Redactor().text("a://x:y" * 30_000 + "@h")


def test_a_setting_about_a_credential_keeps_its_value_and_the_credential_beside_it_goes():
    """The SDK's own names of settings (OAuthClient.accessTokenValiditySeconds, the org's idle-token timeout, a
    token's storage location) showed [REDACTED] where a support engineer needs the value; their secrets still go."""
    settings = {"accessTokenValiditySeconds": 86400, "idleTokenTimeoutSeconds": 900, "enableIdleTokenTimeout": True,
                "tokenStorageLocation": "sessionStorage", "convertedTokenCount": 3, "tokenConversionRate": 1.5,
                "secretSize": 32, "credentialTypes": ["basic"], "clientSecretProvided": True}
    red = Redactor()
    out = red.value({**settings, "clientSecret": SECRET, "accessToken": SECRET + "x", "token_count_secret": SECRET})
    assert {k: out[k] for k in settings} == settings
    assert out["clientSecret"] == out["accessToken"] == out["token_count_secret"] == "[REDACTED]"
    assert red.headers({"X-Token-Count": "5", "X-Auth-Token": SECRET}) == {"X-Token-Count": "5",
                                                                          "X-Auth-Token": "[REDACTED]"}


@pytest.mark.parametrize("text", ["Fax: 44-20-7946-0958", "Fax: 44.20.7946.0958", "Fax/44.20.7946.0958",
                                  "Phone/44.20.7946.0958", "mobile 33-6-12-34-56-78"])
def test_a_number_written_in_groups_that_no_date_has_is_a_number(text):
    """'44.20.7946' was read as a date (a day 44 of a month 20) and 'Fax/44.20.7946.0958' as a product's version:
    the customer's number stayed in the ticket."""
    from diag.core.redact import Pseudonymiser

    out = Pseudonymiser(b"k" * 32).text(text)
    assert "7946" not in out and "56-78" not in out and "PN" in out, out


@pytest.mark.parametrize("text", ["2026-11-28", "28.11.2026", "11/28/2026", "on 28/11/2026 at 10:00", "2026.11.28",
                                  "1/2/2026 3/4/2026", "12-25-2026 12-26-2026",
                                  "Mozilla/5.0 AppleWebKit/537.36 Chrome/131.0.6778.85 Safari/537.36"])
def test_dates_and_product_versions_stay_as_written(text):
    from diag.core.redact import Pseudonymiser

    assert Pseudonymiser(b"k" * 32).text(text) == text


@pytest.mark.parametrize("text", ["x passcode: 482913", "x password: 19841225", "x api_key: 1234-5678-9012",
                                  "x pin: 4821"])
def test_a_pin_or_passcode_of_digits_within_a_line_goes(text):
    out = Redactor().text(text)
    assert out.endswith("[REDACTED]"), out


def test_a_long_s_or_dotless_i_in_a_name_is_read_as_the_fast_path_reads_it():
    """The within-a-line rule folded 'ſ' to 's' (a Unicode case rule) where the fast path did not: they now agree."""
    text = "x pa\u017f\u017fword: Zq7Vx9Kp2 at 10:00:00"
    assert Redactor()._shapes(text) == Redactor()._all_shapes(text)
