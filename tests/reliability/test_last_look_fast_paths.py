"""The bundle's last look reads a file's phone spans only when a digit run of its separator-less form holds a
pseudonymised number's digits (or a separator of the text could hide one from that form). Its verdict stays the
one of reading every span of every file, for texts built to fool the shortcut: numbers broken by separators whose
canonical form is a letter, digit or plus, combining marks, ids and dates beside them."""
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diag.core.errors import RedactionError
from diag.core.numbers import (ESCAPES, PERCENT_ESCAPE, canonical_text, phone_spans, spans_stand_together,
                               without_separators)
from diag.reports.bundle import _verify
from tests.sizes import examples

NUMBERS = ["+13175550148", "13175550148", "+442079460958", "1000000000"]
SEPARATORS = [" ", "-", ".", "/", "\u00a0", "\u00b7", "\u2121", "\ufe62", "\uff0b", "\u32c0", "\u0301", "\\n",
              "\\u00a0", "%20", "\u2028", "\x0b", "\u2460"]
PIECES = ["c1000000-0000-4000-8000-000000000001", "2026-11-28T10:00:00.000Z", "id-13175550148x", "x", " ", "\n",
          '"', ":", "tel:", "\u0661\u0663\u0661\u0667", "f3af2a85-4c12-4930-9941-624d8a31a80e"]


def reads_every_span(text: str, numbers: list[str]) -> bool:
    """The verdict of reading every span (the last look before its shortcut): whether a number's digits survive."""
    digits = {d for d in (re.sub(r"\D", "", canonical_text(n)) for n in numbers) if len(d) >= 7}
    lengths = sorted({len(d) for d in digits})
    runs = re.compile(rf"\d{{{lengths[0]},}}")
    bare = PERCENT_ESCAPE.sub("", text)   # a percent-escape is a separator, as phone_spans reads it
    flat = without_separators(canonical_text(ESCAPES.sub("", bare)))
    spans = [re.sub(r"\D", "", canonical_text(ESCAPES.sub("", PERCENT_ESCAPE.sub("", text[a:b]))))
             for a, b in phone_spans(text)]
    return any(run in digits for run in runs.findall(flat)) or any(
        sd[i:i + n] in digits for sd in spans for n in lengths for i in range(len(sd) - n + 1))


def last_look_refuses(text: str, numbers: list[str]) -> bool:
    try:
        _verify({"exchanges.jsonl": text.encode("utf-8", "surrogatepass")}, numbers, None, [])
    except RedactionError as exc:
        assert exc.kind == "phone number"
        return True
    return False


@st.composite
def spelled(draw):
    number = draw(st.sampled_from(NUMBERS))
    seps = st.sampled_from(SEPARATORS)
    out = ""
    for ch in number:
        out += ch + (draw(seps) if draw(st.booleans()) else "")
    return out


texts = st.lists(spelled() | st.sampled_from(PIECES) | st.text(alphabet="0123456789 -.+\u2121\u0301ab", max_size=12),
                 max_size=8).map("".join)


@pytest.mark.parametrize("text", [
    "+1 317\u2121555 0148",          # a separator that reads TEL: the separator-less form breaks the run
    "317\ufe62555\ufe620148",        # a small plus inside: '+' stays in that form
    "13175\u32c0550148",             # a separator whose canonical form holds a digit
    "1317555\u03010148",             # a combining mark between the digits
    "call 1 317 555 0148 now",       # plain: the shortcut finds it itself
    "c1000000-0000-4000-8000-000000000001",   # an id whose digits hold 1000000000: not a number, nothing refused
])
def test_the_shortcut_gives_the_verdict_of_reading_every_span(text):
    assert last_look_refuses(text, NUMBERS) == reads_every_span(text, NUMBERS), text


def test_a_text_with_a_separator_that_hides_digits_is_read_span_by_span():
    assert spans_stand_together("call +1 317 555 0148\u00a0now \u00b7 done")
    for sep in ("\u2121", "\ufe62", "\u32c0", "\u0301"):
        assert not spans_stand_together(f"1317{sep}5550148"), sep


@settings(max_examples=examples(400), deadline=None, derandomize=True)
@given(texts)
def test_any_text_gets_the_verdict_of_reading_every_span(text):
    assert last_look_refuses(text, NUMBERS) == reads_every_span(text, NUMBERS), text
