"""Redaction on input built to be slow (issue 25), each in a fresh process, beside json.load of the same file:

- a 1 MB adversarial HAR through `diag inspect`: a text body saying form-data with thousands of lines beginning
  `--`, numbers right after JSON escapes, digit runs that look half like dates, tokens repeated in notes
  (target < 2 s);
- a HAR of 4,000 people (the admin UI's People page: names, middle names, e-mails, addresses, numbers) through
  `diag inspect --sanitise` (target < 3 s).
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_inspect import timed  # noqa: E402  (same fresh-process timer)

TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZHYifQ.YWR2ZXJzYXJpYWw"   # a fake token


def _entry(url: str, method: str, text: str | None, answer: str, status: int = 400) -> dict:
    req = {"method": method, "url": url, "httpVersion": "HTTP/2.0", "cookies": [], "queryString": [],
           "headers": [{"name": "Authorization", "value": f"Bearer {TOKEN}"}], "headersSize": -1, "bodySize": 0}
    if text is not None:
        req["postData"] = {"mimeType": "application/json", "text": text}
    return {"startedDateTime": "2026-11-28T10:00:00.000Z", "time": 40.0, "request": req,
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/2.0", "cookies": [], "headers": [],
                         "content": {"size": len(answer), "mimeType": "application/json", "text": answer},
                         "redirectURL": "", "headersSize": -1, "bodySize": -1}, "cache": {}, "timings": {"wait": 1}}


def adversarial_har(path: Path) -> int:
    calls = "https://api.mypurecloud.ie/api/v2/conversations/calls"
    multipart = "Content-Type: multipart/form-data; boundary=x\n" + "--\n" * 120_000 + "--x--"
    escapes = "".join(f"\\n+44-20-7946-{i % 10000:04d}\\t\\u00a0+49/89/{i:07d}" for i in range(4000))
    datey = " ".join(f"{i % 28 + 1:02d}-{i % 12 + 1:02d}-{2000 + i % 30}-{i:06d}" for i in range(6000))
    notes = " ".join(f"note {i} {TOKEN}" for i in range(2000))
    entries = [_entry(calls, "POST", multipart, json.dumps({"message": "bad", "code": "bad.request"})),
               _entry(calls, "POST", '{"phoneNumber": "' + escapes + '"', json.dumps({"message": escapes})),
               _entry(calls, "POST", json.dumps({"phoneNumber": "+13175550100", "uuiData": datey}), "{}", 200),
               _entry(calls, "POST", json.dumps({"phoneNumber": "+13175550100"}), json.dumps({"note": notes}))]
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},
                                        "entries": entries}}))
    return path.stat().st_size


FIRST = ["Ada", "Bea", "Cyd", "Dov", "Eun", "Fia", "Gus", "Hal", "Ivo", "Jun", "Kit", "Lev", "Mae", "Nia", "Oto"]
SYLLABLES = ["ka", "lo", "mi", "nu", "re", "sa", "to", "vi", "we", "yu", "zo", "ba", "de", "fi", "go", "hu"]


def _word(i: int, length: int = 3) -> str:
    """A made-up surname part unique to i (people's names carry no digits)."""
    out = ""
    for _ in range(length):
        out += SYLLABLES[i % 16]
        i //= 16
    return out.capitalize()


def people_har(path: Path, n: int = 4000) -> int:
    people = []
    for i in range(n):
        first, middle, last = FIRST[i % 15], _word(i * 7 + 3, 2) + "a", _word(i) + "son"
        people.append({"id": f"{i:08x}-6f1c-4d2a-9b3e-{i * 7919:012x}", "name": f"{first} {middle} {last}",
                       "firstName": first, "middleName": middle, "lastName": last,
                       "email": f"{first.lower()}.{last.lower()}@example.com",
                       "addresses": [{"address": f"+1317555{i % 10000:04d}", "mediaType": "PHONE", "type": "WORK"}],
                       "address": {"address1": f"{i} Main Street", "city": "Indianapolis", "postalCode": "46204"}})
    pages = [people[i:i + 100] for i in range(0, n, 100)]
    entries = [_entry(f"https://api.mypurecloud.ie/api/v2/users?pageNumber={k + 1}", "GET", None,
                      json.dumps({"entities": page, "pageSize": 100, "pageNumber": k + 1}), 200)
               for k, page in enumerate(pages)]
    entries.append(_entry("https://api.mypurecloud.ie/api/v2/conversations/calls", "POST",
                          json.dumps({"phoneNumber": "+13175550100"}), json.dumps({"code": "bad.request"})))
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},
                                        "entries": entries}}))
    return path.stat().st_size


INSPECT = ("from diag.app import cli\nimport contextlib, io\nbuf = io.StringIO()\n"
           "with contextlib.redirect_stdout(buf):\n    rc = cli.main(['inspect', sys.argv[1]{extra}])\n"
           "assert rc in (0, 1), (rc, buf.getvalue()[:300])")


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        adv = Path(tmp) / "adversarial.har"
        adv_bytes = adversarial_har(adv)
        adv_s, _ = timed(INSPECT.format(extra=""), adv)
        adv_base, _ = timed("import json\njson.load(open(sys.argv[1]))", adv)
        ppl = Path(tmp) / "people.har"
        ppl_bytes = people_har(ppl)
        out = Path(tmp) / "people.sanitised.har"
        ppl_s, ppl_mb = timed(INSPECT.format(extra=f", '--sanitise', {str(out)!r}"), ppl)
        ppl_base, _ = timed("import json\njson.load(open(sys.argv[1]))", ppl)
        text = out.read_text()
        leaked = [w for w in (_word(0) + "son", _word(5) + "son", "ada." + _word(0).lower() + "son@example.com",
                              "+13175550000", "17 Main Street", TOKEN) if w in text]
    return {"name": "redaction on adversarial and people-heavy HARs", "baseline": "json.load of the same file",
            "adversarial_bytes": adv_bytes, "adversarial_s": round(adv_s, 2), "adversarial_baseline_s": round(adv_base, 3),
            "adversarial_target": "< 2 s", "adversarial_met": adv_s < 2,
            "people": 4000, "people_bytes": ppl_bytes, "people_s": round(ppl_s, 2), "people_peak_mb": round(ppl_mb),
            "people_baseline_s": round(ppl_base, 3), "people_target": "< 3 s", "people_met": ppl_s < 3 and not leaked,
            "people_leaked": leaked}


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
