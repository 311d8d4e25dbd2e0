"""phone_spans reads only runs of 7 or more digits in its fast path: it must find exactly what a reading of every
digit run finds, in every script and spelling, and fall back where a separator itself holds a digit."""
import functools
import re
import sys
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag.core import numbers
from diag.core.numbers import SEPARATOR, canonical_text, phone_spans, without_separators

NUMBER = "+13175550161"
FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))


def every_run(text):
    """The reading before the fast path: every digit run, short ones included, looked at one by one."""
    fast = numbers._LONG_SPAN
    numbers._LONG_SPAN = numbers._SPAN
    try:
        return phone_spans(text)
    finally:
        numbers._LONG_SPAN = fast


def test_every_separator_whose_compatibility_form_holds_a_digit_takes_the_slow_path():
    """A separator whose compatibility form holds a digit (U+32C0 is "1" and a letter) sends a text the slow way."""
    separator = re.compile(SEPARATOR)
    holding = [cp for cp in range(sys.maxunicode + 1)
               if not 0xD800 <= cp <= 0xDFFF and unicodedata.normalize("NFKC", chr(cp)) != chr(cp)
               and separator.fullmatch(chr(cp)) and re.search(r"\d", canonical_text(chr(cp)))]
    assert holding   # U+32C0 IDEOGRAPHIC TELEGRAPH SYMBOL FOR JANUARY is "1" and a letter
    assert [hex(cp) for cp in holding if not numbers._DIGIT_IN_SEPARATOR.match(chr(cp))] == []


def test_short_runs_are_never_numbers_and_a_long_one_among_them_is_found():
    """Chart path data is thousands of short runs: none is a number, and a number among them is found."""
    svg = " ".join(f"L {i % 100} {i * 7 % 100}" for i in range(2000))   # chart path data: thousands of short runs
    assert phone_spans(svg) == []
    text = svg + " +1 317 555 0100 " + svg
    (start, end), = phone_spans(text)
    assert text[start:end] == "+1 317 555 0100"


# ---- the fast path finds exactly what every run finds, in every script and spelling ----

_W = re.compile(r"\w")


@functools.lru_cache(maxsize=1)
def _inside() -> list[int]:
    """Every assigned code point that can stand inside a number (a separator: not a letter or digit) and every digit
    of every script (Nd): the characters whose reading could differ between the two paths."""
    return [cp for cp in range(sys.maxunicode + 1) if unicodedata.category(chr(cp)) not in ("Cs", "Co", "Cn")
            and (not _W.match(chr(cp)) or unicodedata.category(chr(cp)) == "Nd")]


@pytest.mark.parametrize("template", ["a 12{c}3456 a", "a 1{c}23456{c}7 a", "a +{c}123456 a",
                                      "a 2026-12-06{c}3175550161 a"])
def test_every_character_that_can_stand_between_digits_reads_as_before(template):
    """Each separator and script digit (all planes) between 6 or 7 digits: the fast path finds what every run finds."""
    block = [cp for cp in _inside() if 0x32C0 <= cp <= 0x33FF]   # a text with one is read run by run: one at a time
    rest = "\n".join(template.format(c=chr(cp)) for cp in _inside() if not 0x32C0 <= cp <= 0x33FF)
    assert phone_spans(rest) == every_run(rest)
    for cp in block:
        text = template.format(c=chr(cp))
        assert phone_spans(text) == every_run(text), hex(cp)


SCRIPT_DIGITS = ("0123456789\u0660\u0661\u0663\u06f5\u0966\u096a\u09e7\u0e51\u1041\u17e2\uff10\uff11\uff19"
                 "\U0001d7ce\U0001d7d9\U0001d7ec\U0001fbf1")
NEAR_DIGITS = "\u00b2\u00b3\u00b9\u2070\u2074\u2080\u2081\u2460\u2474\u2488\u24ea\u2776\u3007\u2150\u00bd\U0001f101"
SPACES = (" -./()\u00a0\u2007\u202f\u3000\u200b\u200c\u200d\u2060\ufeff\u0301\u20e3\u00ad\u00b7\u2013\u2014"
          "\u2212\uff0d\uff0e\uff0f\uff3c\t\x0b\x0c\x85\u2028\u2029#*~^`$")
