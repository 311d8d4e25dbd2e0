"""`diag inspect` on a HAR of 10,000 entries (~100 MB, a realistic mix with response bodies): report and charts
(target < 1 s and within 4x the HAR library below, peak memory < 1 GB). Baselines, same run: `json.load` of the
same file, and a HAR library from PyPI, haralyzer (requirements-test.txt), loading the same file and walking every
entry; skipped, with the reason in the result, where it cannot be imported."""
from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

N = 10_000
HERE = Path(__file__).resolve().parent


def make_har(path: Path) -> int:
    rng = random.Random(7)
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl"   # a fake token, for the redaction to find
    filler = "x" * 9000   # response bodies of ~10 KB, as list endpoints send
    entries = []
    for i in range(N):
        kind = rng.random()
        if kind < 0.15:
            url, method, body = "https://cdn.example.com/app.js", "GET", None
        elif kind < 0.45:
            url, method, body = "https://api.mypurecloud.ie/api/v2/conversations/calls", "POST", {
                "phoneNumber": f"+1317555{i % 10000:04d}"} if rng.random() < 0.7 else {"to": "+13175550100"}
        else:
            url, method, body = "https://api.mypurecloud.ie/api/v2/users/me", "GET", None
        status = 200 if body is None or "phoneNumber" in body else 400
        answer = {"code": "bad.request", "status": 400, "message": "m"} if status == 400 else {"id": str(i),
                                                                                              "pad": filler}
        req = {"method": method, "url": url, "httpVersion": "HTTP/2.0", "cookies": [], "queryString": [],
               "headers": [{"name": "authorization", "value": f"Bearer {token}"}], "headersSize": -1, "bodySize": 0}
        if body is not None:
            req["postData"] = {"mimeType": "application/json", "text": json.dumps(body)}
        entries.append({"startedDateTime": f"2026-11-28T10:{(i // 600) % 60:02d}:{(i // 10) % 60:02d}.000Z",
                        "time": rng.uniform(20, 900), "request": req,
                        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/2.0", "cookies": [],
                                     "headers": [{"name": "ININ-Correlation-Id", "value": f"cid-{i}"}],
                                     "content": {"size": 0, "mimeType": "application/json",
                                                 "text": json.dumps(answer)}, "redirectURL": "",
                                     "headersSize": -1, "bodySize": -1}, "cache": {}, "timings": {"wait": 1}})
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},
                                        "entries": entries}}))
    return path.stat().st_size


def make_many_tokens_har(path: Path, n: int = 3000) -> None:
    """A long session's HAR in which every answer carries its own token (each one learned while reading)."""
    entries = [{"startedDateTime": "2026-11-28T10:00:00.000Z", "time": 12.0,
                "request": {"method": "GET", "url": f"https://api.mypurecloud.ie/api/v2/users/u{i}", "headers": []},
                "response": {"status": 200, "headers": [], "content": {"mimeType": "application/json", "text":
                             json.dumps({"id": f"u{i}", "access_token": f"benchTok{i:06d}abcdefgh",  # fake tokens
                                         "note": "x " * 50})}}} for i in range(n)]
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},
                                        "entries": entries}}))


