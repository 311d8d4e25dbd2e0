"""A fifth attack on pseudonymisation (a helper's, each probe kept): numbers sent as JSON integers under keys that
merely contain a metric word (sms, pager, accountPhone, allowedNumbers, items); numbers written as +CC.NNNN (RFC 5733)
or with dots that look like an IP address (02.123.45.67); people under field names written with spaces or
underscores ("Customer Name", last_name), in e-mail and message addresses ({email, name}, fromAddress) and in
analytics sessions (remote, remoteNameDisplayable). Each is checked in the pseudonymiser and in a whole ticket."""
import secrets
import zipfile

import pytest

from diag.app import cli
from diag.core.redact import Pseudonymiser, is_metric_key
from tests.unit.test_inspect_evidence import entry, har

IE = "https://api.mypurecloud.ie"
NUMBERS = {"sms": 447700900789, "pager": 13175550199, "accountPhone": 13175550177, "allowedNumbers": [4930901820],
           "items": [13175550166], "consumerPhone": 13175550155}
DOTTED = {"callbackNumber": "+44.2079460958", "altPhone": "02.123.45.67", "whois": "Registrant Phone: +1.3175550123"}
PLANTED_DIGITS = ["447700900789", "3175550199", "3175550177", "4930901820", "3175550166", "3175550155",
                  "2079460958", "021234567", "3175550123"]
PEOPLE = {"from": {"email": "dora.mailfrom@example.com", "name": "Dora Mailfrom"},
          "attributes": {"Customer Name": "Liam Attrname", "last_name": "Oswald Lastkey",
                         "Street Address": "5 Mulberry Lane"},
          "sessions": [{"remoteNameDisplayable": "Yolanda Remoteparty", "remote": "Yolanda Remoteparty"}],
          "participants": [{"fromAddress": {"name": "Zack Fromaddr", "addressNormalized": "+13175550100"}}]}
PLANTED_PEOPLE = ["Mailfrom", "Attrname", "Lastkey", "Mulberry", "Remoteparty", "Fromaddr"]


@pytest.mark.parametrize("key", list(NUMBERS))
def test_an_integer_under_a_key_that_names_a_phone_or_only_contains_a_metric_word_is_a_number(key):
    out = Pseudonymiser(secrets.token_bytes(32)).value({key: NUMBERS[key]})
    assert str(NUMBERS[key]).strip("[]") not in str(out), out


@pytest.mark.parametrize("key", ["createdAt", "updated_at", "timeoutMs", "exp", "iat", "pageSize", "totalHits",
                                 "conversationCount", "timestamp", "epochMillis", "maxResults", "minutesUsed"])
def test_sizes_counts_and_times_stay_integers(key):
    assert is_metric_key(key)
    assert Pseudonymiser(secrets.token_bytes(32)).value({key: 1733500000123}) == {key: 1733500000123}


@pytest.mark.parametrize("text, digits", [("+44.2079460958", "2079460958"), ("02.123.45.67", "021234567"),
                                          ("Registrant Phone: +1.3175550123", "3175550123"),
                                          ("010.234.56.78", "0102345678")])
def test_numbers_written_with_dots_are_pseudonymised(text, digits):
    out = Pseudonymiser(secrets.token_bytes(32)).text(text)
    assert digits not in "".join(ch for ch in out if ch.isdigit()), out


@pytest.mark.parametrize("text", ["10.0.0.1", "192.168.1.200", "0.3588235294117647", "+0.3588235294117647",
                                  "-12.3456789", "v 12.5"])
def test_addresses_and_measures_stay_as_written(text):
    assert Pseudonymiser(secrets.token_bytes(32)).text(text) == text


def test_people_under_spaced_names_in_addresses_and_sessions_are_learned():
    p = Pseudonymiser(secrets.token_bytes(32))
    p.learn_people(PEOPLE, "/api/v2/conversations/emails/c1/messages/m1")
    out = str(p.value(PEOPLE))
    assert not [n for n in PLANTED_PEOPLE if n in out], out
    p.learn_people({"sessions": [{"remote": "+13175550101"}]}, "/api/v2/analytics/conversations/details/query")
    assert "person" not in str(p.value({"remote": "+13175550101"}))   # a number there stays a number's pseudonym