PLUSES = "+\uff0b\u2795\ufe62\u207a\u208a"
ENDS = "\n\r:,;@=&\"'<>{}[]|\\?!_%"
LETTERS = "aAxXpPwWeEtTfFbBuU\u00e9\u0627\u05d0"
AROUND_THE_BLOCK = "\u32bf\u32c0\u32cb\u3358\u3370\u33a1\u33e0\u33fe\u33ff\u3400"
PIECES = st.one_of(
    st.sampled_from(list(SCRIPT_DIGITS + NEAR_DIGITS + SPACES + PLUSES + ENDS + LETTERS + AROUND_THE_BLOCK)),
    st.sampled_from(["\\n", "\\t", "\\b", "\\u00a0", "\\u0031", "\\x31", "\\u32c0", "\\\\", "\\", "%20", "%2B",
                     "%2b", "%33", "%E3%8B%80", "tel:", "sip:", "ext.", "2026-12-06", "06/12/2026", "12.06.2026",
                     "1.2.3.4", "192.168.001.010", "0.25", "3175550161", NUMBER, "555", "0161",
                     "f3af2a85-4c12-4930-9941-624d8a31a80e"]))


@FAST
@given(st.lists(PIECES, max_size=40).map("".join))
def test_pasted_text_of_every_script_and_spelling_reads_as_before(text):
    """Random texts of script digits, look-alike digits, spaces, escapes, dates and ids: the same spans as before."""
    assert phone_spans(text) == every_run(text)


@FAST
@given(st.text(max_size=60))
def test_any_text_reads_as_before(text):
    """Any Unicode text at all: the same spans as before."""
    assert phone_spans(text) == every_run(text)


@pytest.mark.parametrize("text, found", [
    ("call +\u0661 \u0663\u0661\u0667 \u0665\u0665\u0665 \u0660\u0661\u0666\u0661", True),   # Arabic-Indic
    ("\u0967\u0969\u0967\u096d\u096b\u096b\u096b\u0966\u0967\u096c\u0967", True),              # Devanagari
    ("\uff0b\uff11\uff13\uff11\uff17\uff15\uff15\uff15\uff10\uff11\uff16\uff11", True),         # full width
    ("\U0001d7cf\U0001d7d1\U0001d7cf\U0001d7d5\U0001d7d3\U0001d7d3\U0001d7d3\U0001d7ce\U0001d7cf\U0001d7d4"
     "\U0001d7cf", True),                                                                        # mathematical bold
    ("+1\u00a0317\u202f555\u20070161", True),
    ("3\u200b1\u200b7\u200b5\u200b5\u200b5\u200b0\u200b1\u200b6\u200b1", True),
    ("3\u03011\u03017\u03015\u03015\u03015\u03010\u03011\u03016\u03011", True),                # combining marks
    ("+1\\u00a0317\\t555\\n0161", True), ("%2B1%20317%20555%200161", True),
    ("tel:+1-317-555-0161", True), ("<sip:+13175550161@edge.example>", True),
    ("2026-12-06 3175550161", True), ("06/12/2026+13175550161", True), ("2026-12-06", False),
    ("192.168.100.200", False), ("0.3588235294117647", False), ("f3af2a85-4c12-4930-9941-624d8a31a80e", False),
    ("\u00b9\u00b3\u00b9\u2077\u2075\u2075\u2075\u2070\u00b9\u2076\u00b9", False),              # superscripts
    ("1\u32c0 2345 6", True), ("12345\u33e06", True), ("1 2 3 4 5 6", False),
])
def test_spellings_people_paste_are_found_as_before(text, found):
    """What a hurried user pastes: found (or not) as before, by the same spans."""
    assert phone_spans(text) == every_run(text)
    assert bool(phone_spans(text)) is found


def test_a_long_text_of_short_runs_and_long_gaps_reads_as_before():
    """Half a megabyte of six-digit runs each followed by long separator gaps: same answer, and in linear time."""
    text = ("1 2 3 4 5 6" + " " * 2000 + "x") * 100 + " +1 317 555 0161 "
    (start, end), = phone_spans(text)
    assert text[start:end] == "+1 317 555 0161" and every_run(text) == [(start, end)]


# ---- without_separators: one pass of SEPARATOR ----

def test_every_code_point_comes_out_as_the_separator_pattern_takes_it():
    """Every assigned code point but the ideographs and syllables (every 61st of those, and of the unassigned and
    private ones) in one string: str.translate keeps and drops exactly what re.sub(SEPARATOR) does."""
    every = "".join(chr(cp) for cp in range(sys.maxunicode + 1)
                    if unicodedata.category(chr(cp)) not in ("Lo", "Cn", "Co") or cp % 61 == 0)
    assert without_separators(every) == re.sub(SEPARATOR, "", every)


@FAST
@given(st.lists(st.one_of(PIECES, st.sampled_from(["\\u", "\\x4", "\\u00", "\\uffff", "\\U0001", "\\\\t",
                                                   "\\\\u0031", "\uff3cu0031", "\\\u00a0"])),
                max_size=40).map("".join))
def test_escapes_glued_to_separators_come_out_as_one_pass_takes_them(text):
    """Backslashes, half escapes and escapes glued to separators: the same text as one pass of SEPARATOR."""
    assert without_separators(text) == re.sub(SEPARATOR, "", text)
