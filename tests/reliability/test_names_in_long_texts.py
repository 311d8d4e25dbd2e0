"""A capture of many people beside a long text with no blanks (a form body, a query string, a minified answer)
took minutes to sanitise: at every word of that text which begins a known name (a house number begins an address)
the people index read the rest of the text as one piece. It now reads no further than a name's word can reach."""
import json

from diag.core.inspect import inspect
from diag.core.redact import Names
from diag.reports.bundle import sanitised_har
from tests.linear import in_linear_time

IE = "https://api.mypurecloud.ie/api/v2"


def _entry(url: str, answer: str) -> dict:
    return {"startedDateTime": "2026-11-28T10:00:00.000Z", "time": 40,
            "request": {"method": "GET", "url": url, "headers": []},
            "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text": answer}}}


def test_a_long_text_without_blanks_beside_a_thousand_people_is_sanitised_promptly():
    people = [{"id": f"u{i}", "name": f"Ada Kalo{i:04d}", "email": f"ada{i}@example.com",
               "address": {"address1": f"{i} Main Street", "city": "Indianapolis"}} for i in range(1000)]
    pages = [_entry(f"{IE}/users?pageNumber={k}", json.dumps({"entities": people[k * 100:(k + 1) * 100]}))
             for k in range(10)]
    ids = ",".join(str(i % 1000) for i in range(20_000))   # ~80 KB of a JSON string, no blank: one piece
    query = "&".join(f"id={i % 1000}" for i in range(2_000))
    har = json.dumps({"log": {"version": "1.2", "entries": [
        *pages, _entry(f"{IE}/users?{query}", json.dumps({"selected": ids, "note": f"sent {ids}"}))]}})
    with in_linear_time(20):
        found = inspect(har)
        sanitised = sanitised_har(found)[0].decode()
    assert "Kalo0007" not in sanitised and "7 Main Street" not in sanitised and "ada7@example.com" not in sanitised


def test_a_name_is_still_found_after_a_long_piece_and_at_the_end_of_one():
    idx = Names(["Zoe Smith", "1 Main Street"])
    long = "x" * 100_000
    text = f"{long} zoe  smith, {long}&1+Main+Street {long}"
    assert [text[m.start():m.end()] for m in idx.matches(text)] == ["zoe  smith", "1+Main+Street"]
    with in_linear_time(10):
        assert idx.matches("&".join(f"k{i}=1" for i in range(100_000))) == []   # '1' begins a name, never ends one