def test_a_ticket_of_such_evidence_holds_none_of_it(tmp_path):
    path, out = tmp_path / "evidence.har", tmp_path / "t.zip"
    path.write_text(har([
        entry("GET", IE + "/api/v2/routing/queues", 200, answer={"entities": [{"id": "q1", "name": "Q", **NUMBERS}]}),
        entry("PATCH", IE + "/api/v2/conversations/calls/c1/participants/p1/attributes", 400,
              body={"attributes": DOTTED}, answer={"message": "m", "code": "bad.request", "status": 400}),
        entry("GET", IE + "/api/v2/conversations/emails/c1/messages/m1", 200, answer=PEOPLE),
    ]))
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        everything = b"".join(z.read(n) for n in z.namelist() if not n.endswith(".png")).decode("utf-8", "replace")
    flat = "".join(ch for ch in everything if ch.isdigit())
    assert not [d for d in PLANTED_DIGITS if d in flat]
    assert not [n for n in PLANTED_PEOPLE if n in everything]


@pytest.mark.parametrize("path, body, name", [
    ("/api/v2/gdpr/subjects?searchType=NAME&searchValue=Rhea%20Gdprsubject", None, "Gdprsubject"),
    ("/api/v2/externalcontacts/contacts?q=Gus+Querystring", None, "Querystring"),
    ("/api/v2/users/search", {"query": [{"type": "EXACT", "fields": ["name"], "value": "Fiona Searchedfor"}]},
     "Searchedfor"),
    ("/api/v2/users/search", {"query": [{"type": "EXACT", "fields": ["email", "name"],
                                         "values": ["Greta Listvalue"]}]}, "Listvalue"),
])
def test_whom_someone_searched_for_is_a_person_even_when_nobody_was_found(tmp_path, path, body, name):
    files = tmp_path / "evidence.har"
    files.write_text(har([entry("POST" if body else "GET", IE + path, 200, body=body,
                                answer={"entities": [], "total": 0})]))
    out = tmp_path / "t.zip"
    assert cli.main(["bundle", "--evidence", str(files), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        everything = b"".join(z.read(n) for n in z.namelist() if not n.endswith(".png")).decode("utf-8", "replace")
    assert name not in everything


def test_a_search_for_a_number_or_an_address_keeps_its_own_readers():
    p = Pseudonymiser(secrets.token_bytes(32))
    p.learn_searches("/api/v2/externalcontacts/contacts?q=%2B13175550102", None)
    p.learn_searches("/api/v2/users/search", {"query": [{"fields": ["name"], "value": "sam@example.com"}]})
    assert p.people_mapping == {}


def test_the_name_before_an_e_mail_address_is_a_person_wherever_it_appears(tmp_path):
    body = {"textBody": "From: Edna Displayname <edna.d@example.com>\nreply to Bob Quotedreply <bob@example.com>\n"
                        '"Smith, Ann Commaname" <ann@example.com> wrote: thanks Edna Displayname',
            "subject": "Re: x <y@example.com>"}
    path, out = tmp_path / "evidence.har", tmp_path / "t.zip"
    path.write_text(har([entry("GET", IE + "/api/v2/conversations/emails/c1/messages/m1", 200, answer=body)]))
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(out)]) == 0
    with zipfile.ZipFile(out) as z:
        everything = b"".join(z.read(n) for n in z.namelist() if not n.endswith(".png")).decode("utf-8", "replace")
    assert not [n for n in ("Displayname", "Quotedreply", "Commaname") if n in everything]
    p = Pseudonymiser(secrets.token_bytes(32))
    p.learn_people({"subject": "Re: x <y@example.com>"}, "/api/v2/x")
    assert p.people_mapping == {}   # a lower-case word before an address is nobody


def test_header_names_are_cleaned_in_tickets_and_sanitised_hars(tmp_path):
    path = tmp_path / "evidence.har"
    path.write_text(har([entry("GET", IE + "/api/v2/users/me", 200, answer={"id": "u"},
                               headers=[("X-Caller-+13175550504", "yes")],
                               answer_headers=[("X-Agent-dora.hdr@example.com", "1")])]))
    out, sanitised = tmp_path / "t.zip", tmp_path / "s.har"
    assert cli.main(["bundle", "--evidence", str(path), "--out", str(out)]) == 0
    assert cli.main(["inspect", str(path), "--sanitise", str(sanitised)]) in (0, 1)
    with zipfile.ZipFile(out) as z:
        texts = [z.read(n).decode("utf-8", "replace") for n in z.namelist() if not n.endswith(".png")]
    for text in [*texts, sanitised.read_text()]:
        assert "3175550504" not in text and "dora.hdr@example.com" not in text
