"""Shortcuts taken for speed give the answer of the long way: a number's region and validity asked once instead of
twice, an overdialled tail tried against one pattern first, a caller's permissions made into a set once."""
import re

import phonenumbers
from hypothesis import example, given, settings
from hypothesis import strategies as st

from diag.client.connect import connect
from diag.core import numbers
from diag.sim import Simulator
from diag.sim.server import caller_of
from tests.sizes import examples

# country codes shared by several regions (where the shortcut applies) and some of one region each
SHARED = sorted(cc for cc, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items() if len(regions) > 1)
CODES = SHARED + [33, 49, 61, 81, 353, 800, 882, 979]


@settings(max_examples=examples(1500), deadline=None, derandomize=True)
@given(st.sampled_from(CODES), st.integers(0, 10**11 - 1), st.integers(4, 12))
def test_region_and_validity_is_what_phonenumbers_says(cc, national, width):
    digits = str(national).zfill(width)[-width:]
    try:
        num = phonenumbers.parse(f"+{cc}{digits}")
    except phonenumbers.NumberParseException:
        return
    assert numbers._region_and_validity(num) == (phonenumbers.region_code_for_number(num),
                                                 phonenumbers.is_valid_number(num)), f"+{cc}{digits}"


def test_real_numbers_of_shared_codes_keep_their_regions():
    for text, region in (("+13175550100", "US"), ("+14165550100", "CA"), ("+18765550100", "JM"),
                         ("+447400123456", "GB"), ("+447624123456", "IM"), ("+79123456789", "RU"),
                         ("+77012345678", "KZ")):
        num = phonenumbers.parse(text)
        assert numbers._region_and_validity(num) == (region, phonenumbers.is_valid_number(num)), text


def test_an_emergency_number_overdialled_after_a_whole_number_is_still_refused():
    for text in ("+1 317 555 0100 911", "+44 20 7946 0958 999", "+61 2 9374 4000 000"):
        found = numbers.refusal(text, strict=True)
        assert found is not None and found.code == "emergency-extension", text


def test_a_users_permissions_replaced_are_what_the_simulator_then_reads():
    with Simulator(seed=1) as sim:
        s = connect(simulator=sim, environ={}, dotenv=None, save=False)
        assert s.call({"phoneNumber": "+13175550100"}).status == 200
        user = sim.org.users[sim.user_id("avery")]
        before = user.held()
        assert user.held() is before   # made once
        user.permissions, user.all_permissions = (), False
        token = next(t for t in sim.state.tokens.values() if t.kind == "user" and t.user_id == user.id)
        assert caller_of(sim.app, token).permissions == frozenset()
        refused = s.call({"phoneNumber": "+13175550101"})
        assert refused.status == 403 and refused.error_code == "missing.any.permissions"


@settings(max_examples=examples(500), deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(["Authorization", "authorization", "AUTHORIZATION", "Content-Type",
                                           "inin-correlation-id", "ININ-Correlation-Id", "x"]),
                          st.text(max_size=8)), max_size=6),
       st.sampled_from(["authorization", "Authorization", "ININ-Correlation-Id", "content-type", "missing"]))
def test_a_header_is_read_as_a_case_insensitive_dict_reads_it(pairs, name):
    from diag.core.headers import HTTPHeaderDict, header

    plain = dict(pairs)
    expected = HTTPHeaderDict()
    for k, v in plain.items():
        expected.add(k, v)
    assert header(plain, name) == expected.get(name)
    assert header(expected, name) == expected.get(name)


STAMPS = st.one_of(
    st.datetimes(timezones=st.sampled_from([None, __import__("datetime").timezone.utc])).map(
        lambda d: d.isoformat(timespec="milliseconds")),
    st.text(alphabet="0123456789-:T.Z+ ", max_size=30),
    st.sampled_from(["2026-11-28T10:00:01.412Z", "2026-11-28T11:00:03.907+01:00", "Z", "", "1970-01-01T00:00:00.000Z",
                     "2026-11-28T10:00:01+01:00Z", "not a time Z", "9999-12-31T23:59:59.999-01:00"]))


