"""A redactor that knows many secrets looks in each text only for those whose middle it holds: it must remove
exactly what one looking for every secret removes, whatever the secrets share (every JWT begins eyJ, a
session's tokens may share a prefix and a suffix), in every form it knows (escaped, broken across lines, inside
base64)."""
import base64

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diag.core.redact import Redactor

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
cores = st.text(ALPHABET, min_size=4, max_size=10)
shapes = st.sampled_from([("eyJhbGciOiJIUzI1NiJ9.", ".sig"), ("benchTok", "abcdefgh"), ("", ""), ("tok-", "-end")])


class EveryOne(Redactor):
    """The reference: every text searched for every secret it knows, longest first, the first learned first."""

    def _present(self, text, forms, grams=None):
        return list(forms.items)


def spellings(secret: str) -> list[str]:
    """How a secret turns up in a capture: as is, broken across a line, upper-cased, inside Basic's base64."""
    half = len(secret) // 2
    return [secret, secret[:half] + "\n " + secret[half:], secret.upper(),
            base64.b64encode(f"client:{secret}".encode()).decode()]


@SETTINGS
@given(shapes, st.lists(cores, min_size=30, max_size=60, unique=True), st.data())
def test_the_anchored_search_removes_what_searching_every_secret_removes(shape, middles, data):
    head, tail = shape
    secrets = [f"{head}{m}{tail}" for m in middles]
    secrets = [s for s in secrets if len(s) >= 4]
    picked = data.draw(st.lists(st.sampled_from(secrets), min_size=1, max_size=4))
    pieces = [p for s in picked for p in data.draw(st.permutations(spellings(s)))[:2]]
    text = " | ".join(["x"] + pieces + ["y"])
    fast, full = Redactor(secrets), EveryOne(secrets)
    assert len(fast.learned_secrets()) > 24   # the anchored path, not the look-at-all-of-them one
    assert fast.text(text) == full.text(text)
    assert fast.learned_secrets() == full.learned_secrets()   # the same forms, in the same order (longest first)


def test_equal_lengths_are_searched_in_the_order_learned_whatever_the_hash_seed():
    """Two secrets of one length overlapping in a text: the first learned goes first, on the anchored path as on the
    reference, in every run (a review saw the output change with PYTHONHASHSEED)."""
    import os
    import subprocess
    import sys

    code = ("from diag.core.redact import Redactor\n"
            "filler = [f'zz{i:03d}qq' for i in range(30)]\n"
            "print(Redactor(filler + ['abcdefgh', 'efghijkl']).text('x abcdefghijkl y'))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout.strip() for seed in range(1, 7)}
    assert outs == {"x [REDACTED]ijkl y"}


def test_a_secret_that_is_another_secrets_form_keeps_its_own_forms():
    """The lower case of one secret given as a secret of its own: its base64 and broken-line forms are known too (a
    review found them left out)."""
    text = "x " + base64.b64encode(b'{"note":"abcdefgh1234 ok"}').decode() + " y"
    assert "[REDACTED]" in Redactor(["abcdefgh1234"]).text(text)
    assert Redactor(["AbCdEfGh1234", "abcdefgh1234"]).text(text) == Redactor(["abcdefgh1234"]).text(text)


def test_a_secret_with_spaces_broken_across_lines_is_found():
    assert Redactor(["abcd efgh 1234"]).text("x abcd\nefgh 1234 y") == "x [REDACTED] y"


class Forgetful(Redactor):
    """The reference for the clean-text memory: every text read in full, as if never seen."""

    def text(self, value, kind="text"):
        self._clean.clear()
        return super().text(value, kind)


@SETTINGS
@given(st.lists(cores, min_size=2, max_size=8, unique=True), st.data())
def test_a_text_remembered_as_clean_is_cleaned_again_when_a_secret_it_holds_is_learned_later(middles, data):
    """A capture that learns a secret per entry (each answer's own token): a text seen clean before a secret was
    learned, then seen again, loses that secret, in every spelling, as a redactor reading it afresh removes it;
    and what stays clean stays as it was."""
    secrets = [f"tok{m}Z9" for m in middles]
    plain = ["id", "note", "x " * 20, "u1"]
    teaching = [t for s in secrets for t in (f'{{"access_token": "{s}"}}', f"Authorization: Bearer {s}")]
    mentions = [p for s in secrets for p in spellings(s)] + [f"see {s} here" for s in secrets]
    texts = data.draw(st.lists(st.sampled_from(plain + teaching + mentions), min_size=5, max_size=60))
    fast, full = Redactor(), Forgetful()
    for t in texts:
        assert fast.text(t) == full.text(t), t
    assert fast.counts == full.counts
    for t in texts:   # the second pass a reader makes once everything is learned
        assert fast.text(t) == full.text(t), t


def test_a_clean_text_is_searched_by_anchors_once_many_secrets_were_learned_since():
    """Past the few forms searched one by one, a remembered text is searched for every secret known (and still
    loses one learned after it was seen), and is counted once."""
    red = Redactor()
    early = "a note naming tokLATE0123456789 later"
    red.text("tokLATE0123456789".replace("LATE", "XXXX"))
    assert red.text(early) == early                      # nothing known yet: remembered as clean
    for i in range(40):
        red.add(f"filler{i:04d}secretvalue")             # many forms learned since
    red.add("tokLATE0123456789")
    assert red.known - red._clean[early] > 64
    assert "tokLATE0123456789" not in red.text(early)
    assert red.counts["known secret"] == 1


def test_a_secret_needs_four_characters_that_are_not_blanks_and_is_then_found_in_any_spelling():
    """A value of blanks, or of blanks and two or three letters, is no secret: sought everywhere it would cut
    every text ("q" out of ".../details/query", "[REDACTED]" between every character for a password of spaces,
    which hid every Genesys request of a capture). Four such characters are a secret, found as written, broken by
    blanks and in any case, with few or many secrets known, and in a text shorter than most of them."""
    for filler in ([], [f"filler{i:04d}secretvalue" for i in range(30)]):
        red = Redactor(filler)
        for blank in ("        ", "q       ", "q7      z", " \t\n  "):
            red.add(blank)
            red.learn("password", blank)
        assert red.text("POST /api/v2/analytics/conversations/details/query") == \
            "POST /api/v2/analytics/conversations/details/query", len(filler)
        assert red.text("q7z") == "q7z" and red.value({"a": "b c"}) == {"a": "b c"}
        red.add("q7    z8")
        assert red.text("q7z8") == "[REDACTED]", len(filler)
        assert red.text("Q7 Z8") == "[REDACTED]", len(filler)
        assert red.text("x q7    z8 y") == "x [REDACTED] y", len(filler)
