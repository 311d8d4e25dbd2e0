"""A check that needs no phone number never loads libphonenumber nor diag's numbers module (a cold any-endpoint
check stays fast), and the stand-in that defers it behaves as the module itself, from any thread."""
import subprocess
import sys
import threading

from diag.core.lazy import LazyModule, lazy_module

CHECK = ("import sys, json\nfrom diag.core.doctor import check_for_operation\n"
         "r = check_for_operation('POST /api/v2/analytics/conversations/aggregates/query', "
         "{'interval': '2026-11-01T00:00:00Z/2026-11-08T00:00:00Z', 'granularity': 'P1D', 'metrics': ['nError']})\n"
         "print(r.verdict, *(m in sys.modules for m in ('phonenumbers', 'importlib.resources', 'diag.core.numbers')))\n"
         "r = check_for_operation('POST /api/v2/conversations/calls', {'phoneNumber': '911'})\n"
         "print(r.verdict, 'phonenumbers' in sys.modules)")


def test_a_body_without_a_number_is_checked_without_libphonenumber_and_a_number_loads_it():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout.split("\n")
    first, second = out[0].split(), out[1].split()
    assert first[1:] == ["False", "False", "False"], out
    assert second == ["refused", "True"], out   # the emergency number is still read and refused


COLD = ("import sys\nfrom diag.core.doctor import check_for_operation\n"
        "r = check_for_operation('POST /api/v2/analytics/conversations/aggregates/query', "
        "{'interval': '2026-11-01T00:00:00Z/2026-11-08T00:00:00Z', 'granularity': 'P1D', 'metrics': ['nError']})\n"
        "from diag.core import contract\n"
        "print(r.verdict, contract.operations.cache_info().currsize, *(m in sys.modules for m in "
        "('orjson', 'difflib', 'diag.core.doctor.jsonrepair', 'diag.core.jsontext')))\n"
        "from diag.core.doctor import ParsedBody, check_text, parse_body\n"
        "print(check_text('{\"to\": 1,}').verdict, parse_body('[1,]').value, ParsedBody.__name__)")


def test_a_cold_check_of_a_value_parses_one_bucket_and_loads_no_text_reader():
    """A first check in a fresh process, of a body given as a value: the contract's operations are read by their
    bucket (the whole file is never parsed), and neither orjson, difflib nor the reader of pasted text is loaded;
    the text reader is still there, and loads, when pasted text is checked."""
    out = subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0].split() == ["sendable", "0", "False", "False", "False", "False"], out
    assert out[1].split()[1:] == ["[1]", "ParsedBody"], out


def test_the_stand_in_is_the_module_once_used_and_binds_itself_away():
    namespace: dict = {}
    namespace["json"] = stand_in = lazy_module("json", namespace)
    assert isinstance(stand_in, LazyModule) and "imported" not in repr(stand_in)
    assert stand_in.dumps([1]) == "[1]"
    import json
    assert namespace["json"] is json   # later uses go straight to the module
    assert "imported" in repr(stand_in)


def test_first_use_from_many_threads_at_once_gives_every_thread_the_module():
    stand_in = LazyModule("colorsys")   # small, stdlib, not imported by the suite's other modules
    got, start = [], threading.Barrier(8)

    def use():
        start.wait()
        got.append(stand_in.rgb_to_hsv(1.0, 0.0, 0.0))

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [(0.0, 1.0, 1.0)] * 8


def test_a_missing_module_says_so_when_used():
    import pytest

    stand_in = LazyModule("no_such_module_diag")
    with pytest.raises(ModuleNotFoundError, match="no_such_module_diag"):
        stand_in.dumps  # noqa: B018 - the first use is what imports


INSPECT_CHARTS = ("import sys, json, contextlib, io\nfrom diag.app import cli\nbuf = io.StringIO()\n"
                  "with contextlib.redirect_stdout(buf):\n"
                  "    rc = cli.main(['inspect', sys.argv[1], '--charts', sys.argv[2], '--json'])\n"
                  "print(rc, 'pandas' in sys.modules, json.loads(buf.getvalue())['genesysRequests'])")


def test_a_capture_is_read_diagnosed_and_charted_without_loading_pandas(tmp_path):
    """`diag inspect --charts` draws its two charts from the inspection's rows: pandas (about 0.4 s to load) is
    loaded only for what needs a frame (the ticket's CSV, the usage dashboard)."""
    import json

    entry = {"startedDateTime": "2026-11-28T10:00:00.000Z", "time": 80.0,
             "request": {"method": "GET", "url": "https://api.mypurecloud.ie/api/v2/users/me", "headers": []},
             "response": {"status": 403, "headers": [], "content": {"mimeType": "application/json", "text": json.dumps(
                 {"status": 403, "code": "missing.any.permissions", "message": "m"})}}}
    har = tmp_path / "capture.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "entries": [entry, {**entry, "time": 95.5}]}}))
    out = subprocess.run([sys.executable, "-c", INSPECT_CHARTS, str(har), str(tmp_path / "charts")],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "False", "2"], out
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == [
        "evidence_codes.png", "evidence_codes.svg", "evidence_latency.png", "evidence_latency.svg"]


EVIDENCE = ("import json, sys\nfrom diag.core.evidence import read_evidence\nfrom diag.core.limits import limits_of\n"
            "from diag.core.inspect import inspect\nfrom diag.core.answer import read_answer\n"
            "har = {'log': {'version': '1.2', 'entries': [{'startedDateTime': '2026-11-28T10:00:00.000Z', 'time': 5,\n"
            "  'request': {'method': 'GET', 'url': 'https://api.mypurecloud.ie/api/v2/users/me', 'headers': []},\n"
            "  'response': {'status': 429, 'headers': [{'name': 'Retry-After', 'value': '3'}],\n"
            "    'content': {'mimeType': 'application/json',\n"
            "    'text': json.dumps({'code': 'too.many.requests', 'status': 429, 'message': 'm'})}}}]}}\n"
            "print(limits_of(read_evidence(json.dumps(har))).requests, len(inspect(json.dumps(har)).failures))\n"
            "r = read_answer(429, {'Retry-After': '3', 'ININ-RateLimit-Allowed': '300', 'inin-ratelimit-allowed': 'x'}, None)\n"
            "print(r.rate_limit, r.retry_after, 'urllib3' in sys.modules)\n"
            "from diag.core.headers import HTTPHeaderDict, header\n"
            "h = HTTPHeaderDict(); h.add('Retry-After', '3'); h.add('retry-after', '4')\n"
            "print(header(h, 'RETRY-AFTER'))")


def test_a_customers_har_is_read_without_loading_urllib3_and_its_headers_read_the_same():
    """urllib3 (ssl, http.client, email) costs a fresh process about 0.1 s: reading evidence needs none of it."""
    out = subprocess.run([sys.executable, "-c", EVIDENCE], capture_output=True, text=True, check=True).stdout
    first, second, third = out.strip().split("\n")
    assert first == "1 1", out
    assert second == "{'inin-ratelimit-allowed': '300, x', 'retry-after': '3'} 3 False", out
    assert third == "3, 4", out
