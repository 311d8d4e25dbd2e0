"""The one redaction policy: what never leaves the machine, applied when an exchange is recorded.

Removed always: Authorization and cookie headers, the token endpoint's form body, access/refresh tokens, client
secrets, bearer tokens and JWTs anywhere (headers, URLs, bodies), values under secret-looking keys, and any value
the session registered as a secret. Phone numbers are kept in the local log (it is needed to re-send) and are
pseudonymised by the bundle (see Pseudonymiser).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from collections import Counter
from typing import Any

REDACTED = "[REDACTED]"
PSEUDONYM = re.compile(r"(?<![0-9A-Za-z])PN[0-9A-F]{8}(?![0-9A-Za-z])")   # what Pseudonymiser writes
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
SECRET_KEY = re.compile(r"(secret|password|passwd|token|authorization|api[_-]?key|code_verifier|assertion|"
                        r"credential)", re.IGNORECASE)
BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}")
BASIC = re.compile(r"(?i)\bbasic\s+[A-Za-z0-9+/=]{8,}")
JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")
URL_SECRET = re.compile(r"(?i)([?&#](?:access_token|token|code|client_secret|code_verifier)=)[^&#\s\"'<>]+")


class Redactor:
    """Redacts values; counts what it removed by kind (never the values). Register session secrets with add()."""

    def __init__(self, secrets: list[str] | None = None):
        self._secrets: list[str] = []
        self.counts: Counter = Counter()
        for s in secrets or []:
            self.add(s)

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def text(self, value: str, kind: str = "text") -> str:
        out = value
        for s in self._secrets:
            if s in out:
                self.counts["known secret"] += out.count(s)
                out = out.replace(s, REDACTED)
        for pattern, label in ((JWT, "jwt"), (BEARER, "bearer token"), (BASIC, "basic credentials")):
            out, n = pattern.subn(REDACTED, out)
            if n:
                self.counts[label] += n
        out, n = URL_SECRET.subn(lambda m: m.group(1) + REDACTED, out)
        if n:
            self.counts["url secret"] += n
        return out

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        out = {}
        for k, v in headers.items():
            if k.lower() in SECRET_HEADERS:
                out[k] = REDACTED
                self.counts[f"header {k.lower()}"] += 1
            else:
                out[k] = self.text(str(v))
        return out

    def value(self, value: Any, depth: int = 0) -> Any:
        """Walk JSON-like data; secret-looking keys lose their values, strings are scrubbed."""
        if depth > 50:
            return REDACTED
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                # Only scalar values: `authorization` in users/me is a permissions object, not a secret.
                if isinstance(k, str) and SECRET_KEY.search(k) and isinstance(v, (str, int)) and v != "":
                    out[k] = REDACTED
                    self.counts[f"key {k}"] += 1
                else:
                    out[k] = self.value(v, depth + 1)
            return out
        if isinstance(value, list):
            return [self.value(v, depth + 1) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def form_body(self, _body: Any) -> str:
        self.counts["token request form body"] += 1
        return "[REDACTED: token request form body]"

    def report(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


class Pseudonymiser:
    """Stable pseudonyms for phone numbers: a keyed hash, same number -> same pseudonym, country code kept."""

    NUMBER = re.compile(r"(?<![\w])\+?\d[\d\s().-]{5,}\d(?![\w])")

    def __init__(self, key: bytes):
        self.key = key
        self.mapping: dict[str, str] = {}

    def pseudonym(self, number: str) -> str:
        from diag.core.doctor import phones

        e164 = phones.normalise(number)
        if e164 in self.mapping:
            return self.mapping[e164]
        try:
            import phonenumbers
            cc = str(phonenumbers.parse(e164).country_code) if e164.startswith("+") else ""
        except Exception:
            cc = ""
        digest = hmac.new(self.key, e164.encode(), hashlib.sha256).hexdigest()[:8].upper()
        alias = f"+{cc}-PN{digest}" if cc else f"PN{digest}"
        self.mapping[e164] = alias
        return alias

    def text(self, value: str) -> str:
        def swap(m: re.Match) -> str:
            if _inside_identifier(value, m.start(), m.end()) or not _looks_like_phone(m.group(0)):
                return m.group(0)
            return self.pseudonym(m.group(0))
        return self.NUMBER.sub(swap, value)

    def value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


_ID_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def _inside_identifier(text: str, start: int, end: int) -> bool:
    """Digits inside a UUID or another id with letters ('f3af2a85-4c12-4930-9941-624d8a31a80e') are not a number."""
    i, j = start, end
    while i > 0 and text[i - 1] in _ID_CHARS:
        i -= 1
    while j < len(text) and text[j] in _ID_CHARS:
        j += 1
    return any(c.isalpha() for c in text[i:j])


def _looks_like_phone(s: str) -> bool:
    """Free text holds dates, ids and counts too: only a digit run that is a valid number is a phone number."""
    digits = re.sub(r"\D", "", s)
    if not 7 <= len(digits) <= 15 or re.fullmatch(r"\d{4}-\d{2}-\d{2}.*", s.strip()):
        return False
    import phonenumbers

    try:
        return phonenumbers.is_valid_number(phonenumbers.parse("+" + digits))
    except phonenumbers.NumberParseException:
        return False
