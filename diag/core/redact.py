"""The one redaction policy: what never leaves the machine, applied when an exchange is recorded and again, with
pseudonyms, when anything is exported.

Redactor (always, before anything is stored):
  - by name: headers, query parameters, form fields and JSON keys named like a credential (case-insensitive):
    the OAuth/OIDC set (`access_token`, `refresh_token`, `id_token`, `code`, `code_verifier`, `client_secret`,
    `client_assertion`, `assertion`, `password`), `Authorization`, cookies, and any name holding token, secret,
    password, api key or credential (`X-Auth-Token`); in structured data and in text bodies alike (form-encoded,
    JSON that did not parse, header lines of a pasted request);
  - by value: every secret the session knows, also when split across whitespace or line breaks, or
    percent-encoded;
  - by shape: bearer tokens, Basic credentials, JWTs.
Pseudonymiser (exports: bundle, sanitised evidence):
  - every number a phone system would dial (numbers.phone_spans: any script, any separators, tel:/sip: user
    parts, national and 00 forms, JSON integers) becomes a keyed pseudonym, the same for the same number;
  - people: user names and e-mails (users/me), participant names, caller id names and every e-mail address become
    stable pseudonyms (`user-1`, `agent-2`, `email-3`) unless the person keeps them on purpose.
Counts are kept by kind, never the values (the redaction report).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import re
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, unquote

from diag.core.pseudonyms import PERSON, PSEUDONYM, WHOLE_PSEUDONYM  # noqa: F401  (names of this module too)

REDACTED = "[REDACTED]"

# Names that are credentials wherever they appear (query, form, header, JSON key), compared without case, '-'
# or '_'; and the words that make any name one (X-Auth-Token, client_secret, user_password).
SECRET_NAMES = frozenset({"accesstoken", "refreshtoken", "idtoken", "code", "codeverifier", "clientsecret",
                          "clientassertion", "assertion", "password", "pwd", "pin", "passphrase", "passcode",
                          "otp", "sessionid", "sessionkey", "sid", "authorization", "proxyauthorization",
                          "cookie", "setcookie", "xapikey", "apikey", "privatekey", "samlresponse", "signature",
                          "sig", "jwt", "auth", "clientkey", "subscriptionkey", "xamzsignature",
                          "xamzsecuritytoken", "ocpapimsubscriptionkey", "pass", "authentication", "authkey",
                          "accesskey", "hmac", "pw", "bearer"})
SECRET_KEY = re.compile(r"(secret|refresh|password|passwd|passphrase|token|authorization|api[_-]?key|code[_-]?verifier|"
                        r"assertion|credential|cookie|private[_-]?key|session(?:[_-]?(?:id|key))?$|csrf|xsrf|signature|"
                        r"subscription[_-]?key)", re.IGNORECASE)
# An ErrorBody's `code` ("bad.request") and OAuth's error names are not authorization codes.
ERROR_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)+|[a-z]+(?:[-_][a-z]+)+|\d{1,4}")
_SP = r"(?:\s|%20|\+)+"   # a space, also as a URL or form writes it
BEARER = re.compile(rf"(?i)\bbearer{_SP}[A-Za-z0-9._~+/=-]{{8,}}")
BASIC = re.compile(rf"(?i)\bbasic{_SP}[A-Za-z0-9+/=]{{8,}}")
# A JWT, also broken over lines when pasted: a part may go on on the next line (not when that line is a header,
# "Host: ..."), and a line may break beside a dot.
_JWT_MORE = r"(?:[ \t]*\r?\n[ \t]*(?![A-Za-z0-9_-]+[ \t]*:)[A-Za-z0-9_-]+){0,16}+"   # bounded, possessive: linear
_JWT_DOT = r"[ \t]*(?:\r?\n[ \t]*)?\.(?:[ \t]*\r?\n)?[ \t]*"
JWT = re.compile(rf"\beyJ[A-Za-z0-9_-]*{_JWT_MORE}{_JWT_DOT}[A-Za-z0-9_-]{{4,}}{_JWT_MORE}{_JWT_DOT}"
                 rf"[A-Za-z0-9_-]{{4,}}{_JWT_MORE}")
# name="x", name=x, name='x' and RFC 5987's name*=UTF-8''x
# A JWT whose header was pretty-printed before encoding ('{ "alg"' is eyA..., '{\n' ewo..., '{\r\n' ew0..., '{\t'
# ewk...): the same shape, taken only when its first part decodes to a JSON object naming alg or typ
JWT_LOOSE = re.compile(rf"\b(?:eyA|ew[o0k])[A-Za-z0-9_-]*{_JWT_MORE}{_JWT_DOT}[A-Za-z0-9_-]{{4,}}{_JWT_MORE}"
                       rf"{_JWT_DOT}[A-Za-z0-9_-]{{4,}}{_JWT_MORE}")
_JWT_LOOSE_WORDS = ("eya", "ewo", "ew0", "ewk")


def loose_jwts(text: str) -> list[str]:
    """The JWTs of `text` whose header is not written eyJ... (see JWT_LOOSE)."""
    low = text.lower()
    if not any(word in low for word in _JWT_LOOSE_WORDS):
        return []
    out = []
    for m in JWT_LOOSE.finditer(text):
        head = "".join(m.group(0).split(".", 1)[0].split())
        try:
            decoded = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode("utf-8")
        except ValueError:
            continue
        if decoded.lstrip().startswith("{") and ('"alg"' in decoded or '"typ"' in decoded):
            out.append(m.group(0))
    return out


_DISPOSITION = re.compile(r"(?i)^content-disposition:[^\r\n]*?(?<![\w-])name\*?=\s*(?:[\w-]*'[\w-]*')?"
                          r"(\"[^\"]*\"|'[^']*'|[^;\s]+)")
_NAME = r"[A-Za-z%][\w.%-]*"
_VALUE = r"(\"(?:[^\"\\]|\\.)*\"|[^&\s\"'<>;,]+)"
PAIR = re.compile(rf"(?<![\w.%-])({_NAME})(=){_VALUE}")                              # a=b in queries and forms
JSON_PAIR = re.compile(rf"(\"({_NAME})\"\s*:\s*)\"((?:[^\"\\]|\\.)*)\"")             # "a": "b" in unparsed JSON
HEADER_LINE = re.compile(rf"(?im)^([ \t]*({_NAME})[ \t]*:[ \t]*)(\S[^\r\n]*)$")       # Name: value lines
# ... and within a line ("login failed, password: hunter2!"), under a name that only a credential has (prose
# says "token: 300 per minute", "session: 10.0.0.12", "refresh: 10:00"): the value quoted, or up to a blank
# (with any prefix: db_password, SMTP_PASSWORD, api_secret; a token only as part of a name: auth_token, X-Auth-Token)
_MIDLINE_NAMES = (r"[\w-]*?(?:secret|pass(?:word|wd|phrase|code)?|pwd|pin|api[_-]?key|private[_-]?key|"
                  r"client[_-]?assertion)(?:[_-]?key)?|[\w-]*?[a-z0-9][_-]?token")
MIDLINE_PAIR = re.compile(rf"(?ai)(?<![\w.%-])({_MIDLINE_NAMES})([ \t\u00a0]*[:\uff1a][ \t\u00a0]*)"
                          r"(?:\"([^\"\n]{1,256})\"|'([^'\n]{1,256})'|`([^`\n]{1,256})`|([^\s\"'<>`|,;]+))")
# the same pairs as other text writes them: 'a': 'b' and a='b' (a Python or JavaScript literal), <a>b</a> (XML,
# SOAP), <input name="a" value="b"> (an HTML form)
QUOTED_PAIR = re.compile(rf"((?<![\w.%-])'?({_NAME})'?\s*[:=]\s*')((?:[^'\\\n]|\\.)*)'")
XML_PAIR = re.compile(rf"(<({_NAME})(?:\s[^<>]*)?>)([^<>]{{1,4096}})(</\2\s*>)")
HTML_INPUT = re.compile(r"<input\b[^<>]*>", re.IGNORECASE)   # linear: a scan stops at the next < or >
# A table (CSV, TSV, ';' or '|' separated, Markdown, a database client's output): a header line of two names or more
# with one separator between them, one of which names a credential; the rows below it are read cell by cell. Found
# line by line (a line holding a credential's word and a separator is split and its cells looked at), never by one
# pattern over the text: names may hold blanks, brackets and quotes, which a single pattern reads in too many ways.
_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"   # what str.splitlines() ends a line at
_ANY_BREAK = re.compile(f"[{_BREAKS}]")
_TABLE_WORD = re.compile(r"(?i)pass|pw|secret|token|key|pin|cred|auth|otp|cookie|sess|sid|sig|hmac|assertion|jwt")
_SEPARATORS = ("\t", ",", ";", "|")
# a name: a letter first, no colon or sentence's mark ('Steps: login' is prose), no run of four digits (a data row
# of dates, counts, ids and paths, '/api/v2/oauth/token', is no header)
_HEAD_CELL = re.compile(r"(?!.*\d{4})[^\W\d][\w .()/+'-]{0,63}")
_HEAD_STRIP = " \t\u00a0\ufeff\"'`*#[]:"         # quotes, a colon after, Markdown's emphasis and code, brackets, a comment's '#'
# a key/value table's header: a cell names keys, a later one values ('Parameter Name,Parameter Value', 'Name,Type,Value')
# a PEM key's body after its BEGIN line: lines (or, pasted on one line, words) of base64 and its old headers, then
# its END line
_PEM_BODY = re.compile(r"(?:\s+(?:[A-Za-z0-9+/]{16,}=*|[A-Za-z0-9+/]{1,15}={1,2}|[A-Za-z0-9+/]{1,15}(?=\s*-----END )"
                       r"|(?:Proc-Type|DEK-Info|Comment):[^\n]{0,200}))*")
_PEM_END = re.compile(r"\s*-----END [A-Z0-9 ]{0,40}-----")
_PEM_REACH = 16_384   # an RSA key of 4,096 bits is about 3,300 characters
_KEY_WORDS = {"key", "name", "setting", "settings", "property", "field", "parameter", "param", "variable", "attribute",
              "option", "item", "entry", "config", "configuration", "credential"}
_VALUE_WORD = re.compile(r"(?i)val")
_KEY_CELL = re.compile(r"[\w .:()/+'-]+")   # a key's characters: a header's, digits first too (2fa_secret)
_NO_SECRET_CELL = frozenset({"true", "false", "yes", "no", "y", "n", "null", "none", "n/a", "na", "-"})
# a value that reads as a word of prose ('sorry', 'Morning'), and words of state a sentence puts after a
# credential's name ('Token, expired', '| Auth | OK |'): no credential
_PROSE_WORD = re.compile(r"[A-Za-z][a-z]*")
_STATE_WORDS = frozenset({"ok", "valid", "invalid", "expired", "missing", "present", "required", "set", "unset",
                          "enabled", "disabled", "active", "inactive", "sent", "failed", "success", "successful",
                          "denied", "granted", "revoked", "pending", "unknown", "empty", "blank", "bearer", "basic",
                          "please", "thanks", "sorry", "again", "ended", "started", "refreshed", "renewed", "rotated",
                          "created", "deleted", "updated", "reset", "changed", "locked", "unlocked", "timeout",
                          "correct", "incorrect", "wrong", "accepted", "rejected", "used", "unused"}) | _NO_SECRET_CELL
_RULE_LINE = re.compile(r"[\s|+=:-]+")            # |---|:--:| or psql's -----+-----
_TIME_CELL = re.compile(r"\d{1,3}|\d{1,2}:\d{2}(?::\d{2})?")   # a count under 1,000, a time
_JOINED = 20   # lines a quoted cell may run over (each line is read once however long the cell)
# an attribute starts after a blank (data-name= and data-value= are other attributes), its value quoted or not
_INPUT_NAME = re.compile(rf"""(?<=\s)name\s*=\s*(?:"({_NAME})"|'({_NAME})'|({_NAME})(?=[\s/>]|$))""", re.IGNORECASE)
_INPUT_VALUE = re.compile(r"""(?<=\s)value\s*=\s*(?:"([^"<>]*)"|'([^'<>]*)'|([^\s"'<>=`]+))""", re.IGNORECASE)
_B64 = "A-Za-z0-9+/=_-"
_INVISIBLE = re.compile("[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_GAP = "[\\s\u200b-\u200f\u2060-\u2064\ufeff\u00ad]*"   # what a paste can put inside a secret
_GAP_CHAR = re.compile(_GAP[:-1])


def _flat(text: str) -> str:
    """`text` lower-cased without what a paste can put inside a secret (blanks, invisible characters): where a
    secret learned in one piece is looked for in a text that broke it up."""
    if _GAP_CHAR.search(text) is None:
        return text.lower()   # most values hold no blank at all: one search instead of split, join and sub
    return _INVISIBLE.sub("", "".join(text.split())).lower()


B64_WORD = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{12,}={0,2}(?![A-Za-z0-9+/=])")
CREDENTIAL_PAIR = re.compile(r"[\x21-\x39\x3b-\x7e]{1,200}:[\x21-\x7e]{1,200}")   # id:secret, printable


# What people write where they took a credential out ("Bearer REDACTED", "<token>", "xxxx", "YOUR_TOKEN"): no
# secret, and learning it as one would find it in diag's own words ([REDACTED], GENESYS_CLOUD_ACCESS_TOKEN, Bearer)
# and refuse every ticket made from that evidence.
_PLACEHOLDER = re.compile(r"(?i)[\[<({\"'\s]*(?:\w*redacted\w*|removed|hidden|masked|omitted|scrubbed|sanitized|"
                          r"sanitised|bearer|basic|token|access[_ -]?token|secret|client[_ -]?secret|password|"
                          r"(?:your|my|the)[_ -]?(?:access[_ -]?|api[_ -]?|bearer[_ -]?|client[_ -]?)?"
                          r"(?:token|secret|password|key)(?:[_ -]?here)?|x+|\*+|\.+|-+|#+|•+|"
                          # what a front end sends when it has no token ("Bearer null", "Bearer undefined")
                          r"null|undefined|none|nil|nan|true|false|\[object object\])[\]>)}\"'\s]*")


# A credential in a sentence: after an Authorization word (with or without its scheme), after OAuth or token, or a
# Google API key by its shape (AIza and 35 more)
FREE_CREDENTIAL = re.compile(r"(?i)(?:\b(?:proxy-)?authori[sz]ation[ \t]*[:=][ \t]*(?:[A-Za-z-]+[ \t]+)?|"
                             r"\b(?:oauth|token)[ \t]+)(?P<value>[A-Za-z0-9._~+/=-]{8,})|(?P<key>(?-i:\bAIza[0-9A-Za-z_-]{35}\b))")
# a version (v2.1.0-beta3) or an id (a UUID) after "token" or "OAuth" in a sentence: no credential
_UUID_TEXT = r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"   # a Genesys id
_NOT_A_CREDENTIAL = re.compile(rf"(?i)v?\d+(?:\.\d+)+(?:[-+][a-z]+\.?\d*)?|{_UUID_TEXT}")
_JSON_PAIR_AT = re.compile(rf"(?=\"({_NAME})\"\s*:\s*\"((?:[^\"\\]|\\.)*)\")")
_JSON_ESCAPE = re.compile(r'\\(["\\/])')   # one level of a JSON string's escapes of quotes and backslashes
_NESTED_PAIR = re.compile(r"=[^&\s\"'<>;,=]*[?#][\w.%-]+=")   # no '=' inside: linear
_NESTED_START = re.compile(r"[?#](?=[\w.%-]+=)")


_SP_SPLIT = re.compile(_SP)
# a scheme at a line's end, and on the next line a field's name and its value ('bearer\nexpires_in: 3600', as a token
# answer written as YAML or a form reads): a name has no digit; a base64 credential's '=' ends it, a field's has its
# value after it
_NAMED_ON_THE_NEXT_LINE = re.compile(r"(?i)(?:bearer|basic)[ \t]*(?:\r\n|[\n\r\v\f\x85\u2028\u2029])\s*[A-Za-z_][A-Za-z_.-]*"
                                     r"[ \t]*(?::|=[ \t]*[^=\s]|[,;|\t])")
_LONG_DIGITS = re.compile(r"\d{7,}")
_USERINFO = re.compile(r"(?i)((?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://[^\s/?#@:\"'<>\[\]]*:)"   # from a scheme's start:
                       r"([^\s/?#\"'<>]+)(@)")   # linear; to the authority's last '@' (p@ss written as is)


def _secret_leaves(value: Any, key: str = "", depth: int = 0):
    """The values inside JSON-like `value` (under a secret's name) held under a secret's own name
    ({"clientSecret": ...} inside "credentialFields"; a list's items under its key; a `value` or `key` beside a
    name), or that read as generated: not its ids, dates, types and names."""
    if depth > 50:
        return
    for k, v in value.items() if isinstance(value, dict) else ((key, v) for v in value) if isinstance(value, list) \
            else ():
        if isinstance(v, (dict, list)):
            yield from _secret_leaves(v, k if isinstance(k, str) else key, depth + 1)
        elif isinstance(v, str) and not _UUID_VALUE.fullmatch(v) and (
                isinstance(k, str) and (is_secret_name(k, v) or k.lower() in ("value", "key")) or _looks_random(v)):
            yield v


def _lower_escapes(text: str) -> str:
    """`text` with its percent-escapes in lower-case hex (%2B as %2b), the rest as it is."""
    return _ESCAPE_HEX.sub(lambda m: m.group(0).lower(), text)


_ESCAPE_HEX = re.compile(r"%[0-9A-F]{2}")


def shaped_credential(found: str, after_authorization: bool = False) -> bool:
    """Whether a BEARER or BASIC match (the scheme and what follows it) holds a credential: after an Authorization
    name, or a value with a digit, a symbol or a capital after its first letter, a long one, or Basic's base64 of
    user:password. Not prose ("requires Basic authentication", "Bearer tokenization") or a placeholder ("Bearer
    undefined")."""
    scheme, *rest = _SP_SPLIT.split(found.strip(), maxsplit=1)
    value = rest[0] if rest else ""
    if not value or is_placeholder(value):
        return False
    if after_authorization:
        return True   # "Authorization: Bearer abcdefghij": what follows the scheme there is the credential
    if _looks_random(value) or len(value) >= 32 or any(c.isdigit() or c in "-._~+/=" for c in value) \
            or any(c.isupper() for c in value[1:]):
        return True   # a word of prose is letters, lower case after its first
    if scheme.lower() == "basic":
        try:
            return ":" in base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
        except ValueError:
            return False
    return False


def is_placeholder(value: str) -> bool:
    """Whether `value` is what a person left where a credential was (a word such as REDACTED or TOKEN, a run of
    x or *), not a credential: never learned as a secret."""
    return len(value) <= 64 and _PLACEHOLDER.fullmatch(value) is not None


_UUID_VALUE = re.compile(_UUID_TEXT)
_DATE_TIME_VALUE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
# Values no credential shape reads anything in (tests/unit/test_fast_paths_agree.py generates them): a UUID, a date
# or time or an interval of two, a number, alone or after tel: or sip: (a run of digits is no base64 of ASCII)
_WHEN = _DATE_TIME_VALUE.pattern
_PLAIN_VALUE = re.compile(rf"{_UUID_TEXT}|(?:tel:|sip:)?\+?[0-9]{{1,20}}|(?:{_WHEN})(?:/(?:{_WHEN}))?")


def is_secret_name(name: str, value: Any = None) -> bool:
    reading = _secret_name(str(name))
    if reading is False:
        return False
    if isinstance(value, str) and (_DATE_TIME_VALUE.fullmatch(value.strip()) and _flat_name(str(name)) not in _HELD
                                   or _flat_name(str(name)) == "sessionid" and _UUID_VALUE.fullmatch(value)):
        return False   # the SDK's AnalyticsSession.sessionId names a session; a UUID there is read as its id (modelled)
    if reading is None:   # `code`: an OAuth code is a secret, an error code is not
        return not (isinstance(value, str) and ERROR_CODE.fullmatch(value.strip('"'))) and not isinstance(value, int)
    if reading and isinstance(value, (str, bool)) and _flat_name(str(name)) in _NOT_ALWAYS:
        if str(value).strip().lower() in _NOT_ALWAYS[_flat_name(str(name))]:
            return False   # pass=true (a Genesys query parameter), hmac=sha256 (an algorithm): no secret
    return reading


# Names only a credential has: a date-shaped value under them is the credential (a password of 2024-01-01), where
# under any other secret-like name (tokenExpires, passwordLastChanged) a date is when, not what.
_HELD = frozenset({"password", "pwd", "passphrase", "passcode", "pin", "clientsecret", "secret", "apikey", "xapikey",
                   "privatekey", "accesskey", "authkey", "clientkey", "subscriptionkey", "otp"})
_NOT_ALWAYS = {"pass": frozenset({"true", "false", "yes", "no", "1", "0"}),
               "hmac": frozenset({"sha1", "sha256", "sha384", "sha512", "md5", "hmac-sha1", "hmac-sha256",
                                  "hmacsha1", "hmacsha256", "hmac-sha512", "true", "false"})}


def _flat_name(name: str) -> str:
    return unquote(name).strip().lower().replace("-", "").replace("_", "")


@lru_cache(maxsize=8192)
def _secret_name(name: str) -> bool | None:
    """Whether a key or header name holds a secret; None for `code`, which depends on its value."""
    low = unquote(name).strip().lower()
    if low.startswith("x-") and len(low) > 2:   # X-Password, X-Code: a custom header named like the field
        low = low[2:]
    flat = low.replace("-", "").replace("_", "")
    if flat == "code":
        return None
    if _SETTING.search(unquote(name).strip()):
        return False   # a setting about a credential, not one (idleTokenTimeoutSeconds, tokenStorageLocation)
    return flat in SECRET_NAMES or bool(SECRET_KEY.search(low))


# The last word of a name that measures or describes a credential rather than holding one: the SDK's own
# accessTokenValiditySeconds, idleTokenTimeoutSeconds, convertedTokenCount, tokenConversionRate, secretSize,
# tokenStorageLocation, passwordRequirements, credentialTypes, clientSecretProvided, signatureValid; and OAuth's
# token_type (the token answer's `token_type`: "bearer", as the SDK's AuthResponse reads it)
_SETTING_WORDS = ("Seconds", "Minutes", "Hours", "Days", "Millis", "Milliseconds", "Count", "Rate", "Size",
                  "Location", "Requirements", "Type", "Types", "Enabled", "Provided", "Valid", "Aware")
_SETTING = re.compile(rf"(?:(?<=[a-z0-9])(?:{'|'.join(_SETTING_WORDS)})|[_-](?i:{'|'.join(_SETTING_WORDS)}))$")


def _could_be_secret(value: str) -> bool:
    """Whether a value learned from a carrier that also holds plain settings (a cookie, a secret-named field) is
    worth removing wherever it appears: 8 characters or more, not one word, not one number, not a date."""
    return (len(value) >= 8 and value != REDACTED and not value.isalpha() and not value.isdigit()
            and not _DATE_ONLY.fullmatch(value))


def _looks_random(value: str) -> bool:
    """A cookie's value that reads as a generated id or token: 8 characters or more of one token alphabet, with
    letters and digits mixed (two of each at least), and not words joined by separators (us-east-1, v1.2.3)."""
    return (len(value) >= 8 and _TOKEN_CHARS.fullmatch(value) is not None
            and sum(c.isdigit() for c in value) >= 2 and sum(c.isalpha() for c in value) >= 2
            and not _WORDS_AND_NUMBER.fullmatch(value) and not WHOLE_PSEUDONYM.fullmatch(value))


_TOKEN_CHARS = re.compile(r"[A-Za-z0-9+/=_%.~-]+")
_WORDS_AND_NUMBER = re.compile(r"[A-Za-z]+(?:[-_.][A-Za-z]+)*(?:[-_.]?\d{1,4})(?:[-_.]\d{1,4})*")
# Set-Cookie values joined into one (by lines, or by commas as HTTP libraries join them): a comma starts a new
# cookie only where a name= follows (an Expires date has a comma too)
_SET_COOKIES = re.compile(r"\n|,(?=\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+=)")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?")
_CLEAN_MEMORY = 500_000   # texts remembered as clean, at most (per Redactor and per Pseudonymiser)
_RECHECK_UP_TO = 64   # forms learned since a text was clean that are searched for one by one; more: read it again


def _anchor(secret: str) -> str:
    """Four characters from the middle of a secret (of four or more): where a redactor with many secrets files it,
    so that each text is searched only for the secrets whose middle it holds. The middle, not the start: tokens
    share their beginnings (every JWT starts eyJ), not their middles."""
    i = (len(secret) - 4) // 2
    return secret[i:i + 4]


def _longest_first(form: str) -> int:
    return -len(form)


def _grams(text: str) -> set[str]:
    return {text[i:i + 4] for i in range(len(text) - 3)}


class _Forms:
    """Secret forms of one kind, longest first and, among equals, the first learned first (a longer secret goes
    before one inside it, in the same order every run), each filed under its _anchor."""

    def __init__(self) -> None:
        self._order: dict[str, int] = {}   # each form and when it was learned, in that order
        self._anchors: dict[str, list[str]] = {}
        self._sorted: list[str] = []

    def __len__(self) -> int:
        return len(self._order)

    @property
    def items(self) -> list[str]:
        """Longest first; a stable sort keeps equals as learned. Sorted when asked for, not per form learned: a
        capture can teach thousands of forms that are then only looked up by their anchors."""
        if len(self._sorted) != len(self._order):
            self._sorted = sorted(self._order, key=_longest_first)
        return self._sorted

    def add(self, form: str) -> bool:
        if form in self._order:
            return False
        self._order[form] = len(self._order)
        self._anchors.setdefault(_anchor(form), []).append(form)   # four characters or more (Redactor.add)
        return True

    def present(self, text: str, grams: set[str] | None = None) -> list[str]:
        """All of them when few; else those whose middle four characters the text holds (a form that occurs has
        them there too), in the same order. `grams`: the text's four-character pieces, when already known."""
        if len(self._order) <= 24:
            return self._sorted if len(self._sorted) == len(self._order) else self.items
        held = (_grams(text) if grams is None else grams) & self._anchors.keys()
        return sorted({f for key in held for f in self._anchors[key]}, key=lambda f: (-len(f), self._order[f]))


def _holds_any(text: str, few: tuple[list[str], list[str], list[str]]) -> bool:
    """Whether `text` holds any of these forms as Redactor._known looks for them (the blank-free ones in its flat
    reading)."""
    plain, split, b64 = few
    for form in plain:
        if form in text:
            return True
    if split:
        flat = _flat(text)
        for form in split:
            if form in flat:
                return True
    for form in b64:
        if form in text:
            return True
    return False


def worth_seeking(secret: str) -> bool:
    """Whether a secret is sought wherever it appears (Redactor.add) and by a ticket's last look. Not with fewer
    than four characters that are not blanks: they would be found in any text (every form of a secret, its
    blank-free one too, is then four or more). Not "[REDACTED]" (what removal leaves) or "Bearer REDACTED" (what a
    customer's own redaction left), nor a number's pseudonym diag wrote (a text cleaned twice reads
    "token +1-PN1A2B3C4D" as a credential in a sentence), nor a word or a number of fewer than eight characters
    ("Bearer user", "Bearer 2026": sought everywhere, they would cut every such word and date out of the evidence;
    removed where they stand all the same), nor a date (a password of 2024-01-01 goes where it stands)."""
    flat = "".join(secret.split())
    return (len(flat) >= 4 and REDACTED not in secret and not is_placeholder(secret)
            and not WHOLE_PSEUDONYM.fullmatch(secret.strip())
            and not (len(flat) < 8 and (flat.isalpha() or flat.isdigit())) and not _DATE_TIME_VALUE.fullmatch(flat))


class Redactor:
    """Redacts values; counts what it removed by kind (never the values). Register session secrets with add()."""

    def __init__(self, secrets: list[str] | None = None):
        self._added: set[str] = set()                    # the secrets given to add(), each read once
        self._plain = _Forms()                           # every form of every secret (escaped, lower-cased)
        self._split = _Forms()                           # each secret of 8+ characters, lower case, without spaces
        self._patterns: dict[str, re.Pattern] = {}       # ... and its gap-tolerant pattern, made on first use
        self._b64 = _Forms()                             # the middle of its base64 at each alignment
        self.counts: Counter = Counter()
        # Texts seen to hold nothing to remove, each with how many forms were known then: a second look at the
        # same text (a field value repeated on every entry, the bundle's second pass) costs a look-up, plus a
        # search for the few forms learned since (a capture that learns a token per entry).
        self._clean: dict[str, int] = {}
        self._filed: list[tuple[_Forms, str]] = []   # every form, in the order learned (known == its length)
        self.known = 0   # how many forms of secrets are known: it grows whenever one is learned
        self._shortest = 1 << 30   # the length of the shortest form known
        self._few: tuple[list[str], list[str], list[str]] | None = None
        self._few_known = -1   # how many forms were known when _few was made
        for s in secrets or []:
            self.add(s)

    def __repr__(self) -> str:
        return f"<Redactor {len(self._plain)} secret(s)>"

    def cut_secret_at_end(self, text: str, shortest: int = 8) -> str:
        """`text` without the start of a known secret it ends with (an answer cut short in the middle of one)."""
        for secret in sorted(self._plain.items, key=len, reverse=True):
            for k in range(min(len(secret) - 1, len(text)), shortest - 1, -1):
                if text.endswith(secret[:k]):
                    self.counts["known secret (cut short)"] += 1
                    return text[:-k] + REDACTED
        return text

    def learned_secrets(self) -> list[str]:
        """Every form of every secret known (given or learned), to seed another Redactor or a last look."""
        return list(self._plain.items)

    @property
    def learned(self) -> bool:
        """Whether any secret is known (given, or learned from a credential-named key while redacting)."""
        return bool(self._plain)


    def add(self, secret: str | None) -> None:
        if not secret or secret in self._added or not worth_seeking(secret):
            return
        self._added.add(secret)
        # a lone surrogate (legal in JSON) is escaped as the UTF-8 a lenient encoder writes, never a failure
        once = quote(secret, safe="", errors="surrogatepass")
        slash = quote(secret, safe="/", errors="surrogatepass")
        for form in dict.fromkeys([secret, once, slash, quote(once, safe=""), once.lower(),
                                   _lower_escapes(once), _lower_escapes(slash)]):   # %2b, as .NET writes it
            self._file(self._plain, form)
        if len(secret) >= 8:
            # the same secret broken across lines or spaces when pasted, in any case (its own spaces too)
            self._file(self._split, "".join(secret.lower().split()))
            # ... and inside base64 (Basic auth without its prefix, encoded blobs): the middle of its encoding at
            # each of the three alignments is the same whatever surrounds it
            for shift in range(3):
                enc = base64.b64encode(b"\0" * shift + secret.encode("utf-8", "surrogatepass")).decode()
                core = enc[(shift * 4 + 2) // 3 + 1:-3]
                if len(core) >= 8:
                    for c in (core, core.replace("+", "-").replace("/", "_")):
                        self._file(self._b64, c)

    def _file(self, forms: _Forms, form: str) -> None:
        if forms.add(form):
            self._filed.append((forms, form))
            self.known += 1
            self._shortest = min(self._shortest, len(form))

    def _holds_any_since(self, text: str, since: int) -> bool:
        """Whether `text` holds a form learned after the first `since` (as _known would look for it)."""
        flat = None
        for forms, form in self._filed[since:]:
            if forms is self._split:
                if flat is None:
                    flat = _flat(text)
                if form in flat:
                    return True
            elif form in text:
                return True
        return False

    def text(self, value: str, kind: str = "text") -> str:
        known = self.known
        since = self._clean.get(value)
        out = None
        if since is not None:
            # clean then: its shapes hold nothing (they do not depend on what is known), so only the secrets
            # learned since can be in it: a few are searched for one by one, many by the anchored search
            if since == known or (not self._holds_any_since(value, since) if known - since <= _RECHECK_UP_TO
                                  else (out := self._known(value)) == value):
                self._clean[value] = known
                return value
            del self._clean[value]
        out = self._known(value) if out is None else out
        out = self._shapes(out)
        if self.known != known:
            out = self._known(out)   # learned here (a bearer token in a header line): the rest of it goes too
        elif out == value:
            if len(self._clean) >= _CLEAN_MEMORY:
                self._clean.clear()   # bounded: forgetting only costs a second look
            self._clean[value] = known
        return out

    def _few_forms(self) -> tuple[list[str], list[str], list[str]] | None:
        """Every form known, by kind, while each kind has few (_Forms.present's threshold): looked for one by one."""
        forms = (self._plain, self._split, self._b64)
        self._few = None if any(len(f) > 24 for f in forms) else (forms[0].items, forms[1].items, forms[2].items)
        self._few_known = self.known
        return self._few

    def _known(self, value: str) -> str:
        if len(value) < self._shortest:
            return value   # no form of a secret known fits in it (nor in its blank-free reading: shorter still)
        few = self._few if self._few_known == self.known else self._few_forms()
        if few is not None and not _holds_any(value, few):
            return value   # the common case, without sorting or filing anything
        out = value
        plain, split, b64 = self._plain, self._split, self._b64
        grams = _grams(value) if len(plain) > 24 or len(b64) > 24 else None   # shared while unchanged
        for s in plain.present(out, grams):
            if s in out:
                self.counts["known secret"] += out.count(s)
                out = out.replace(s, REDACTED)
        if split:
            flat = _flat(out)
            for low in split.present(flat):
                if low in flat:
                    pattern = self._patterns.get(low)
                    if pattern is None:
                        pattern = self._patterns[low] = re.compile(_GAP.join(re.escape(c) for c in low),
                                                                   re.IGNORECASE)
                    out, n = pattern.subn(REDACTED, out)
                    self.counts["known secret"] += n
        for core in b64.present(out, grams if out is value else None):
            if core in out:
                out, n = re.subn(f"[{_B64}]*{re.escape(core)}[{_B64}]*", REDACTED, out)
                self.counts["known secret (base64)"] += n
        return out

    def _shapes(self, out: str, copies: bool = True) -> str:
        """The credential shapes of `out`; copies=False for a decoded copy, which is not decoded again."""
        if len(out) <= 64 and _PLAIN_VALUE.fullmatch(out):
            return out   # an id, a time, a number: the values of an analytics answer, one match each
        low = out.lower()
        if _SHAPED.search(low) is None and (":" not in out or out.count(":") > 1 and not _NAMED_BEFORE_A_COLON.search(
                low)) and "\uff1a" not in out and _no_base64_word(out):
            return out   # nothing any shape needs (an id, a date, a name): as _all_shapes leaves it, in one search
        return self._all_shapes(out, copies)

    def _all_shapes(self, out: str, copies: bool = True) -> str:
        if "PRIVATE KEY" in out:
            out = self._private_keys(out)
        low = out.lower()   # each shape has a word it cannot do without: a long body is scanned only for those
        for pattern, label, needed in ((JWT, "jwt", "eyj"), (BEARER, "bearer token", "bearer"),
                                       (BASIC, "basic auth", "basic")):
            if needed not in low:
                continue
            n = 0

            def hit(found: re.Match, label: str = label) -> str:
                nonlocal n
                text = found.string
                after_authorization = "authoriz" in text[max(0, found.start() - 40):found.start()].lower()
                if label != "jwt" and not shaped_credential(found.group(0), after_authorization):
                    return found.group(0)   # prose or a placeholder: "requires Basic authentication", "Bearer null"
                if label != "jwt" and not after_authorization and _NAMED_ON_THE_NEXT_LINE.match(text, found.start()):
                    return found.group(0)   # 'token_type: bearer' ending a line, the next naming a field
                # learned: the same credential elsewhere, before or after, goes too
                self.add(_SP_SPLIT.split(found.group(0))[-1] if label != "jwt" else found.group(0))
                n += 1
                return REDACTED
            out = pattern.sub(hit, out)
            if n:
                self.counts[label] += n
        if copies and ("%3d" in low or "%22" in low or "=" in out and _NESTED_PAIR.search(out)):
            # a pair inside an encoded URL or body (an encoded '=' or '"'), or inside a URL given as a value
            # (target=https://...?X-Amz-Signature=..., redirect_uri=...#access_token=...): learned from a decoded copy
            # in which a nested query or fragment starts pairs of its own
            self._learn_from(_NESTED_START.sub("&", unquote(unquote(out))))
        if copies and '\\"' in out:   # JSON written inside a JSON string ({\"client_secret\": \"...\"}), any depth
            inner = out
            for _ in range(4):
                inner = _JSON_ESCAPE.sub(r"\1", inner)
                self._learn_from(inner)
                if '\\"' not in inner:
                    break
        if "://" in out and "@" in out:   # https://user:password@host (a webhook's or data action's URL)
            out = _USERINFO.sub(self._userinfo, out)
        for token in loose_jwts(out):
            self.add(token)
            out = out.replace(token, REDACTED)
            self.counts["jwt"] += 1
        if "form-data" in low:
            out = self._multipart(out)
        if ("oauth" in low or "token" in low or "authori" in low or "aiza" in low) and FREE_CREDENTIAL.search(out):
            out = FREE_CREDENTIAL.sub(self._free_credential, out)
        if len(out) >= 12:
            out = B64_WORD.sub(self._basic_pair, out)
        if "=" in out:
            out = PAIR.sub(self._pair, out)
        if '"' in out and ":" in out:
            out = JSON_PAIR.sub(self._json_pair, out)
        if ":" in out and "\n" in out or ":" in out and out.count(":") == 1:
            out = HEADER_LINE.sub(self._header_line, out)
        if ":" in out or "\uff1a" in out:
            out = MIDLINE_PAIR.sub(self._midline_pair, out)
        if "'" in out and (":" in out or "=" in out):
            out = QUOTED_PAIR.sub(self._named_pair, out)
        if "</" in out:
            out = XML_PAIR.sub(self._named_pair, out)
        if "<input" in low:
            out = HTML_INPUT.sub(self._input, out)
        if _ANY_BREAK.search(out) and _TABLE_WORD.search(out):
            out = self._table(out)
        return out

    def _private_keys(self, text: str) -> str:
        """A PEM private key ('-----BEGIN RSA PRIVATE KEY-----' to its END line; a key cut short, to its last line of
        base64) goes whole: its lines hold no name a credential shape reads."""
        out, pos, at, end = [], 0, 0, -1
        while (start := text.find("-----BEGIN ", at)) >= 0:
            head = text.find("-----", start + 11)
            if head < 0 or head - start > 64 or "PRIVATE KEY" not in text[start:head]:
                at = start + 11
                continue
            if end < head:   # each END looked for once: linear however many BEGIN lines
                end = text.find("-----END ", head + 5)
                end = len(text) + _PEM_REACH if end < 0 else end
            closing = _PEM_END.match(text, end) if end - head <= _PEM_REACH else None
            if closing is not None:   # its END within reach, whatever breaks its lines (\n escapes, <br>, '> ')
                stop = closing.end()
            else:   # no END (cut short, or a BEGIN line named in prose): its base64 goes
                body = _PEM_BODY.match(text, head + 5)
                stop = body.end() if body else head + 5
            out += [text[pos:start], REDACTED]
            self.counts["private key"] += 1
            pos = at = stop
        return "".join(out) + text[pos:] if out else text

    def _table(self, text: str) -> str:
        """A table's column named like a credential (password, api_key, client_secret ...) loses the value of each
        row below its header. A row ends at its line's end unless a quoted cell runs on; the table, at a line with
        no separator (a rule line aside), or at a blank line after its first row. A row with more or fewer cells
        than the header loses each cell the column's value could have moved to: diag cannot tell which one holds
        it. A value that reads as generated is learned, so that it goes wherever else it appears.

        Settings written a row each (a key/value table: a header such as 'key,value', 'Parameter Name,Value',
        '| Setting | Value | Notes |'): the value of each row whose key names a credential goes, the other rows
        stay; a header of credential columns among them starts a table of its own. A row of a credential's name
        and its value on its own ('client_secret,...') loses its value too (see _pair)."""
        lines = text.splitlines(keepends=True)
        out: list[str] = []
        columns: dict[int, str] = {}
        pairs: tuple[int, int] | None = None   # (the key's cell, the value's) while in a key/value table
        # (columns, in a key/value table: its other columns named like a credential's, as in any table)
        sep, width, rows, n = "", 0, 0, 0
        quoted_from = [0] * (len(lines) + 1)   # the first line at or after each that holds a quote
        quoted_from[len(lines)] = len(lines)
        for k in range(len(lines) - 1, -1, -1):
            quoted_from[k] = k if '"' in lines[k] else quoted_from[k + 1]
        while n < len(lines):
            line = lines[n]
            body = line.rstrip(_BREAKS)
            if (columns or pairs) and (not body.strip() or _RULE_LINE.fullmatch(body)):
                if not body.strip() and (rows or pairs):   # a key/value table ends at a blank line, rows or not
                    columns, pairs = {}, None
                out.append(line)
                n += 1
                continue
            if columns or pairs:
                first = (n, body, line)
                spans, running = _cells(body, sep)
                last = min(len(lines) - 1, n + _JOINED)
                while running and n < last and quoted_from[n + 1] <= last:   # only a line with a quote closes it
                    n += 1
                    offset = len(line)   # where the new line starts in the row: after the line break before it
                    more = lines[n].rstrip(_BREAKS)
                    tail, running = _cells(more, sep, quoted=True)
                    spans = spans[:-1] + [(spans[-1][0], offset + tail[0][1])] + \
                        [(offset + a, offset + b) for a, b in tail[1:]]
                    body, line = body + line[len(body):] + more, line + lines[n]
                if running:   # a quote never closed: a stray one, read as a character
                    n, body, line = first
                    spans, _ = _cells(body, sep, quotes=False)
                if len(spans) > 1:
                    if pairs is None:
                        out.append(self._row(body, spans, columns, width) + line[len(body):])
                    else:
                        key_at, value_at = pairs
                        name = _pair_key(body[slice(*spans[key_at])]) if key_at < len(spans) else None
                        if name and len(spans) <= width and value_at < len(spans) \
                                and _state_word(body[slice(*spans[value_at])].strip(_HEAD_STRIP)):
                            name = None   # 'PIN,required', 'auth,enabled': a setting's state, no credential
                        head = _header(body) if name is None else None
                        if head is not None and key_at not in head[2]:   # a credentials table's header below them
                            sep, width, columns = head
                            pairs, rows = None, 0
                            out.append(line)
                            n += 1
                            continue
                        # more cells than the header: the value held the separator, and every cell after it may be
                        # the value's; fewer: the value is where it stands
                        gone = {**columns, value_at: name} if name else columns   # and a credential's column
                        out.append((self._row(body, spans, gone, min(width, len(spans))) if gone else body)
                                   + line[len(body):])
                    rows += 1
                    n += 1
                    continue
                columns, pairs = {}, None
            settings = _settings_header(body)
            if settings is not None:   # its other columns named like a credential are read as a table's
                sep, width, pairs, columns = settings
                rows = 0
                out.append(line)
                n += 1
                continue
            found = _pair(body)
            if found is not None:   # a credential's name and its value ('client_secret,...', '| pin | ... |')
                line = self._row(body, found[0], found[1], len(found[0])) + line[len(body):]
                if not found[2]:
                    out.append(line)
                    n += 1
                    continue   # a value no column is named like: no header
            head = _header(body)   # a value that reads as a word ('password,notes'): maybe a header too
            if head is not None:
                sep, width, columns = head
                rows = 0
            out.append(line)
            n += 1
        return "".join(out)

    def _row(self, body: str, spans: list[tuple[int, int]], columns: dict[int, str], width: int) -> str:
        shift = len(spans) - width
        gone: dict[int, str] = {}
        free = 0   # every cell is taken once: linear in the cells however wide the header
        for i, name in sorted(columns.items()):
            for at in range(max(i + min(0, shift), free), min(i + max(0, shift), len(spans) - 1) + 1):
                gone[at] = name
                free = at + 1
        if abs(shift) > 8 and gone:   # no row of this table: every cell a value could have moved to goes, at once
            start, stop = spans[min(gone)][0], spans[max(gone)][1]
            self.counts[f"column {gone[min(gone)].lower()}"] += 1
            return body[:start] + REDACTED + body[stop:]
        out, end = [], 0
        for at in sorted(gone):
            start, stop = spans[at]
            cell = body[start:stop]
            value = cell.strip().strip('"`').strip()   # `bad.request`: a Markdown table's code span
            if not value.strip("-: ") or value == REDACTED or not is_secret_name(gone[at], value) \
                    or _kept_cell(value, held=_flat_name(gone[at]) in _HELD) or _diags_own(value):
                continue   # |---|, yes/no, a count, a time, a date: what a column about a credential holds
            if _looks_random(value):   # a word or a PIN goes where it stands; sought everywhere it would cut prose
                self.learn(gone[at], value)
            self.counts[f"column {gone[at].lower()}"] += 1
            lead = cell.index(value)
            out += [body[end:start + lead], REDACTED]
            end = start + lead + len(value)
        return "".join(out) + body[end:]

    def _input(self, m: re.Match) -> str:
        """<input name="client_secret" value="...">: the value goes when the name is a secret's."""
        tag = m.group(0)
        found, held = _INPUT_NAME.search(tag), _INPUT_VALUE.search(tag)
        if found is None or held is None:
            return tag
        name = next(g for g in found.groups() if g is not None)
        at = next(i for i in (1, 2, 3) if held.group(i) is not None)
        value = held.group(at)
        if value.strip() in ("", REDACTED) or not is_secret_name(name, value):
            return tag
        self.learn(name, value)
        self.counts[f"key {name.lower()}"] += 1
        return tag[:held.start(at)] + REDACTED + tag[held.end(at):]

    def _named_pair(self, m: re.Match) -> str:
        """A name and its value in text (quoted, or an XML element): the value goes when the name is a secret's."""
        name, value = m.group(2), m.group(3)
        if value.strip() in ("", REDACTED) or m.re is XML_PAIR and name.lower() == "code" \
                or not is_secret_name(name, value):
            return m.group(0)   # <code> is HTML's, and an XML error's <Code>: never an OAuth code
        self.learn(name, value)
        self.counts[f"key {name.lower()}"] += 1
        closing = m.group(4) if m.re.groups >= 4 else "'"
        return m.group(1) + REDACTED + closing

    def _learn_from(self, decoded: str) -> None:
        """Learn the credentials of a percent-decoded copy (X-Amz-Signature%3D..., #access_token%3D... inside a
        URL given as a parameter): their encoded forms go where they stand (text() reads it again). Only learned:
        what is removed is counted where it is removed."""
        counts = Counter(self.counts)
        try:
            self._shapes(decoded, copies=False)
            for m in _JSON_PAIR_AT.finditer(decoded):   # overlapping: "a": "{"b": "..." reads b's pair too
                name, value = m.group(1), m.group(2)
                if value and value != REDACTED and is_secret_name(name, value):
                    self.learn(name, value)
        finally:
            self.counts = counts

    def _multipart(self, text: str) -> str:
        """A multipart part named like a credential loses its value (every line to its own boundary), read line by
        line in one pass: linear whatever the text holds (many lines beginning `--` included)."""
        lines = text.splitlines(keepends=True)
        out: list[str] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            out.append(line)
            i += 1
            boundary = line.rstrip("\r\n")
            if not (boundary.startswith("--") and 2 < len(boundary) <= 202):
                continue
            name = None
            while i < len(lines) and lines[i].strip():   # the part's headers, to its blank line
                found = _DISPOSITION.match(lines[i])
                name = unquote(found.group(1).strip("\"'")) if found else name
                out.append(lines[i])
                i += 1
            if name is None or i >= len(lines):
                continue
            out.append(lines[i])   # the blank line
            i += 1
            start = i
            while i < len(lines) and not lines[i].startswith(boundary):
                i += 1
            value = "".join(lines[start:i])
            if value.strip() and value.strip() != REDACTED and is_secret_name(name, value.strip()):
                self.counts[f"field {name.lower()}"] += 1
                self.learn(name, value.strip())
                out.append(REDACTED + ("\r\n" if value.endswith("\r\n") else "\n" if value.endswith("\n") else ""))
            else:
                out.extend(lines[start:i])
        return "".join(out)

    def _basic_pair(self, m: re.Match) -> str:
        """base64 of 'id:secret' (Basic credentials without their prefix) is a credential by its shape."""
        word = m.group(0)
        if m.start() and m.string[m.start() - 1] == "-" and _HEX.fullmatch(word):
            return word   # the last group of a UUID (c1a2...-6f1c-...-0000000001ec), not base64
        try:
            decoded = base64.b64decode(word + "=" * (-len(word) % 4), validate=True).decode("ascii")
        except ValueError:
            return word
        if not CREDENTIAL_PAIR.fullmatch(decoded):
            if len(decoded) >= 12 and ('":' in decoded or "=" in decoded):   # JSON or a form, encoded: its
                self._learn_from(decoded)   # credentials are learned, and their base64 forms go (text() reads again)
            return word
        self.counts["basic auth (base64)"] += 1
        return REDACTED

    def _userinfo(self, m: re.Match) -> str:
        password = m.group(2)
        if password == REDACTED or is_placeholder(password):
            return m.group(0)
        self.add(password)
        self.counts["password in URL"] += 1
        return m.group(1) + REDACTED + m.group(3)

    def _free_credential(self, m: re.Match) -> str:
        """A credential written in a sentence ("Authorization: OAuth ...", "token x7Gq... is invalid", a Google
        API key): learned and removed when it reads as generated (letters and digits mixed), else left."""
        group = "value" if m.group("value") else "key"
        value = m.group(group)
        if group == "value" and (not _looks_random(value) or _NOT_A_CREDENTIAL.fullmatch(value)) or value == REDACTED:
            return m.group(0)
        self.add(value)
        self.counts["credential in text"] += 1
        return m.group(0)[:m.start(group) - m.start()] + REDACTED

    def _pair(self, m: re.Match) -> str:
        value = m.group(3).strip('"')
        if value == REDACTED or not value or not is_secret_name(m.group(1), value):
            return m.group(0)
        self.learn(m.group(1), unquote(value))
        self.counts[f"field {unquote(m.group(1)).lower()}"] += 1
        return m.group(1) + "=" + REDACTED

    def _json_pair(self, m: re.Match) -> str:
        if m.group(3) == REDACTED or not m.group(3) or not is_secret_name(m.group(2), m.group(3)):
            return m.group(0)
        self.learn(m.group(2), m.group(3))
        self.counts[f"key {m.group(2).lower()}"] += 1
        return m.group(1) + '"' + REDACTED + '"'

    def _header_line(self, m: re.Match) -> str:
        name = m.group(2)
        if m.group(3).strip() == REDACTED or name.lower() == "code" or not is_secret_name(name):
            return m.group(0)
        self.learn(name, m.group(3))
        self.counts[f"header {name.lower()}"] += 1
        return m.group(1) + REDACTED

    def _midline_pair(self, m: re.Match) -> str:
        """`password: value` within a line (MIDLINE_PAIR's names): the value goes when it reads as a credential (a
        digit in it, or generated), not as a word, a number, a time, an address or an id; it is learned (sought
        everywhere) only when it reads as generated: a value in prose can be anything, and a word learned as a
        secret would be cut out of every text, diag's own included."""
        at = next(i for i in (3, 4, 5, 6) if m.group(i) is not None)
        value = m.group(at)
        core = value.rstrip(".!?:)]}。") if at == 6 else value   # a sentence's or a bracket's end is not the value's
        lead = len(core) - len(core.lstrip("([{")) if at == 6 else 0
        core = core[lead:]
        if not core or not is_secret_name(m.group(1), core) or is_placeholder(core) \
                or not (any(c.isdigit() for c in core) or _looks_random(core)) or _PROSE_VALUE.fullmatch(core):
            return m.group(0)
        if _looks_random(core):   # a PIN of digits goes where it stands; sought everywhere it would cut numbers
            self.learn(m.group(1), core)
        self.counts[f"key {m.group(1).lower()}"] += 1
        return (m.string[m.start():m.start(at)] + value[:lead] + REDACTED + value[lead + len(core):]
                + m.string[m.end(at):m.end()])

    def learn(self, name: str, value: str) -> None:
        """Learn the secrets a credential carrier holds, so that they go wherever else they appear: a bearer token
        or Basic credentials (the blob and the secret inside it), every cookie's value, a secret-named field."""
        low, text = str(name).strip().lower(), str(value).strip()
        if low in ("authorization", "proxy-authorization"):
            parts = text.split(None, 1)   # a scheme and its credential, split on any blank (a pasted tab too)
            scheme, credential = (parts[0], parts[1].strip()) if len(parts) == 2 else ("", text)
            self.add(credential)   # with no scheme, the whole value is the credential
            if scheme.lower() == "basic":
                try:
                    pair = base64.b64decode(credential + "=" * (-len(credential) % 4)).decode("utf-8")
                except ValueError:
                    pair = ""
                if ":" in pair:
                    self.add(pair.split(":", 1)[1])
        elif low in ("cookie", "set-cookie"):
            if low == "cookie":
                pairs = text.split(";")
            else:   # one cookie per Set-Cookie, its attributes after `;`; several joined by lines or commas
                pairs = [c.split(";", 1)[0] for c in _SET_COOKIES.split(text)]
            for pair in pairs:
                cookie_name, _, cookie = pair.partition("=")
                cookie = cookie.strip().strip('"')
                # a session id, not consent=true, lang=en-US, region=us-east-1 or tz=Europe/Dublin
                if _looks_random(cookie) or (is_secret_name(cookie_name) and len(cookie) >= 8):
                    self.add(cookie)
        elif _could_be_secret(text):
            self.add(text)

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        out: dict[Any, str] = {}
        for k, v in headers.items():
            if is_secret_name(str(k)) and str(k).lower() != "code" and str(v).strip() not in ("", REDACTED):
                self.learn(str(k), str(v))
        for k, v in headers.items():
            name = _kept_key(out, self.text(k)) if isinstance(k, str) else k   # a name can echo a secret too
            if is_secret_name(str(k)) and str(k).lower() != "code":
                out[name] = REDACTED
                self.counts[f"header {str(k).lower()}"] += 1   # also when redacted before: the report says it went
            else:
                out[name] = self.text(str(v))
        return out

    def headers_again(self, headers: dict[str, str]) -> dict[str, str]:
        """Headers cleaned before, cleaned again for what was learned since: names and values alike (a name can
        quote a secret learned from a later entry). Nothing is learned or counted twice."""
        out: dict[Any, str] = {}
        for k, v in headers.items():
            out[_kept_key(out, self.text(k)) if isinstance(k, str) else k] = self.text(str(v))
        return out

    def value(self, value: Any, depth: int = 0, *, again: bool = False) -> Any:
        """Walk JSON-like data; secret-named keys lose their values, strings are scrubbed. again: data this
        redactor cleaned before (a second pass): what it removed then is not counted twice."""
        if depth > 50:
            return REDACTED
        if isinstance(value, dict):
            out: dict[Any, Any] = {}
            # A large answer is millions of keys and values, most of them met before and clean: those are taken as
            # they are here (what text() would answer, without a call), and scalars are not walked into.
            clean, shallow = self._clean, depth < 50
            held = _named_value(value) if "value" in value or "Value" in value or "ParameterValue" in value \
                else None   # the key of a setting's value (_VALUE_KEYS) when it is a credential's
            for k, v in value.items():
                if isinstance(k, str):
                    # `authorization` in users/me is a permissions object: walked, not removed
                    secret = _secret_name(k) is not False and v not in ("", None) and not isinstance(v, bool) and (
                        is_secret_name(k, v) if isinstance(v, (str, int, float)) else
                        not (k.strip().lower() in ("authorization", "authentication") and isinstance(v, dict))
                        and is_secret_name(k, "x")) or k == held
                    key = k if clean.get(k) == self.known else self.text(k)   # a key can echo a secret too
                    if key in out:
                        key = _kept_key(out, key)
                else:
                    secret, key = False, k
                if not secret and shallow:
                    if isinstance(v, str):
                        out[key] = v if clean.get(v) == self.known else self.text(v)
                        continue
                    if not isinstance(v, (dict, list)):
                        out[key] = v
                        continue
                if secret:
                    out[key] = REDACTED
                    if again and v == REDACTED:
                        continue   # removed by the first pass, and counted then
                    self.counts[f"key {k.lower()}"] += 1
                    # the same value quoted elsewhere (a finding, a message, a URL) goes too: every value inside
                    # when the key holds an object ("credentialFields": {"clientSecret": ...})
                    for leaf in _secret_leaves(v) if isinstance(v, (dict, list)) else [v]:
                        if isinstance(leaf, (str, int)) and len(str(leaf)) >= 8 and not str(leaf).isalpha():
                            self.add(str(leaf))
                else:
                    out[key] = self.value(v, depth + 1, again=again)
            return out
        if isinstance(value, list):
            return [self.value(v, depth + 1, again=again) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def form_body(self, _body: Any) -> str:
        self.counts["token request form body"] += 1
        return "[REDACTED: token request form body]"

    def report(self) -> dict[str, int]:
        return dict(sorted(self.counts.items()))


def _kept_key(out: dict, key: str) -> str:
    """`key` as it goes into `out`, numbered when redaction made it the same as one before (two keys that were
    secrets): no value is lost to another."""
    if key not in out:
        return key
    n = 2
    while f"{key} ({n})" in out:
        n += 1
    return f"{key} ({n})"


# ---- pseudonyms -----------------------------------------------------------------------------------

_LINE_BREAKS = re.compile(r"[\n\r]")
# a query or form value of digits and '+' only that is a number written with '+' for its spaces: it starts with a
# plus (to=%2B1+317+555+0181), or its name says it holds one or a search (q=317+555+0182); ids=101+102+103 is a list
_PLUS_SPACE = re.compile(r"(?<![\w.-])(?P<key>[\w.-]*)=(?P<label>[^\W\d_]{1,8}[.:-]?)?(?P<value>\+?\d[\d+]*\d)"
                         r"(?=[&#;\s]|$)")
_NUMBER_KEYS_OF_QUERIES = frozenset({"q", "query", "search", "phone", "phonenumber", "number", "to", "from", "ani",
                                     "dnis", "address", "tel", "mobile", "cell"})


def _plus_as_space(m: re.Match) -> str:
    from diag.core.numbers import PHONE_LABELS

    value, label = m.group("value"), m.group("label") or ""
    if label and label.rstrip(".:-").lower() not in PHONE_LABELS:   # from=Tel.+44+20+7946+0405, not x=abc+1+2
        return m.group(0)
    if not (label or value.startswith("+") or m.group("key").lower() in _NUMBER_KEYS_OF_QUERIES):
        return m.group(0)
    return f"{m.group('key')}={label}{value[0]}{value[1:].replace('+', ' ')}"   # the same length: places hold
_ESCAPED = re.compile(r"%(?:25)*(2[Bb]|40|20)")   # also escaped twice or more (%2540 is %40 is @)
_UNESCAPED = {"2B": "+", "40": "@", "20": " "}


# The SDK models' fields that hold a person's name (ExternalContact's firstName, middleName and lastName, a callback's
# callbackUserName, an e-mail's toName...) and a postal address (ContactAddress' address1, address2, postalCode).
_ALWAYS_PERSON = {"calleridname", "aniname", "dnisname", "callername", "calleename", "contactname", "fullname",
                  "firstname", "middlename", "lastname", "nickname", "preferredname", "displayname",
                  "participantname", "callbackusername", "toname", "fromname", "customername",
                  "givenname", "familyname"}   # (the last two: SCIM's name parts, RFC 7643)
# Fields that name the other party when they hold no number or address: AnalyticsSession's remote ("Name, phone
# number, or email address of the remote party") and remoteNameDisplayable
_PARTY_NAMES = {"remote", "remotenamedisplayable"}
# An object that is a party (learn_people): an EmailAddress ({email, name}: an e-mail's from, to, cc) or an Address
# (a message's fromAddress and toAddress: name, nameRaw, addressNormalized, addressRaw, addressDisplayable)
_ADDRESS_KEYS = {"address1", "address2", "address3", "street", "streetaddress", "street1", "street2", "postalcode",
                 "zipcode", "zip", "postcode"}
# Where an entity with a `name` is a person: under these keys, and in the answers of these paths
_PERSON_PARENTS = {"user", "users", "agent", "owner", "createdby", "modifiedby", "requestedby", "member"}
_PEOPLE_PATH = re.compile(r"/api/v2/(?:users|users/search|users/[^/]+|.+/members|.+/users|.+/individuals)/?$")
# Answers the SDK models as people: every operation whose response is one of these lists users
_PEOPLE_MODELS = frozenset({"User", "UserEntityListing", "list[User]", "UsersSearchResponse", "UserMe",
                            "TrustUser", "TrustUserEntityListing", "ClonedUserEntityListing", "ScimV2User",
                            "ScimUserListResponse", "UserReferenceEntityListing", "DashboardUserListing"})


@lru_cache(maxsize=4096)
def _answers_people(path: str) -> bool:
    """Whether GET `path` answers people: by its path, or by the response model the contract gives its operation."""
    if _PEOPLE_PATH.search(path):
        return True
    try:
        from diag.core.endpoints import check_operation

        op = check_operation("GET", path).operation
    except Exception:   # the contract unreadable: the path alone decides
        return False
    return op is not None and (op.response or "") in _PEOPLE_MODELS
_NAME_KEYS = {"name", "username", "nameraw"} | _ALWAYS_PERSON
_KEY_SPACING = re.compile(r"[\s_.-]+")


@lru_cache(maxsize=8192)
def _key_role(key) -> tuple[bool, bool, bool, bool, bool, bool] | None:
    """What learn_people may find under `key`: (an e-mail or user name, an address, always a person, a name, a
    number or a party's name, a number under a misnamed key such as `to`), or None where nothing is."""
    low, flat = _key_forms(key)
    role = (low in ("email", "username"), flat in _ADDRESS_KEYS, flat in _ALWAYS_PERSON, low in _NAME_KEYS,
            low in _NUMBER_KEYS or flat in _PARTY_NAMES, low in _MISNAMED_NUMBER_KEYS)
    return role if any(role) else None


def _empty_cell(norm: str) -> bool:
    """A lower-cased cell that names nobody: an empty cell written as '-', 'null' or 'N/A', no letter at all, or one
    Latin letter ('A' in a list's column). A name of one or two letters in another script (王, 김), or Li, Ng or Nan,
    is somebody."""
    return norm in _EMPTY_CELLS or not any(ch.isalpha() for ch in norm[:64]) or len(norm) == 1 and norm.isascii()


def _nobody(norm: str) -> bool:
    """... and, for a name matched in any case wherever it is written, a placeholder a person masked it with (XXXX,
    Hidden) or a flag (true, yes, NA): replaced everywhere, those words would be lost from the whole ticket."""
    return _empty_cell(norm) or norm in _NO_SECRET_CELL or norm in _MASKED or is_placeholder(norm)


_EMPTY_CELLS = frozenset({"null", "none", "n/a", "undefined", "nil", "-", "--"})
_MASKED = frozenset({"hidden", "masked", "removed", "[removed]", "anonymous", "private", "withheld", "unknown"})


def _person_column(name: str, contact: bool) -> str | None:
    """The kind of person a table's column named `name` holds (Pseudonymiser._learn_table_people), or None.
    contact: the header also names a phone, an e-mail or an address (a `name` there is a contact's)."""
    role = _key_role(name)
    first_or_last = _key_forms(name)[1] in _NAME_PART_COLUMNS
    if role is None and not first_or_last:
        return None
    if role is not None and role[0]:
        return "email"
    if role is not None and role[1]:
        return "address"
    if first_or_last:
        return "first" if _key_forms(name)[1] in _FIRST_NAME_COLUMNS else "last"
    if role is not None and (role[2] or role[3] and contact):
        return "person"
    return None


_PERSON_COLUMN_WORD = re.compile(r"(?i)name|mail|street|address|zip|postcode|postal")
# a contact's column beside a name: a phone, an e-mail, a postal address (not an IP, MAC or web address)
_CONTACT_WORD = re.compile(r"(?i)phone|mobile|\bcell\b|\btel\b|mail|street|address line|home address|postal|zip")
_FIRST_NAME_COLUMNS = {"firstname", "givenname", "forename"}
_NAME_PART_COLUMNS = _FIRST_NAME_COLUMNS | {"lastname", "familyname", "surname"}


def _kind_of(value: dict, path: str, parent: str, depth: int) -> str | None:
    """Who the object `value` of a Genesys answer or request is (learn_people): a customer, an agent, a user, a
    person, or None (a name in it is no one's)."""
    purpose = str(value.get("purpose") or "").lower()
    kind = ("customer" if purpose in ("external", "customer", "outbound") else
            "agent" if purpose in ("agent", "user", "acd") else None)
    if kind is None and ("/users" in path and ("email" in value or "username" in value)):
        kind = "user"
    top = depth == 0 or (depth == 1 and parent == "entities")
    if kind is None and "name" in value and "id" in value and (
            parent.lower() in _PERSON_PARENTS or (top and _answers_people(path.split("?", 1)[0]))
            or "/api/v2/users/" in str(value.get("selfUri") or "")):
        kind = "user"   # an entity of a user list, a queue member, a user referenced by another entity
    if kind is None and ("address" in value or "participantType" in value or "phoneNumber" in value
                         or "state" in value and "id" in value and "name" in value
                         and "/conversations" in path):
        kind = "person"   # a destination or participant without a purpose ({"phoneNumber", "name"} too)
    if kind is None and ("email" in value and "name" in value or "addressNormalized" in value
                         or "addressRaw" in value or "addressDisplayable" in value):
        kind = "person"   # an EmailAddress or an Address
    return kind


@lru_cache(maxsize=8192)
def _key_forms(key) -> tuple[str, str]:
    """A key lower-cased, and also without its spaces, underscores, dots and dashes (as people write field names):
    the same few keys recur in every object of an answer, so each is worked out once."""
    low = str(key).lower()
    return low, _KEY_SPACING.sub("", low)   # "Customer Name", last_name, First-Name: the field names above, as people write them
# A caller id name is often a team, not a person ("Support"): a word of these is nobody, and pseudonymising it
# replaced the word in diag's own prose too, so that the last look refused every ticket holding such a call
ROLE_NAMES = frozenset({"support", "sales", "service", "services", "customer service", "customer care", "care",
                        "billing", "help", "helpdesk", "help desk", "info", "information", "reception", "office",
                        "team", "desk", "operator", "agent", "queue", "unknown", "anonymous", "private"})
# a number goes here: text without one is a name; under the misnamed keys of forum bodies, one of two words or more
# ("to": "external" or "queue" is no one)
_NUMBER_KEYS = {"address", "phonenumber", "callerid", "ani", "dnis"}
_MISNAMED_NUMBER_KEYS = {"to", "from", "caller", "callee"}
# Words of Genesys' own vocabulary that a person's name can hold ("Avery Agent"): never replaced on their own.
_VOCABULARY = {"agent", "user", "customer", "external", "station", "phone", "queue", "call", "calls", "client",
               "desktop", "admin", "test", "demo", "support", "service", "sales", "team", "bot", "system"}


def name_parts(name: str) -> list[str]:
    """The parts of a person's name that stand for them on their own (Avery in "Avery's WebRTC phone")."""
    return [w for w in re.split(r"[\s,]+", name) if len(w) >= 3 and w[:1].isupper() and w.lower() not in _VOCABULARY]


def people_pattern(names) -> re.Pattern:
    """Any of `names` as a whole word, case-insensitive, with any whitespace where the name has a space."""
    parts = sorted(set(names), key=len, reverse=True)
    alternatives = "|".join(r"\s+".join(re.escape(w) for w in n.split()) for n in parts)
    return re.compile(rf"(?i)(?<!\w)(?:{alternatives})(?!\w)")


_FIRST_WORD = re.compile(r"\w+")
_PIECE = re.compile(r"[^\s+]+")   # a query writes a space as '+' (?q=Zoe+Smith)
_GAPS = re.compile(r"[\s+]*")
_NOT_WORD = re.compile(r"\W")


class Found:
    """A name found in a text, shaped as the part of re.Match its users read."""
    __slots__ = ("_start", "_end", "_text")

    def __init__(self, text: str, start: int, end: int):
        self._text, self._start, self._end = text, start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, index: int = 0) -> str:
        return self._text[self._start:self._end]


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class Names:
    """Whole-word search for many names (thousands of people) in time linear in the text and with nothing compiled
    per name: at each word of the text that begins some name, the next few whitespace-separated pieces are looked
    up in a set of the names' word tuples, the longest first (people_pattern's semantics: any whitespace inside a
    name; case-insensitive unless asked, where a hyphen also ends a word)."""

    def __init__(self, names=(), case_sensitive: bool = False):
        self.case_sensitive = case_sensitive
        self.words: set[tuple[str, ...]] = set()
        self.most_words: dict[str, int] = {}   # first word -> the most words a name beginning with it has
        self.last_lengths: set[int] = set()     # the lengths of names' last words: the only places one can end
        self.heads: set[tuple[str, ...]] = set()   # every name's words but its last
        self.widest = 0   # the most characters a name's word has: no piece of text is read further than one more
        self._always: set[str] = set()
        self.always: re.Pattern | None = None   # names not beginning with a word character (rare): one pattern
        for name in set(names):
            self.add(name)

    def add(self, name: str) -> None:
        """One more name to find (a person learned while reading): nothing else is rebuilt."""
        first = _FIRST_WORD.search(name)
        words = tuple(name.split() if self.case_sensitive else name.lower().split())
        if first is None or first.start() != 0 or not words or len(name.lower()) != len(name):
            if name not in self._always:
                self._always.add(name)
                self.always = None   # compiled again when next asked
            return
        key = first.group(0) if self.case_sensitive else first.group(0).lower()
        self.words.add(words)
        self.most_words[key] = max(self.most_words.get(key, 0), len(words))
        self.last_lengths.add(len(words[-1]))
        self.widest = max(self.widest, *map(len, words))
        if len(words) > 1:
            self.heads.add(words[:-1])

    def _compile_any(self, names: list[str]) -> re.Pattern:
        if self.case_sensitive:
            words_re = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
            return re.compile(rf"(?<![\w-])(?:{words_re})(?![\w-])")
        return people_pattern(names)

    def _ends_word(self, ch: str) -> bool:
        return not (_is_word(ch) or (self.case_sensitive and ch == "-"))

    def _longest(self, text: str, at: int, most: int) -> int:
        """The end of the longest known name standing at `at`; -1 if none."""
        pieces: list[str] = []
        starts: list[int] = []
        i, cap = at, self.widest + 1
        while len(pieces) < most:
            # read no further into a piece than a word can reach (and a character after it): a text with no
            # blanks (a minified body, a query) is one long piece, read once per word in it that begins a name
            m = _PIECE.match(text, i, i + cap)
            if m is None:
                break
            piece = m.group(0)
            if not self.case_sensitive:
                lowered = piece.lower()
                piece = lowered if len(lowered) == len(piece) else "".join(  # İ lowers to two characters
                    c.lower() if len(c.lower()) == 1 else c for c in piece)
            pieces.append(piece)
            starts.append(i)
            if len(piece) == cap:
                break   # longer than any word: it can only end a name (cut inside it), and nothing follows
            gap = _GAPS.match(text, m.end())   # always matches (it may be empty)
            i = gap.end() if gap else m.end()
        for k in range(len(pieces), 0, -1):
            head = tuple(pieces[:k - 1])
            if k > 1 and head not in self.heads:
                continue
            last = pieces[k - 1]
            # the last word ends where a word does: at the piece's end or before a character that ends words
            cuts = [m.start() for m in _NOT_WORD.finditer(last)
                    if not (self.case_sensitive and m.group(0) == "-")]
            for cut in [len(last), *reversed(cuts)]:
                if cut in self.last_lengths and head + (last[:cut],) in self.words:
                    return starts[k - 1] + cut
        return -1

    def matches(self, text: str) -> list:
        """The names found in `text`, left to right, none overlapping (the longest at a place wins)."""
        found: list = []
        fold = not self.case_sensitive
        if not self._always and self.most_words.keys().isdisjoint(_FIRST_WORD.findall(text.lower() if fold else text)):
            return found   # no word of the text begins a name: the usual case, decided in C
        last = -1
        for word in _FIRST_WORD.finditer(text):
            at = word.start()
            if at < last:
                continue
            most = self.most_words.get(word.group(0).lower() if fold else word.group(0))
            if not most:
                continue
            if at and not self._ends_word(text[at - 1]):
                continue
            end = self._longest(text, at, most)
            if end >= 0:
                found.append(Found(text, at, end))
                last = end
        if self._always:
            if self.always is None:
                self.always = self._compile_any(sorted(self._always))
            found.extend(self.always.finditer(text))
            found.sort(key=lambda m: (m.start(), -(m.end() - m.start())))
            chosen, last = [], -1
            for m in found:
                if m.start() >= last:
                    chosen.append(m)
                    last = m.end()
            return chosen
        return found

    def search(self, text: str) -> bool:
        return bool(self.matches(text))

    def sub(self, fn, text: str) -> str:
        found = self.matches(text)
        if not found:
            return text
        parts, at = [], 0
        for m in found:
            parts += [text[at:m.start()], fn(m)]
            at = m.end()
        parts.append(text[at:])
        return "".join(parts)


# An e-mail address, also with its @ percent-encoded once or more (%40, %2540), on an IDN top-level domain, with a
# quoted local part or an address literal, and as people write one to keep it from robots (a (at) b [dot] com, a @ b.com)
_LOCAL = r"(?:(?<![\w.+-])[\w.+-]{1,64}|\"[^\"\r\n]{1,64}\")"
_AT = r"(?:[@\uff20\ufe6b]|%(?:25)*40)"
_TLD = r"(?:[^\W\d_]{2,}|xn--[a-z0-9-]{2,59})"
_LITERAL = r"\[(?:\d{1,3}(?:\.\d{1,3}){3}|ipv6:[0-9a-f:.]{2,45})\]"
_HIDDEN_AT, _HIDDEN_DOT = r"(?: ?[(\[]at[)\]] ?| @ )", r"(?:\.| ?[(\[]dot[)\]] ?)"
# written to hide it (a (at) b.com, a [at] b [dot] com, a @ b.com): only before a common top-level domain, so that
# "meet (at) noon [dot] thanks" stays text
_COMMON_TLD = (r"(?:com|net|org|edu|gov|mil|int|info|biz|io|co|me|uk|ie|de|fr|es|it|nl|be|ch|at|se|no|dk|fi|pl|pt|"
               r"br|mx|ar|cl|in|jp|cn|kr|sg|hk|au|nz|za|ca|us|ru|tr|il|ae)")
EMAIL = re.compile(rf"(?i){_LOCAL}(?:{_AT}(?:{_LITERAL}|[\w-]+(?:\.[\w-]+)*\.{_TLD})"
                   rf"|{_HIDDEN_AT}[\w-]+(?:{_HIDDEN_DOT}[\w-]+)*{_HIDDEN_DOT}{_COMMON_TLD})(?![\w-])")
_DISPLAY_NAME = re.compile(r"(?:\"(?P<quoted>[^\"\n<>@]{2,80})\"|(?P<plain>[^\W\d_][\w'.-]*(?:[ \t]+[^\W\d_][\w'.-]*){0,3}))"
                           r"[ \t]*<[ \t]*[^<>\s@]{1,64}@[^<>\s@]{1,255}>")
_MAY_HOLD_EMAIL = re.compile(r"(?i)[@\uff20\ufe6b]|%(?:25)*40|[(\[]at[)\]]")   # "at" as some write it, any case
# What a reader sees of a text that hides letters: percent-encoded UTF-8 (Zo%C3%AB), HTML entities (&euml; &#64;),
# JSON escapes of letters and of @ . and space (\u00eb, \u0040), NFD and compatibility forms, curly apostrophes,
# invisible characters, '+' between letters in a query (Zo%C3%AB+Bront%C3%ABson)
_UTF8_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")   # a run of escapes, decoded when it holds a byte over 127
_HIGH_ESCAPE = re.compile(r"%[89A-Fa-f]")
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_LETTER_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_HEX = re.compile(r"[0-9a-fA-F]+")
# What one of _all_shapes' steps needs to find anything: a character a pair, a URL's user, an escape, a header line
# or markup needs, or a word a credential's shape starts with, in the text as lower-case (as _all_shapes looks for
# those words; an (?i) search of the text takes several times longer) (see tests/unit/test_fast_paths_agree.py)
_SHAPED = re.compile(r"[=%\\\"'<@\r\n\v\f\x1c-\x1e\x85\u2028\u2029]|ey[ja]|ew[o0k]|bearer|basic|form-data|oauth|token|"
                     r"authori|aiza|private key")   # any line break: a table's rows
_NAMED_BEFORE_A_COLON = re.compile(r"secret|pass|pwd|pin|api[_-]?key|private[_-]?key|assertion")   # MIDLINE_PAIR's
# a number, a time, a date, an address or a version: what prose writes after "password:" that is no password
# (a run of four digits or more is a PIN or passcode; a time, a version, an address or a date holds ':' or '.')
_PROSE_VALUE = re.compile(rf"\d{{1,3}}|[\d/+-]*[:.][\d:./+-]*|\d{{4}}-\d{{1,2}}-\d{{1,2}}|{_UUID_TEXT}")


def _cells(line: str, sep: str, quotes: bool = True, quoted: bool = False) -> tuple[list[tuple[int, int]], bool]:
    """Where each cell of a table's line starts and ends, split at `sep` outside a quoted cell (one that begins
    with '"', blanks before it aside; '""' inside it is a quote) and not at '\\|' (Markdown's escaped pipe); and
    whether a quoted cell runs on past the line's end. quoted: the line goes on a quoted cell of the line before."""
    spans, start, fresh, i = [], 0, not quoted, 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and line[i + 1:i + 2] == '"':
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"' and fresh and quotes:
            quoted = True
        elif ch == sep and not (sep == "|" and line[i - 1:i] == "\\"):
            spans.append((start, i))
            start, fresh = i + 1, True
            i += 1
            continue
        fresh = fresh and ch in " \t\u00a0"
        i += 1
    spans.append((start, len(line)))
    return spans, quoted


def _head_names(line: str) -> tuple[str, list[str]] | None:
    """(separator, each cell's name) of a line shaped as a table's header: two names or more between one separator
    (an empty cell too: pandas' index, a separator after the last), none running on; None for any other line."""
    sep = next((s for s in _SEPARATORS if s in line), None)
    if sep is None:
        return None
    spans, running = _cells(line, sep)
    names = [line[a:b].strip(_HEAD_STRIP) for a, b in spans]
    filled = [name for name in names if name]
    if running or len(filled) < 2 or not all(_HEAD_CELL.fullmatch(name) for name in filled):
        return None
    return sep, names


def _header(line: str) -> tuple[str, int, dict[int, str]] | None:
    """(separator, cells, {cell: credential's name}) of a table's header line; None for any other line."""
    head = _head_names(line) if _TABLE_WORD.search(line) else None
    if head is None:
        return None
    sep, names = head
    columns = {i: found for i, name in enumerate(names) if name and (found := _secret_column(name))}
    return (sep, len(names), columns) if columns else None


def _pair(line: str) -> tuple[list[tuple[int, int]], dict[int, str], bool] | None:
    """A line on its own of two cells, the first naming a credential and the second its value ('client_secret,...',
    '| password | ... |', '--client-secret,...'): (its cells, {the value's cell: the name}, whether the value reads
    as a word of prose, as a header's second cell could); None for any other line. Not prose ('Invalid password, try
    again', 'Token, expired') nor a count ('bad.credentials,1234'): the value is one word, not a word of state, and
    digits alone only under a name only a credential has (pin, password; not 'PIN Reset,12'); a word of prose only
    after a one-word name ('password,hunter'); a name of six words at most."""
    if not _TABLE_WORD.search(line):
        return None
    sep = next((s for s in _SEPARATORS if s in line), None)
    if sep is None:
        return None
    spans, running = _cells(line, sep)
    filled = [i for i, (a, b) in enumerate(spans) if line[a:b].strip(_HEAD_STRIP)]
    if running or len(filled) != 2:
        return None
    key = line[slice(*spans[filled[0]])].strip(_HEAD_STRIP)
    value = line[slice(*spans[filled[1]])].strip(_HEAD_STRIP)
    name = _pair_key(key)
    if name is None or len(value.split()) != 1 or _diags_own(value) or is_placeholder(value) \
            or _state_word(value):
        return None
    prose = _PROSE_WORD.fullmatch(value) is not None
    if len(key.split()) > (1 if prose else 6) or value.isdigit() and not _held_key(key):
        return None
    return spans, {filled[1]: name}, prose


def _state_word(value: str) -> bool:
    """A word of state said of a credential ('expired', 'required.', 'OK'), not one: kept after its name."""
    return value.strip().rstrip(".!").lower() in _STATE_WORDS


def _diags_own(value: str) -> bool:
    """A pseudonym diag wrote ('+1-PN1A2B3C4D', 'user-1'): in a text cleaned twice, never taken for a credential."""
    return WHOLE_PSEUDONYM.fullmatch(value) is not None or PERSON.fullmatch(value) is not None


def _pair_key(cell: str) -> str | None:
    """The credential's name a key/value row's key cell gives, read as a JSON key's name is ('client_secret',
    'Client Secret (prod)', '--client-secret', '$CLIENT_SECRET', '2fa_secret', 'Genesys:ClientSecret'), or one with
    a word only a credential is named by ('Voicemail PIN', 'PIN (voicemail)', 'db pass'); None for a setting about
    one ('Auth type', 'tokenCount') and a phrase that names where one is used ('Auth server', 'Session timeout')."""
    key = cell.strip(_HEAD_STRIP).lstrip("-$@")
    if not key or len(key) > 64 or not _KEY_CELL.fullmatch(key):
        return None
    whole = "_".join(key.split())
    if _SETTING.search(whole):
        return None
    if _secret_name(whole):
        return whole
    # a word only a credential is named by, last or before 'key' or 'code', a qualifier in brackets aside ('PIN
    # (voicemail)', 'db pass', 'SIP PW', 'hmac key', 'pin code'); not a word that names where one is used or what is
    # said of it ('Auth server', 'OTP channel', 'PIN Reset')
    words = [w for w in re.split(r"[^0-9A-Za-z]+", re.sub(r"\([^()]*\)|\[[^\[\]]*\]", " ", key)) if w]
    if words and words[-1].lower() in ("key", "code") and len(words) > 1:
        words.pop()
    return words[-1] if words and words[-1].lower() in _CREDENTIAL_WORDS else None


_CREDENTIAL_WORDS = {"password", "passwd", "pwd", "pw", "pass", "passphrase", "passcode", "pin", "otp", "hmac", "secret",
                     "apikey"}


def _named_value(item: dict) -> str | None:
    """The key of an object's value when the object is a setting whose value is a credential's: {"key":
    "client_secret", "value": ...} (a Postman environment), {"name": "DB_PASSWORD", "value": ...} (a container's
    environment), {"Key": ..., "Value": ...} (AWS tags), {"ParameterKey": ..., "ParameterValue": ...}
    (CloudFormation); the key or the name naming it. None for any other object, and for a setting's state, a flag,
    a placeholder, what the JSON key's rule keeps (hmac: sha256), or a count under a name that is not only a
    credential's."""
    at = next((k for k in _VALUE_KEYS if k in item), None)
    found = item.get(at) if at is not None else None
    if found in ("", None) or isinstance(found, (bool, dict, list)):
        return None
    name = next((n for n in (_pair_key(named) for named in (item.get(k) for k in _NAME_KEYS_OF_SETTINGS)
                             if isinstance(named, str) and len(named) <= 64) if n), None)
    if name is None or not is_secret_name(name, found) or isinstance(found, str) and is_placeholder(found.strip()):
        return None   # a hash's name under hmac (sha256), a masked value
    if isinstance(found, str) and _state_word(found):
        return None
    return at if not (isinstance(found, (int, float)) or str(found).isdigit()) or _held_key(name) else None


_VALUE_KEYS = ("value", "Value", "ParameterValue")
_NAME_KEYS_OF_SETTINGS = ("key", "name", "Key", "Name", "ParameterKey")


def _held_key(key: str) -> bool:
    """Whether a pair's key is a name only a credential has, or ends with one ('pin', 'Voicemail PIN'): there digits
    alone are the credential."""
    key = key.strip(_HEAD_STRIP).lstrip("-$@")
    return _flat_name(key) in _HELD or _flat_name(re.split(r"[^0-9A-Za-z]+", key.strip())[-1]) in _HELD


def _settings_header(line: str) -> tuple[str, int, tuple[int, int], dict[int, str]] | None:
    """(separator, cells, (the key's cell, the value's), {another cell: a credential's name}) of a key/value table's
    header line ('key,value', 'Parameter Name,Parameter Value', '| Setting | Value | Notes |', 'Name,Type,Value',
    'Name,Value,Password', 'key,value,'); None for any other line, and for a header whose values' column names a
    credential ('Secret Name,Secret Value': _header's)."""
    head = _head_names(line) if _VALUE_WORD.search(line) else None
    if head is None:
        return None
    sep, names = head
    filled = [i for i, name in enumerate(names) if name]
    if len(filled) > 6:
        return None
    words = {i: set(re.split(r"[^a-z]+", names[i].lower())) for i in filled}
    key_at = next((i for i in filled if words[i] & _KEY_WORDS and len(names[i].split()) <= 3), None)
    value_at = next((i for i in filled if key_at is not None and i > key_at and words[i] & {"value", "val", "values"}),
                    None)
    table = _header(line)
    if key_at is None or value_at is None or table is not None and value_at in table[2]:
        return None   # 'Secret Name,Secret Value': the values' column is a credential's, read as a table's
    others = {at: name for at, name in table[2].items() if at != key_at} if table is not None else {}
    return sep, len(names), (key_at, value_at), others


def _kept_cell(value: str, *, held: bool) -> bool:
    """A value a column about a credential holds that is no credential: yes/no; and, unless the column's name is one
    only a credential has (held: password, pin; there a number, a time or a date is the credential itself), a
    count under 1,000, a time, a date that can be (2026-11-28, with a time or not; 1234-56-78 is no date)."""
    if value.lower() in _NO_SECRET_CELL:
        return True
    if held:
        return False
    if _TIME_CELL.fullmatch(value):
        return True
    if not _DATE_TIME_VALUE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def _secret_column(name: str) -> str | None:
    """The name a table's column is judged by when it names a credential ('Password (plain)', 'pwd/pin', 'api key',
    'pass word', 'auth code'), else None."""
    whole = "_".join(name.split())
    if whole.lower() == "bearer":
        return None   # 'token_type,bearer': a row of the token answer, not a column of tokens
    if whole and _secret_name(whole):   # not `code`: a table's code column is an error's (diag's own tables too)
        return whole
    return next((part for part in re.split(r"[^\w-]+", name) if part and _secret_name(part)), None)   # 'pwd/pin'


def _no_base64_word(text: str) -> bool:
    """No run B64_WORD reads as base64, other than a UUID's last group (which _basic_pair leaves alone)."""
    return B64_WORD.search(text) is None or all(m.start() and text[m.start() - 1] == "-" and _HEX.fullmatch(m.group(0))
                                                for m in B64_WORD.finditer(text))


_MAY_HIDE = re.compile(r"[%&\\]")


def _utf8(escaped: re.Match) -> str:
    if not _HIGH_ESCAPE.search(escaped.group(0)):
        return escaped.group(0)
    try:
        return bytes.fromhex(escaped.group(0).replace("%", "")).decode("utf-8")
    except ValueError:
        return escaped.group(0)


def _escaped_letter(escape: re.Match) -> str:
    ch = chr(int(escape.group(1), 16))
    return ch if ch.isalpha() or ch in " @.'-" else escape.group(0)


def as_read(text: str) -> str:
    """`text` as a reader sees it, for finding people and e-mail addresses in it (see above): what is pseudonymised
    is this reading, so the ticket shows it decoded."""
    if text.isascii() and not _MAY_HIDE.search(text):
        return text   # most texts: nothing escaped, nothing to normalise
    if "%" in text and _HIGH_ESCAPE.search(text):
        text = _UTF8_ESCAPES.sub(_utf8, text)
    if "&" in text and ";" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    if "\\u" in text:
        text = _LETTER_ESCAPE.sub(_escaped_letter, text)
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).replace("\u2019", "'")
    return text
# Keys whose integer values are sizes and counts, never numbers to dial; the short ones as the key's last word only
# (items, chat and format end in them), and never a key that names a phone (sms, pager, accountPhone, allowedNumbers).
_METRIC_KEY = re.compile(r"(?i)(count|size|total|bytes|seconds|millis|duration|version|limit|allowed|reset|index|seq|"
                         r"status|time|offset|page|requests|stats|epoch|length)")
_METRIC_WORDS = frozenset({"sum", "max", "min", "maximum", "minimum", "mins", "minutes"})   # not adMINphone, terMINal
_METRIC_LAST_WORDS = frozenset({"ms", "exp", "at", "iat"})
_PHONE_WORDS = frozenset({"phone", "phones", "telephone", "tel", "number", "numbers", "sms", "pager", "mobile", "cell",
                          "fax", "msisdn", "ani", "dnis", "callback", "caller", "callee", "ddi", "did", "e164"})
_KEY_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def is_metric_key(key: str) -> bool:
    """Whether an integer under `key` is a size, count or time rather than a number that could be dialled."""
    words = [w.lower() for w in _KEY_WORD.findall(key)]
    if any(w in _PHONE_WORDS for w in words):
        return False
    return (bool(_METRIC_KEY.search(key)) or any(w in _METRIC_WORDS for w in words)
            or bool(words) and words[-1] in _METRIC_LAST_WORDS)


_COUNT_LABELS = {"email": "e-mail address", "address": "postal address"}


def _country_code(digits: str) -> str:
    """The country calling code an international number's digits begin with (they are prefix-free: 1, 44, 353)."""
    from phonenumbers.data import _COUNTRY_CODE_TO_REGION_CODE as codes

    for n in (1, 2, 3):
        if digits[:n].isdigit() and int(digits[:n]) in codes:
            return digits[:n]
    return ""


class Pseudonymiser:
    """Stable, keyed pseudonyms: for numbers (country code kept: `+1-PN1A2B3C4D`) and for people (`user-1`,
    `agent-2`, `customer-3`, `email-4`). The same value gets the same pseudonym for the life of the object."""

    def __init__(self, key: bytes, *, numbers: bool = True, people: bool = True):
        self.key = key
        self.numbers = numbers
        self.people = people
        self.mapping: dict[str, str] = {}          # number key -> pseudonym
        self._by_digits: dict[str, str] = {}       # the same, by the key's digits alone
        self.people_mapping: dict[str, str] = {}   # name or e-mail -> pseudonym
        self._kinds: Counter = Counter()
        self._people_re: Names | None = None
        self.parts_mapping: dict[str, str] = {}    # a first or last name on its own -> the person's pseudonym
        self._part_people: dict[str, str] = {}    # a contact list's first and last name, lower case -> pseudonym
        self._parts_re: Names | None = None
        self.counts: Counter = Counter()
        self._clean: set[tuple[str, bool]] = set()   # texts with nothing to replace, while the people known stay
        self._clean_for = (0, 0)

    def people_index(self) -> Names | None:
        """Every person and e-mail replaced so far, as one search index (the bundle's last look seeks them)."""
        if not self.people_mapping:
            return None
        if self._people_re is None:
            self._people_re = Names(self.people_mapping)
        return self._people_re

    def __repr__(self) -> str:
        return f"<Pseudonymiser {len(self.mapping)} number(s), {len(self.people_mapping)} person(s)>"

    # -- numbers --
    def pseudonym(self, number: str) -> str:
        from diag.core import numbers

        key = numbers.e164_key(number) or "".join(ch for ch in numbers.canonical_text(str(number)) if ch.isdigit())
        for idd in ("00", "011"):
            if key.startswith(idd) and len(key) - len(idd) >= numbers.PHONE_MIN_DIGITS:
                key = "+" + key[len(idd):]
                break
        key = key.split(",")[0]
        if key in self.mapping:
            return self.mapping[key]
        cc = ""
        if key.startswith("+"):
            cc = _country_code(key[1:])
        digest = hmac.new(self.key, key.encode(), hashlib.sha256).hexdigest()[:8].upper()
        alias = f"+{cc}-PN{digest}" if cc else f"PN{digest}"
        self.mapping[key] = alias
        self._by_digits[key.lstrip("+")] = alias   # kept beside it: a key with '+' and one without share digits
        return alias

    # -- people --
    def person(self, value: str, kind: str, count: bool = True) -> str:
        norm = " ".join(value.split()).lower()   # any whitespace, no-break spaces included
        if not norm or PERSON.fullmatch(norm) or norm == REDACTED.lower() or norm in ROLE_NAMES or _nobody(norm):
            return value
        if norm not in self.people_mapping:
            self._kinds[kind] += 1
            self.people_mapping[norm] = alias = f"{kind}-{sum(self._kinds.values())}"
            if self._people_re is not None:
                self._people_re.add(norm)
            if kind not in ("email", "address"):
                for part in name_parts(" ".join(value.split())):
                    if part not in self.parts_mapping:
                        self.parts_mapping[part] = alias
                        if self._parts_re is not None:
                            self._parts_re.add(part)
        if count:
            self.counts[_COUNT_LABELS.get(kind, f"{kind} name")] += 1
        return self.people_mapping[norm]

    def learn_people(self, value: Any, path: str = "", parent: str = "", depth: int = 0) -> None:
        """Find the people in a Genesys answer or request (users/me, user lists and queue members, conversation
        participants and destinations, caller id names) before any text is pseudonymised, so that their names are
        replaced in free text too. `parent` is the key `value` sits under ("user" in a queue member); `depth`
        counts objects from the top (a user list's path names its top object or its entities, not their
        division, station or language)."""
        if not self.people:
            return
        if isinstance(value, dict):
            kind: str | None = ""   # who this object is, worked out when a key that needs it is met ("": not yet)
            for k, v in value.items():
                if isinstance(v, str) and v.strip():
                    if "<" in v and "@" in v:
                        self._learn_display_names(v)
                    role = _key_role(k)
                    if role is None:   # a key no person is found under (most keys of an answer): worked out once
                        if "\n" in v and _PERSON_COLUMN_WORD.search(v):
                            self._learn_table_people(v)   # a contact list's CSV held in a JSON string
                        continue
                    email, address, always, named, number, misnamed = role
                    if email and EMAIL.fullmatch(v.strip()):
                        self.person(v, "email", count=False)
                    elif address:
                        self.person(v, "address", count=False)
                    elif always:
                        self.person(v, "person", count=False)
                    elif named and (kind := _kind_of(value, path, parent, depth) if kind == "" else kind):
                        self.person(v, kind, count=False)
                    elif (number or misnamed and len(v.split()) > 1) and not (
                            ":" in v or "@" in v or any(ch.isdigit() for ch in v)):
                        if kind == "":
                            kind = _kind_of(value, path, parent, depth)
                        self.person(v, kind or "person", count=False)   # a name where a number goes: a person
                elif isinstance(v, (dict, list)):   # a number, a flag or null holds nobody: no call for it
                    self.learn_people(v, path, str(k), depth + 1)
        elif isinstance(value, list):
            for v in value:
                self.learn_people(v, path, parent, depth)
        elif isinstance(value, str) and _ANY_BREAK.search(value) and _PERSON_COLUMN_WORD.search(value):
            self._learn_table_people(value)

    def _learn_table_people(self, text: str) -> None:
        """The people of a table sent as text (a contact list uploaded as CSV, a TSV pasted into a body): the cells
        under a header naming a person (firstName and lastName, one person's parts; fullName, contactName;
        an e-mail or a street address; `name` too where the header also names a phone, an e-mail or an address),
        each row to a line without the separator or a blank line."""
        columns: dict[int, str] = {}
        sep = ""
        for line in text.splitlines():
            if columns:
                if '"' in line or "\\" in line:   # a quoted cell, an escaped pipe: read character by character
                    spans, _ = _cells(line, sep)
                    cells = [line[a:b] for a, b in spans]   # a cell running on: its first line is read
                else:
                    cells = line.split(sep)
                if line.strip() and len(cells) > 1:
                    self._learn_row_people(cells, columns)
                    continue
                columns = {}
            head = _head_names(line) if _PERSON_COLUMN_WORD.search(line) else None
            if head is None:
                continue
            sep, names = head
            contact = any(_CONTACT_WORD.search(n) for n in names)
            columns = {i: held for i, n in enumerate(names) if n and (held := _person_column(n, contact))}

    def _learn_row_people(self, cells: list[str], columns: dict[int, str]) -> None:
        """A contact list's row: each person's cell learned. A first and a last name are one person's parts, each
        replaced as written (case-sensitive, as a full name's parts are): 'May' and 'Will' as names, not 'may' and
        'will' in a sentence; and together, the whole name in any case."""
        parts: list[str] = []
        for at, kind in columns.items():
            cell = " ".join(cells[at].strip(_HEAD_STRIP).split()) if at < len(cells) else ""
            if not cell or kind == "email" and not EMAIL.fullmatch(cell):
                continue
            if kind in ("first", "last"):
                if not _empty_cell(cell.lower()):
                    parts.append(cell)
            else:
                self.person(cell, kind, count=False)
        if parts:
            self._learn_parts(parts)

    def _learn_parts(self, parts: list[str]) -> None:
        """The parts of one person's name, learned as a name's parts are, and the whole name (one pseudonym for all)."""
        whole = " ".join(parts).lower()
        if len(parts) > 1:   # the whole name in any case ('JOHN SMITH'), as a participant's name is
            self.person(" ".join(parts), "person", count=False)
        alias = self.people_mapping.get(whole) or self._part_people.get(whole)
        if alias is None:
            self._kinds["person"] += 1
            alias = self._part_people[whole] = f"person-{sum(self._kinds.values())}"
        for part in parts:
            if part not in self.parts_mapping and part.lower() not in ROLE_NAMES:
                self.parts_mapping[part] = alias
                if self._parts_re is not None:
                    self._parts_re.add(part)

    def _learn_display_names(self, text: str) -> None:
        """The name written before an e-mail address (From: Edna Smith <edna@example.com>, "Smith, Edna" <...>), as
        quoted e-mails and reply chains carry it: a person, wherever else it appears."""
        for m in _DISPLAY_NAME.finditer(text):
            if m.group("quoted"):
                self.person(m.group("quoted"), "person", count=False)
                continue
            words = m.group("plain").split()
            while words and not words[0][:1].isupper():   # "reply to Edna Smith <...>": the name is the capitals
                words.pop(0)
            if words:
                self.person(" ".join(words), "person", count=False)

    def learn_searches(self, url: str, body: Any) -> None:
        """What someone searched for is who they looked for, also when nothing was found: a GDPR subject's search value
        (a name, an address, a handle: whatever identifies the subject), external contacts' keywords (q), and the
        values of a users search on a name field (UserSearchRequest.query[].value/values), from a request's URL (or
        path and query) and body. Numbers and e-mail addresses among them are left to their own readers."""
        if not self.people or not isinstance(url, str):
            return
        base, _, query = url.partition("?")
        base = base.rstrip("/").lower()
        found: list[str] = []
        if query and base.endswith(("/api/v2/gdpr/subjects", "/api/v2/externalcontacts/contacts")):
            wanted = "searchvalue" if base.endswith("subjects") else "q"
            found += [v for k, v in parse_qsl(query) if k.lower() == wanted]
        if isinstance(body, dict) and base.endswith("/search") and isinstance(body.get("query"), list):
            for item in body["query"]:
                fields = item.get("fields") if isinstance(item, dict) else None
                if isinstance(fields, list) and any("name" in str(f).lower() for f in fields):
                    values = item.get("values") if isinstance(item.get("values"), list) else []
                    found += [v for v in [item.get("value"), *values] if isinstance(v, str)]
        for v in found:
            if v.strip() and not any(ch.isdigit() or ch in "@:" for ch in v):
                self.person(v, "person", count=False)

    def text(self, value: str, lines: bool = False) -> str:
        """`value` with every number and known person replaced; lines=True (a JSON string value) reads line
        breaks inside a number as separators too."""
        known = (len(self.people_mapping), len(self.parts_mapping))
        if known != self._clean_for:
            self._clean.clear()
            self._clean_for = known
        elif (value, lines) in self._clean:
            return value
        out = self._replace(value, lines)
        if out == value and len(self._clean) < _CLEAN_MEMORY and known == (len(self.people_mapping),
                                                                            len(self.parts_mapping)) \
                and not (self.numbers and _LONG_DIGITS.search(value)):   # a number learned later may be in it
            self._clean.add((value, lines))
        return out

    def _replace(self, value: str, lines: bool) -> str:
        from diag.core import numbers

        out = value
        if "%" in out:   # a number or address in a query string: %2B is '+', %40 is '@'
            out = _ESCAPED.sub(lambda m: _UNESCAPED[m.group(1).upper()], out)
        if self.people:
            # read as a reader sees it (decoded, normalised); that reading is kept only where a person was in it
            read = as_read(out)
            found = self._people_in(read)
            out = found if found != read or read == out else out
        if self.numbers:
            scan = _LINE_BREAKS.sub(" ", out) if lines else out   # same length, same places
            if "+" in scan and "=" in scan:   # a query or form writes a space as '+' (q=%2B1+317+555+0181)
                scan = _PLUS_SPACE.sub(_plus_as_space, scan)
            spans = numbers.phone_spans(scan)
            for start, end in reversed(spans):
                self.counts["phone number"] += 1
                out = out[:start] + self.pseudonym(scan[start:end]) + out[end:]
            if self.mapping and _LONG_DIGITS.search(out):
                out = _LONG_DIGITS.sub(self._known_digits, out)
        return out

    def _known_digits(self, m: re.Match) -> str:
        """A number already pseudonymised, met again glued to letters (an id such as CUST13175550161): the same
        pseudonym (the ticket's last look refuses its digits wherever they stand)."""
        alias = self._by_digits.get(m.group(0))
        if alias is None:
            return m.group(0)
        self.counts["phone number"] += 1
        return alias

    def _people_in(self, out: str) -> str:
        if "@" in out or (")" in out or "]" in out) and _MAY_HOLD_EMAIL.search(out):   # as read, %40, wide @ are @
            out = EMAIL.sub(lambda m: self.person(m.group(0), "email"), out)
        if self.people_mapping:
            if self._people_re is None:
                self._people_re = Names(self.people_mapping)
            out = self._people_re.sub(lambda m: self._known_person(m.group(0)), out)
        if self.parts_mapping:
            if self._parts_re is None:   # case-sensitive: "Avery", not "avery" inside a word or an id
                self._parts_re = Names(self.parts_mapping, case_sensitive=True)
            out = self._parts_re.sub(lambda m: self._part(m.group(0)), out)
        return out

    def _part(self, found: str) -> str:
        self.counts["name (part)"] += 1
        return self.parts_mapping[found]

    def _known_person(self, found: str) -> str:
        key = " ".join(found.split()).lower()
        if key not in self.people_mapping:   # found with '+' between its words (a query's ?q=John+Smith)
            key = " ".join(found.replace("+", " ").split()).lower()
        alias = self.people_mapping[key]
        kind = alias.split("-")[0]
        self.counts[_COUNT_LABELS.get(kind, f"{kind} name")] += 1
        return alias

    def value(self, value: Any, key: str = "") -> Any:
        if isinstance(value, dict):   # keys too: a number or e-mail can be a key ({"+13175550161": "x"})
            return {(self.text(k) if isinstance(k, str) else k): self.value(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v, key) for v in value]
        if isinstance(value, str):
            return self.text(value, lines=True)
        whole = int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 1e18 else value
        if (self.numbers and isinstance(whole, int) and not isinstance(whole, bool)   # 13175550161.0 dials too
                and 10 ** 6 <= abs(whole) < 10 ** 18 and not is_metric_key(key)):
            self.counts["phone number (JSON integer)"] += 1
            return self.pseudonym(str(abs(whole)))
        return value


def cleaned_counts(counts, fn) -> dict[str, int]:
    """Counts keyed by text from the evidence (an answer's code, a field's or header's name), with `fn` applied to
    each key, sorted by key; counts whose keys `fn` makes the same are added together."""
    out: Counter = Counter()
    for key, n in counts.items():
        out[fn(key)] += n
    return dict(sorted(out.items()))


# Objects in Genesys' answers keyed by the customer's own words: the fields the contract types as free-form maps
# (dict(str, ...)) that a conversation's side carries (participant attributes, SIP header names)
CUSTOMER_KEYED = ("attributes", "customAttributes", "headers", "additionalProperties")


def map_strings(value: Any, fn, keys_under: tuple[str, ...] = ()) -> Any:
    """`value` (JSON-like) with `fn` applied to every string value; keys are left as they are (they are the
    structure: a person named "State" leaves "state" alone), except those of an object under a name in
    `keys_under`, whose keys are someone's own words (a participant's `attributes`): cleaned too, and numbered when
    two come out the same, so that no value is lost to another."""
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        for k, v in value.items():
            if k in keys_under and isinstance(v, dict):
                inner: dict[Any, Any] = {}
                for name, item in v.items():
                    inner[_kept_key(inner, fn(name)) if isinstance(name, str) else name] = map_strings(item, fn,
                                                                                                       keys_under)
                out[k] = inner
            else:
                out[k] = map_strings(v, fn, keys_under)
        return out
    if isinstance(value, list):
        return [map_strings(v, fn, keys_under) for v in value]
    return fn(value) if isinstance(value, str) else value