def make_large_answers_har(path: Path, n: int = 60, rows: int = 2000) -> int:
    """A capture of an analytics screen: few requests, each answer ~0.8 MB of conversation records naming people
    and their numbers (what redaction must read all of)."""
    entries = []
    for i in range(n):
        records = [{"conversationId": f"{i:04x}{r:04x}-6f1c-4d2a-9b3e-{r * 7919:012x}",
                    "conversationStart": f"2026-11-28T10:{r % 60:02d}:{(r * 7) % 60:02d}.000Z",
                    "participants": [{"participantName": f"Agent {chr(65 + r % 26)}. Person{r % 97}",
                                      "purpose": "agent", "userId": f"{r:08x}-aaaa-4bbb-8ccc-{i:012x}"},
                                     {"purpose": "customer", "sessions": [{
                                         "mediaType": "voice", "direction": "outbound",
                                         "ani": f"tel:+1317555{(i * rows + r) % 10000:04d}",
                                         "dnis": f"tel:+1412555{r % 10000:04d}"}]}]} for r in range(rows)]
        entries.append({"startedDateTime": f"2026-11-28T10:00:{i % 60:02d}.000Z", "time": 850.0,
                        "request": {"method": "POST", "httpVersion": "HTTP/2.0", "cookies": [], "queryString": [],
                                    "url": "https://api.mypurecloud.ie/api/v2/analytics/conversations/details/query",
                                    "headers": [{"name": "authorization", "value": "Bearer benchTokLarge0123456"}],
                                    "postData": {"mimeType": "application/json", "text": json.dumps(
                                        {"interval": "2026-11-27T00:00:00Z/2026-11-28T00:00:00Z"})},
                                    "headersSize": -1, "bodySize": 0},
                        "response": {"status": 200, "statusText": "", "httpVersion": "HTTP/2.0", "cookies": [],
                                     "headers": [{"name": "ININ-Correlation-Id", "value": f"cid-{i}"}],
                                     "content": {"size": 0, "mimeType": "application/json",
                                                 "text": json.dumps({"conversations": records})},
                                     "redirectURL": "", "headersSize": -1, "bodySize": -1},
                        "cache": {}, "timings": {"wait": 1}})
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},
                                        "entries": entries}}))
    return path.stat().st_size


def timed(code: str, har: Path, *args: str) -> tuple[float, float]:
    """(seconds, peak MB) of `code` in a fresh process."""
    # VmHWM, not ru_maxrss: the latter keeps the parent's peak across fork and exec (run_all's is large)
    script = ("import sys, time\nt = time.perf_counter()\n" + code +
              "\nhwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))"
              "\nprint(time.perf_counter() - t, hwm / 1024)")
    out = subprocess.run([sys.executable, "-c", script, str(har), *args], capture_output=True, text=True, check=True)
    seconds, mb = out.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(mb)


# What haralyzer is timed doing: its own loader (json.load of the file), its page walk (a HAR with no `pages`
# puts every entry on the "unknown" page, which wraps each in a HarEntry and sorts them by startedDateTime), then
# for each entry the fields diag reads too: request method, url, headers and postData text; response status,
# headers, mimeType and content text; time. diag does more per entry (JSON bodies decoded, redaction, the
# report and the charts), so this is the floor of "a HAR library read it", as json.load is of "Python read it".
HARALYZER = """import haralyzer
har = haralyzer.HarParser.from_file(sys.argv[1])
n = 0
for page in har.pages:
    for e in page.entries:
        req, res = e.request, e.response
        (req.method, req.url, req.headers, req.text, res.status, res.headers, res.mimeType, res.text, e.time)
        n += 1
assert n == int(sys.argv[2]), n"""
HARALYZER_WORK = ("HarParser.from_file + its page walk (HarEntry each, sorted by startedDateTime) + every entry's "
                  "request method/url/headers/postData and response status/headers/mimeType/content text")