@settings(max_examples=examples(400), deadline=None, derandomize=True)
@given(st.one_of(STAMPS, STAMPS.map(lambda s: s + "Z")))
def test_a_time_ending_in_z_is_kept_as_parsing_it_would_keep_it(stamp):
    """har.utc keeps a stamp ending in Z without parsing it: what parsing it would give."""
    from datetime import datetime, timedelta, timezone

    from diag.core import har

    def long_way(s):
        if s.startswith(har.NO_TIME[:19]):
            return None
        if not re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}", s):
            return None   # not a time: no time (the field can hold anything, a token too)
        try:
            t = datetime.fromisoformat(s)
            if t.utcoffset() in (None, timedelta(0)):
                return s
            return t.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        except (ValueError, OverflowError):
            return s if len(s) <= 40 and re.fullmatch(r"[0-9T:.+\- Z]+", s) else None

    assert har.utc(stamp) == long_way(stamp)


@settings(max_examples=examples(400), deadline=None, derandomize=True)
@given(st.lists(st.one_of(
    st.fixed_dictionaries({"name": st.sampled_from(["Set-Cookie", "set-cookie", "SET-COOKIE", "Accept", "accept",
                                                    ":authority", "X-Ä", "x-ä", ""]),
                           "value": st.one_of(st.text(max_size=4), st.integers())}),
    st.just({"value": "no name"}), st.just("not a header")), max_size=8))
def test_headers_given_twice_are_joined_as_the_long_way_joins_them(items):
    """har.pairs finds a repeated header by a look-up of its lower-case name: what comparing with every name gives."""
    from diag.core import har

    out: dict = {}
    for h in items:
        if isinstance(h, dict) and isinstance(h.get("name"), str):
            name = h["name"]
            if name.startswith(":"):
                continue
            value = str(h.get("value", ""))
            same = next((k for k in out if k.lower() == name.lower()), None)
            if same is None:
                out[name] = value
            else:
                out[same] += ("\n" if name.lower() == "set-cookie" else ", ") + value
    assert har.pairs(items) == out


def test_a_text_with_a_lone_surrogate_is_not_read_as_whole():
    """The evidence reader skips its search for lone surrogates only when orjson read the text (it refuses them)."""
    from diag.core import jsontext
    from diag.core.evidence import read_evidence

    assert jsontext.loads_whole('{"a": "\\ud83d\\ude00"}') == ({"a": "\U0001F600"}, True)
    value, whole = jsontext.loads_whole('{"a": "\\ud800"}')
    assert value == {"a": "\ud800"} and whole is False
    har = ('{"log": {"version": "1.2", "entries": [{"startedDateTime": "2026-11-28T10:00:00.000Z", "request": '
           '{"method": "GET", "url": "https://api.mypurecloud.ie/api/v2/users/me\\ud800", "headers": []}, '
           '"response": {"status": 200, "headers": [], "content": {"text": "{\\"name\\": \\"a\\\\udc00\\"}"}}}]}}')
    r = read_evidence(har).requests[0]
    assert r.url.endswith("me\ufffd") and r.response_body == {"name": "a\ufffd"}


def test_reading_evidence_turns_the_cycle_collector_back_on_whatever_happens():
    import gc

    from diag.core.bulk import no_gc_pauses
    from diag.core.errors import UnreadableEvidence
    from diag.core.evidence import read_evidence

    assert gc.isenabled()
    with no_gc_pauses():
        assert not gc.isenabled()
        with no_gc_pauses():
            assert not gc.isenabled()
        assert not gc.isenabled()   # the inner block leaves it as it found it
    assert gc.isenabled()
    try:
        read_evidence('{"log": {"version": "1.2", "entries": []}}')
    except UnreadableEvidence:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        read_evidence("curl https://api.mypurecloud.ie/api/v2/users/me")
        assert not gc.isenabled()   # off before, off after: not turned on behind the caller's back
    finally:
        gc.enable()


