"""What diag's pseudonyms look like, in one place: the redaction writes them, the numbers module refuses to dial
them, the session refuses to resend them."""
from __future__ import annotations

import re

__all__ = ["PSEUDONYM", "WHOLE_PSEUDONYM", "PERSON"]

PSEUDONYM = re.compile(r"(?<![0-9A-Za-z])PN[0-9A-F]{8}(?![0-9A-Za-z])")   # a number's pseudonym, inside text
WHOLE_PSEUDONYM = re.compile(r"(?:\+(\d{1,3})-)?PN[0-9A-F]{8}")           # ... as a whole value (+1-PN1A2B3C4D)
PERSON = re.compile(r"\b(?:user|agent|customer|person|email|address)-\d+\b")   # a person's pseudonym