def library_baseline(har: Path, entries: int = N) -> dict:
    """haralyzer on the same file, in its own process like the others; {'haralyzer_skipped': why} if it can't."""
    if importlib.util.find_spec("haralyzer") is None:
        return {"haralyzer_skipped": "haralyzer is not installed (it is in requirements-test.txt: make setup-test)"}
    try:
        version = importlib.metadata.version("haralyzer")
    except importlib.metadata.PackageNotFoundError:
        version = "?"
    try:
        seconds, mb = timed(HARALYZER, har, str(entries))
    except subprocess.CalledProcessError as exc:   # importable by name but broken, or it could not read the file
        last = (exc.stderr or "").strip().splitlines() or [f"exit status {exc.returncode}"]
        return {"haralyzer_skipped": f"haralyzer {version} failed: {last[-1][:300]}"}
    return {"haralyzer_baseline": f"haralyzer {version}: {HARALYZER_WORK}", "haralyzer_s": round(seconds, 2),
            "haralyzer_peak_mb": round(mb)}


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        har = Path(tmp) / "big.har"
        size = make_har(har)
        charts = Path(tmp) / "charts"
        diag_s, diag_mb = timed("from diag.app import cli\nimport contextlib, io\nbuf = io.StringIO()\n"
                                "with contextlib.redirect_stdout(buf):\n"
                                f"    rc = cli.main(['inspect', sys.argv[1], '--charts', {str(charts)!r}, '--json'])\n"
                                "assert rc == 1, (rc, buf.getvalue()[:300])", har)
        base_s, base_mb = timed("import json\njson.load(open(sys.argv[1]))", har)
        many = Path(tmp) / "many-tokens.har"
        make_many_tokens_har(many)
        many_s, _ = timed("from diag.core.inspect import inspect\ninspect(open(sys.argv[1]).read())", many)
        many_base_s, _ = timed("import json\njson.load(open(sys.argv[1]))", many)
        lib = library_baseline(har)
        shaped = real_shapes(Path(tmp), many) if "haralyzer_skipped" not in lib else []
    if "haralyzer_skipped" in lib:
        print(f"bench_inspect: haralyzer baseline skipped: {lib['haralyzer_skipped']}", file=sys.stderr, flush=True)
    else:
        lib["haralyzer_ratio"] = round(diag_s / lib["haralyzer_s"], 2)
        lib["haralyzer_target"] = "<= 4x haralyzer's load + walk"
        lib["haralyzer_met"] = lib["haralyzer_ratio"] <= 4
    return {"name": "diag inspect: HAR of 10,000 entries -> report + charts", "entries": N, "bytes": size,
            "diag_s": round(diag_s, 2), "diag_peak_mb": round(diag_mb), "baseline": "json.load of the file",
            "baseline_s": round(base_s, 2), "baseline_peak_mb": round(base_mb), "ratio": round(diag_s / base_s, 1),
            "target": "< 1 s and < 1024 MB (issue 26; < 5 s before it)", "met": diag_s < 1 and diag_mb < 1024,
            "many_tokens": "3,000 entries, each answer with its own token", "many_tokens_s": round(many_s, 2),
            "many_tokens_baseline_s": round(many_base_s, 2), "many_tokens_target": "< 5 s",
            "many_tokens_met": many_s < 5, "real_shapes": shaped, **lib}


def real_shapes(tmp: Path, many: Path) -> list[dict]:
    """The same comparison (the whole report against haralyzer's load + walk) on HARs shaped like real captures:
    many people in list answers, large analytics answers, an answer with its own token in every entry."""
    from bench_redaction import people_har

    people, large = tmp / "people.har", tmp / "large-answers.har"
    people_har(people)
    make_large_answers_har(large)
    out = []
    for name, har in (("4,000 people in 40 list answers", people), ("60 analytics answers of ~0.8 MB", large),
                      ("3,000 entries, each answer with its own token", many)):
        entries = len(json.loads(har.read_text())["log"]["entries"])
        diag_s, _ = timed(INSPECT_REPORT, har)
        lib = library_baseline(har, entries)
        if "haralyzer_s" not in lib:
            continue
        out.append({"shape": name, "entries": entries, "bytes": har.stat().st_size, "diag_s": round(diag_s, 2),
                    "haralyzer_s": lib["haralyzer_s"], "ratio": round(diag_s / lib["haralyzer_s"], 2),
                    "met": diag_s / lib["haralyzer_s"] <= 4})
    return out


# `diag inspect` with its whole report, as a person runs it (the JSON report on stdout, charts written)
INSPECT_REPORT = ("from diag.app import cli\nimport contextlib, io, tempfile\nbuf = io.StringIO()\n"
                  "with contextlib.redirect_stdout(buf):\n"
                  "    rc = cli.main(['inspect', sys.argv[1], '--charts', tempfile.mkdtemp(), '--json'])\n"
                  "assert rc in (0, 1), (rc, buf.getvalue()[:300])")


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