def test_reads_in_two_threads_leave_the_cycle_collector_on(monkeypatch):
    """The interleaving that left it off: thread B looks while A's read has it off, A ends (turning it on), then B
    turns it off, and, having seen it off, never on again. Here B is held at that point until A has ended (or for
    a moment, where the look and the switch are one step and A must wait)."""
    import gc
    import threading

    from diag.core import bulk

    a_inside, a_done, b_looked = threading.Event(), threading.Event(), threading.Event()

    class Held:   # the gc module, but B is held between looking and switching
        def __getattr__(self, name):
            return getattr(gc, name)

        def isenabled(self):
            on = gc.isenabled()
            if threading.current_thread().name == "B":
                b_looked.set()
                a_done.wait(0.5)
            return on

    monkeypatch.setattr(bulk, "gc", Held())

    def a():
        with bulk.no_gc_pauses():
            a_inside.set()
            b_looked.wait(0.5)
        a_done.set()

    def b():
        a_inside.wait(2)
        with bulk.no_gc_pauses():
            pass

    threads = [threading.Thread(target=a, name="A"), threading.Thread(target=b, name="B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    on = gc.isenabled()
    gc.enable()   # for the tests after this one, whatever this one finds
    assert on


LOOSE_JWT = (__import__("base64").urlsafe_b64encode(b'{\n "alg": "HS256"}').decode().rstrip("=")
             + ".c3ViamVjdA.c2lnbmF0dXJl")   # a JWT whose header was pretty-printed: ewo...

# Pieces of text the credential shapes are made of (and of what they must leave alone): a fast path that skipped
# one of them wrongly would keep a secret.
PIECES = st.sampled_from([
    "a", "Z", "0", "9", "-", "_", ".", " ", ":", "/", "+", "=", "==", "%", "%3D", "%22", "\\", '\\"', '"', "'", "<", ">",
    "</x>", "<input name='password' value='Zq7Vx9Kp2Lm4'>", "@", "://", "\n", "\r\n", "\t", "?", "#", "&",
    "eyJ", "eyA", "ewo", "ew0", "ewk", "Bearer ", "bearer\t", "Basic ", "token ", "OAuth ", "authorization: ",
    "AIza", "form-data", "password", "client_secret", "code", "dXNlcjpwYXNzd29yZA", "YWJjZGVmZ2hpams6c2VjcmV0",
    "0a1b2c3d4e5f", "c1a2b3d4-6f1c-4d2a-9b3e-0000000001ec", "2026-11-28T10:00:00.000Z", "Zq7Vx9Kp2Lm4Nw8R",
    "tel:+13175550100", "Agent A. Person12", "abcdefghijklmnop",
    # whole shapes, each with a credential of the fewest characters its shape takes
    "Zq7Vx9Kp", "Basic Zq7Vx9Kp", "Bearer Zq7Vx9Kp", "token Zq7Vx9Kp", "OAuth Zq7Vx9Kp", "https://svc:Zq7Vx9Kp@host",
    "x-dXNlcjpwYXNzd29yZA", "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0", LOOSE_JWT, "AIzaQQQQQQQ-QQQQQQQQQQ_QQQQQQQQQQ-QQQQQ",
    "password=Zq7Vx9Kp", "a%3Db%26client_secret%3DZq7Vx9Kp", '"password": "Zq7Vx9Kp"', "password: Zq7Vx9Kp",
    "'password': 'Zq7Vx9Kp'", "<password>Zq7Vx9Kp</password>", "at 10:00 authorization: Zq7Vx9Kp",
    "at 10:00 password: Zq7Vx9Kp", "10:00:00 pwd: Zq7Vx9Kp!", "x passcode\uff1a 482913", "x SMTP_PASSWORD: Zq7Vx9Kp",
    "host: h\npassword: Zq7Vx9Kp", '"at": "10:00", "password": "Zq7Vx9Kp"',
    # tables, and the line breaks other than \n that end their lines
    ",", ";", "|", "\r", "\x0b", "\u2028", "\x85", "user,password", "bob,Zq7Vx9Kp", "user\tapi_key\u2028bob\tZq7Vx9Kp",
    "key,value", "client_secret,Zq7Vx9Kp", "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----", "MIIEvQIBADAN"])


@settings(max_examples=examples(1500), deadline=None, derandomize=True)
@given(st.lists(PIECES, max_size=8).map("".join), st.booleans())
def test_a_text_skipped_by_the_shapes_fast_path_is_what_every_shape_leaves(text, copies):
    """Redactor._shapes returns a text at once when nothing any shape needs is in it: the long way (every shape
    tried) gives the same text, learns the same secrets and counts the same."""
    from diag.core.redact import Redactor

    fast, slow = Redactor(), Redactor()
    assert fast._shapes(text, copies) == slow._all_shapes(text, copies)
    assert (fast.known, dict(fast.counts)) == (slow.known, dict(slow.counts))


@settings(max_examples=examples(1000), deadline=None, derandomize=True)
@given(st.one_of(st.from_regex(__import__("diag.core.redact", fromlist=["_"])._PLAIN_VALUE, fullmatch=True),
                 st.from_regex(r"(tel:|sip:)?\+?[0-9]{12,20}", fullmatch=True)), st.booleans())
def test_a_value_taken_as_plain_is_what_every_shape_leaves(text, copies):
    """An id, a time, an interval or a number is returned by _shapes at once (an analytics answer holds hundreds of
    thousands): every shape tried leaves it as it is, learning and counting nothing."""
    from diag.core.redact import Redactor

    slow = Redactor()
    assert slow._all_shapes(text, copies) == text
    assert (slow.known, dict(slow.counts)) == (0, {})


@settings(max_examples=examples(1000), deadline=None, derandomize=True)
@given(st.lists(st.one_of(PIECES, st.text(max_size=3),
                          st.sampled_from(["\u00a0", "\u200b", "\u2060", "\ufeff", "\u00ad", "\u3000", "\x1f"])),
                max_size=8).map("".join))
def test_a_text_without_blanks_is_flattened_by_lower_casing_it(text):
    """_flat skips splitting and joining when nothing a paste puts inside a secret is in the text: the same reading."""
    from diag.core.redact import _INVISIBLE, _flat

    assert _flat(text) == _INVISIBLE.sub("", "".join(text.split())).lower()


SECRETS = st.lists(st.sampled_from(["Zq7Vx9Kp2Lm4", "benchTokLarge0123456", "s3cr3t-Value_9", "ABCDEFGHabcd1234",
                                     "Pa ss Wo rd 99x"]), min_size=1, max_size=5)


@settings(max_examples=examples(500), deadline=None, derandomize=True)
@given(SECRETS, st.lists(st.one_of(PIECES, st.sampled_from(["Zq7V x9Kp2Lm4", "ZQ7VX9KP2LM4", "benchTok\u200bLarge0123456",
                                                           "WnE3Vng5S3AyTG00", "YmVuY2hUb2tMYXJnZTAxMjM0NTY"])),
                         max_size=8).map("".join))
def test_a_text_holding_no_known_form_is_returned_as_the_long_way_returns_it(secrets, text):
    """_known returns at once a text holding none of the few forms known: every form looked for one by one, as
    the long way does, gives the same text and the same counts."""
    from diag.core.redact import Redactor

    fast, slow = Redactor(secrets), Redactor(secrets)
    slow._few_forms = lambda: None   # type: ignore[method-assign]
    assert fast._known(text) == slow._known(text)
    assert dict(fast.counts) == dict(slow.counts)


JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(allow_nan=False),
              st.lists(PIECES, max_size=4).map("".join)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["id", "name", "password", "token", "code", "authorization", "Authorization", "value",
                         "sessionId", "selfUri", "a", "client_secret", "eyJ", "x Bearer", "Zq7Vx9Kp",
                         "Bearer Zq7Vx9Kp"]), inner, max_size=4),
    max_leaves=12)


