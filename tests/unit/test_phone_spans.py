"""phone_spans reads only runs of 7 or more digits in its fast path: it must find exactly what a reading of every
digit run finds, in every script and spelling, and fall back where a separator itself holds a digit."""
import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from diag.core import numbers
from diag.core.numbers import SEPARATOR, canonical_text, phone_spans


def every_run(text):
    """The reading before the fast path: every digit run, short ones included, looked at one by one."""
    fast = numbers._LONG_SPAN
    numbers._LONG_SPAN = numbers._SPAN
    try:
        return phone_spans(text)
    finally:
        numbers._LONG_SPAN = fast


def test_every_separator_whose_compatibility_form_holds_a_digit_takes_the_slow_path():
    separator = re.compile(SEPARATOR)
    holding = [cp for cp in range(sys.maxunicode + 1)
               if not 0xD800 <= cp <= 0xDFFF and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
               and separator.fullmatch(chr(cp)) and re.search(r"\d", canonical_text(chr(cp)))]
    assert holding   # U+32C0 IDEOGRAPHIC TELEGRAPH SYMBOL FOR JANUARY is "1" and a letter
    assert [hex(cp) for cp in holding if not numbers._DIGIT_IN_SEPARATOR.match(chr(cp))] == []


PIECES = ["0", "1", "5", "9", "12", "317", "5550100", "+", "\uff0b", "\uff11", "\u0663", "\u096a", " ", "-", ".",
          "/", "(", ")", "\u00a0", "\u200b", "\\n", "\\u00a0", "%20", "x", "ext.", "a", "Z", "_", ":", ",", "@",
          "\"", "tel:", "sip:", "2026-12-06", "10:00:01", "192.168.1.10", "0.25", "\u32c0", "\u33e0", "\u3358",
          "f3af2a85-4c12-4930-9941-624d8a31a80e", "\n", "=", "<path d='M 43.76 340.07 L 720 374.4'/>"]


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
def test_the_fast_path_finds_what_every_run_finds(text):
    assert phone_spans(text) == every_run(text)


@pytest.mark.parametrize("text", [
    "call +1 317 555 0100 now", "+44 (0)20 7946 0958", "\uff0b\uff11\uff13\uff11\uff17\uff15\uff15\uff15\uff10",
    "sip:+13175550100@edge", "1\u32c0 2345 678", "\u32c0 317 555 0100", "d='M 43.762584 340.077416 L 720 374.4'",
    "2026-12-06T10:00:01.412Z 3175550100", "078-05-1120", "id f3af2a85-4c12-4930-9941-624d8a31a80e"])
def test_spellings_people_paste_read_as_before(text):
    assert phone_spans(text) == every_run(text)


def test_short_runs_are_never_numbers_and_a_long_one_among_them_is_found():
    svg = " ".join(f"L {i % 100} {i * 7 % 100}" for i in range(2000))   # chart path data: thousands of short runs
    assert phone_spans(svg) == []
    text = svg + " +1 317 555 0100 " + svg
    (start, end), = phone_spans(text)
    assert text[start:end] == "+1 317 555 0100"


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(PIECES + ["\\", "\\\\", "\\t", "\\x41", "\\u12", "\\q", "\u00b7", "\u2013"]),
                max_size=30).map("".join))
def test_separators_come_out_as_one_pass_of_the_separator_pattern_takes_them(text):
    from diag.core.numbers import without_separators

    assert without_separators(text) == re.sub(SEPARATOR, "", text)
