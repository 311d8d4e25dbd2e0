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
    """The reference: every text searched for every secret it knows."""

    @staticmethod
    def _present(text, everything, anchors):
        return sorted(everything, key=len, reverse=True)


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