def _nested(depth: int, leaf):
    return leaf if depth == 0 else {"a": _nested(depth - 1, leaf)}


@settings(max_examples=examples(600), deadline=None, derandomize=True)
@given(st.lists(JSONISH, min_size=1, max_size=3))
@example([{"a": "Zq7Vx9Kp", "Zq7Vx9Kp": 1}, {"password": "Zq7Vx9Kp"}, {"a": "Zq7Vx9Kp", "Zq7Vx9Kp": 1}])
@example([{"code": "Zq7Vx9Kp"}, {"a": "Zq7Vx9Kp"}])
@example([_nested(49, "x"), _nested(50, "x"), _nested(51, "x"), _nested(52, {"a": 1})])
def test_the_walk_takes_clean_values_as_text_would_answer(values):
    """Redactor.value takes a key or string it has seen clean without calling text(), and scalars without a call:
    the same output, secrets and counts as the long way (text() for every key and string, a call for every value;
    values walked in turn, so that later ones meet what earlier taught)."""
    from diag.core.redact import REDACTED, Redactor, _kept_key, _secret_leaves, is_secret_name

    def long_way(red, value, depth=0):
        if depth > 50:
            return REDACTED
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                secret = isinstance(k, str) and v not in ("", None) and not isinstance(v, bool) and (
                    is_secret_name(k, v) if isinstance(v, (str, int, float)) else
                    not (k.strip().lower() in ("authorization", "authentication") and isinstance(v, dict))
                    and is_secret_name(k, "x"))
                key = _kept_key(out, red.text(k)) if isinstance(k, str) else k
                if secret:
                    out[key] = REDACTED
                    red.counts[f"key {k.lower()}"] += 1
                    for leaf in _secret_leaves(v) if isinstance(v, (dict, list)) else [v]:
                        if isinstance(leaf, (str, int)) and len(str(leaf)) >= 8 and not str(leaf).isalpha():
                            red.add(str(leaf))
                else:
                    out[key] = long_way(red, v, depth + 1)
            return out
        if isinstance(value, list):
            return [long_way(red, v, depth + 1) for v in value]
        if isinstance(value, str):
            return red.text(value)
        return value

    fast, slow = Redactor(), Redactor()
    for v in values:
        assert fast.value(v) == long_way(slow, v)
    assert (fast.known, dict(fast.counts)) == (slow.known, dict(slow.counts))


ROW_KEYS = ["date", "clientId", "templateUri", "status200", "requests"]
CELLS = st.one_of(st.integers(-5, 5), st.integers(2**62, 2**65), st.integers(-2**65, -2**62), st.booleans(),
                  st.floats(allow_nan=False), st.none(), st.text(max_size=4), st.sampled_from(["2026-11-01T00:00:00.000Z", "c-001"]),
                  st.lists(st.integers(0, 3), max_size=2), st.dictionaries(st.sampled_from("ab"), st.integers(0, 3), max_size=1))
ROW = st.fixed_dictionaries({}, optional={k: CELLS for k in ROW_KEYS})


@settings(max_examples=examples(200), deadline=None, derandomize=True)
@given(st.one_of(
    st.lists(ROW, max_size=6),   # any mix of keys and values
    st.integers(1, 6).flatmap(lambda n: st.lists(   # every row with the same keys, one kind of value per column
        st.fixed_dictionaries({k: v for k, v in zip(ROW_KEYS[:3], [st.integers(0, 999), st.text(max_size=3), CELLS])}),
        min_size=n, max_size=n))))
@example([{"a": 1, "b": "x"}, {"b": "y", "a": 2}])   # the same keys in another order
@example([{"a": 1}, {"b": 2}])   # the same count of keys, not the same keys
@example([{"a": 1}, {"a": 2, "b": 3}])   # a row with more keys than the first
@example([{("a", "b"): 1}])   # a helper's review: a key that is a tuple
def test_a_page_of_usage_rows_is_the_frame_from_records_makes(rows):
    import pandas as pd

    from diag.core.frames import rows_frame

    pd.testing.assert_frame_equal(rows_frame(rows), pd.DataFrame.from_records(rows))
