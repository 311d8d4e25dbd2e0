"""The customer's evidence, read by content (never by file name): a HAR file (Chrome, Edge, Firefox, Safari),
a "Copy as cURL" command (bash or Windows cmd quoting), a raw HTTP/1.1 request, or a log saved by diag.

Every request is redacted as it is read (the one policy of `diag.core.redact`): the evidence is never kept as it
came. `read_evidence(text)` gives `Evidence(kind, requests, skipped)`; each `EvidenceRequest` carries what was
sent and, when the evidence has it, what came back.
"""
from __future__ import annotations

import base64
import json
import re
import shlex
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from diag.core import har, jsontext
from diag.core.bulk import no_gc_pauses
from diag.core.errors import UnreadableEvidence
from diag.core.headers import header
from diag.core.redact import Redactor, cleaned_counts
from diag.core.textfile import MAX_EVIDENCE_BYTES

__all__ = ["MAX_EVIDENCE_BYTES", "Evidence", "EvidenceRequest", "UnreadableEvidence", "read_evidence"]


@dataclass
class EvidenceRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: Any = None                       # parsed JSON, form fields as a dict, or text
    started: str | None = None
    status: int | None = None              # the answer, when the evidence holds one
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None
    duration_ms: float | None = None
    # Why no answer came, where the evidence records one (a diag log's transport error, a browser's net::ERR_...)
    transport_error: str | None = None
    # Who sent it, as a label that names no secret ("token 1 (client credentials)"): read before redaction
    caller: str | None = None
    # How many secret forms the reader knew before this request was cleaned: reading it again is needed only if
    # more were learned since (during its own cleaning or after)
    cleaned_knowing: int = field(default=-1, repr=False, compare=False)

    @property
    def host(self) -> str:
        return _split(self.url)[0].lower()

    @property
    def path(self) -> str:
        return _split(self.url)[1]


def _split(url: str) -> tuple[str, str]:
    """(host, path) of a URL as given; ("", "") for one no parser can read (https://host]/..., http://[::1/...): that
    request is no Genesys request diag can diagnose, and the rest of the file still is read."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "", ""
    return parts.netloc, parts.path




@dataclass
class Evidence:
    kind: str                              # "har", "curl", "http", "diag-log"
    requests: list[EvidenceRequest]
    redaction: dict[str, int] = field(default_factory=dict)
    # What reading learned (tokens, secrets), so that every later copy is cleaned of them and checked for them.
    # A Redactor's repr names no secret; it is never serialised.
    redactor: Redactor | None = field(default=None, repr=False, compare=False)
    notes: list[str] = field(default_factory=list)   # what could not be read, and was left out


def read_evidence(text: str, redactor: Redactor | None = None) -> Evidence:
    """Read `text` by its content; UnreadableEvidence when it is none of the four forms."""
    with no_gc_pauses():
        return _read(text, redactor or Redactor())


def _read(text: str, red: Redactor) -> Evidence:
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        raise UnreadableEvidence("the input is empty")
    if stripped.startswith("{"):
        try:
            data, whole = jsontext.loads_whole(stripped)
        except (ValueError, RecursionError) as exc:
            if '"seq"' in stripped[:200]:   # a diag log: JSON lines
                return _diag_log(stripped, red)
            raise UnreadableEvidence(f"it starts like JSON but is not ({str(exc)[:120]})") from None
        if not whole and har.SURROGATE_ESCAPE.search(stripped):   # a lone surrogate (legal JSON): as U+FFFD
            from diag.core.exchange import whole_unicode

            data = whole_unicode(data)[0]
        if isinstance(data, dict) and isinstance(data.get("log"), dict) and "entries" in data["log"]:
            return _har(data, red)
        if isinstance(data, dict) and "seq" in data and "method" in data:
            return _diag_log(stripped, red)
        raise UnreadableEvidence("a JSON object, but neither a HAR file (no log.entries) nor a diag log")
    if re.match(r"(?i)curl(\.exe)?\s", stripped):
        return Evidence("curl", _again([_redacted(_curl(stripped), red, Callers())], red), _counts(red), red)
    if re.match(r"[A-Z]{3,7} \S+ HTTP/(?:1\.[01]|2(?:\.0)?|3)\r?\n", stripped):   # as devtools copy it
        return Evidence("http", _again([_redacted(_raw_http(stripped), red, Callers())], red), _counts(red), red)
    # what it begins with is not quoted back: a pasted token would be on screen, in the log, in the notebook
    raise UnreadableEvidence("not a HAR file (JSON with log.entries), a cURL command (begins with curl), a raw HTTP "
                             "request (a request line such as POST /api/v2/... HTTP/1.1) or a diag log")


# ---- HAR ----

def _har(data: dict, red: Redactor) -> Evidence:
    callers = Callers()
    unread: list[str] = []
    out = [_redacted(EvidenceRequest(**fields), red, callers) for fields in har.read(data, unread)]
    notes = [f"{len(unread)} HAR entr{'y' if len(unread) == 1 else 'ies'} of {len(out) + len(unread)} could not be "
             f"read and {'is' if len(unread) == 1 else 'are'} left out: " + "; ".join(unread[:5])
             + ("; ..." if len(unread) > 5 else "")] if unread else []
    return Evidence("har", _again(out, red), _counts(red), red, notes)


# ---- cURL ----

# bash's $'...' (ANSI-C quoting): what Chrome and Firefox write when a value holds ' or ! (Firefox also for
# non-ASCII). shlex knows only '...' and "...", so each $'...' is decoded and quoted again; ordinary quoted
# strings and backslash escapes are matched first, so a $' inside them is left alone.
_SHELL_QUOTED = re.compile(r"""'[^']*'|"(?:[^"\\]|\\.)*"|\\.|\$'((?:[^'\\]|\\.)*)'""", re.S)
_ANSI_C_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|u[0-9a-fA-F]{1,4}|U[0-9a-fA-F]{1,8}|[0-7]{1,3}|.)", re.S)
_ANSI_C_CHARS = {"n": "\n", "r": "\r", "t": "\t", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "e": "\x1b",
                 "E": "\x1b"}


def _ansi_c(m: re.Match) -> str:
    if m.group(1) is None:
        return m.group(0)
    text = _ANSI_C_ESCAPE.sub(_ansi_c_char, m.group(1))
    # Firefox writes a character beyond U+FFFF as two \u escapes (its UTF-16 halves): join them again
    return shlex.quote(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))


def _ansi_c_char(m: re.Match) -> str:
    e = m.group(1)
    if e[0] in "xuU" and len(e) > 1:
        # \xHH as the code point U+00HH, not a byte: Firefox writes é as \xe9 for the é it sent as UTF-8
        return chr(int(e[1:], 16)) if int(e[1:], 16) <= 0x10FFFF else m.group(0)
    if e[0] in "01234567":
        return chr(int(e, 8))   # Firefox writes ! as \041
    return _ANSI_C_CHARS.get(e, e)   # \\ \' \" stand for themselves


_SHELL_PIECE = re.compile(r"""(?P<blank>[ \t\r\n]+)|'(?P<single>[^']*)'|"(?P<double>(?:[^"\\]|\\[\s\S])*)"|"""
                          r"""\\(?P<escaped>[\s\S])|(?P<plain>[^ \t\r\n'"\\]+)|(?P<open>['"\\])""")
_DOUBLE_ESCAPE = re.compile(r'\\(["\\])')


def shell_words(text: str) -> list[str]:
    """The words of a command line as shlex.split(text) reads them (POSIX: quotes, backslashes, no comments), in
    linear time: shlex builds each word a character at a time, which took minutes for a body of a few MB."""
    words: list[str] = []
    word: list[str] | None = None
    for m in _SHELL_PIECE.finditer(text):
        kind = m.lastgroup or "open"
        if kind == "blank":
            if word is not None:
                words.append("".join(word))
            word = None
            continue
        if kind == "open":   # the words shlex's own messages use
            rest = text[m.end():] if m.group(0) == '"' else ""
            dangling = m.group(0) == "\\" or (len(rest) - len(rest.rstrip("\\"))) % 2 == 1
            raise ValueError("No escaped character" if dangling else "No closing quotation")
        piece = m.group(kind)
        if kind == "double":
            piece = _DOUBLE_ESCAPE.sub(r"\1", piece)
        if word is None:
            word = []
        word.append(piece)
    if word is not None:
        words.append("".join(word))
    return words


def _curl(text: str) -> EvidenceRequest:
    # cmd quotes whole words as ^"...^" (or "..." with ^ line ends); bash single-quotes them: a ^" inside a
    # single-quoted bash word (a body value ending in ^) is no cmd escape
    windows = re.search(r'\^["\n]', text) is not None and (
        re.search(r'\s\^"', text) is not None or re.search(r"\s\$?'", text) is None)
    if windows:   # cmd: ^ escapes the next character, ^ at a line end continues it
        text = re.sub(r"\^\r?\n", " ", text)
        text = re.sub(r"\^(.)", r"\1", text)
    text = re.sub(r"\\\r?\n", " ", text)
    if not windows:
        text = _SHELL_QUOTED.sub(_ansi_c, text)
    try:
        words = shell_words(text)
    except ValueError as exc:
        raise UnreadableEvidence(f"the cURL command could not be split into words ({exc}): is a quote missing?") \
            from None
    method, url, headers, data = None, None, {}, []
    form = False
    for option, value in _curl_options(words[1:]):
        if option in ("-X", "--request"):
            method = value
        elif option in ("-H", "--header") and value and ":" in value:
            k, v = value.split(":", 1)
            headers[k.strip()] = v.strip()
        elif option in _CURL_DATA and value is not None:
            data.append(value)
            if option == "--json":
                headers.setdefault("Content-Type", "application/json")
        elif option in ("-F", "--form", "--form-string"):
            form = True
        elif option in ("-u", "--user") and value:
            headers["Authorization"] = "Basic " + base64.b64encode(value.encode()).decode()
        elif option == "--oauth2-bearer" and value:
            headers["Authorization"] = "Bearer " + value
        elif option in ("-b", "--cookie") and value:
            headers["Cookie"] = value
        elif option == "--url" or option == "" and url is None:
            url = value
    if not url:
        raise UnreadableEvidence("the cURL command names no URL")
    body = "&".join(data) if data else None
    ctype = header(headers, "Content-Type") or ""
    return EvidenceRequest(method=(method or ("POST" if data or form else "GET")).upper(), url=url, headers=headers,
                           body=har.body_of(body, ctype) if body is not None else None)


# curl's options that take a value (its manual), short and long: the value is never the URL
_CURL_SHORT_VALUE = frozenset("AbcCdDeEFHKmoPQrtTuUwxXyYz")
_CURL_LONG_VALUE = frozenset("""
    --abstract-unix-socket --alt-svc --aws-sigv4 --cacert --capath --cert --cert-type --ciphers --config
    --connect-timeout --connect-to --continue-at --cookie --cookie-jar --create-file-mode --crlfile --curves
    --data --data-ascii --data-binary --data-raw --data-urlencode --delegation --dns-interface --dns-ipv4-addr
    --dns-ipv6-addr --dns-servers --doh-url --dump-header --egd-file --engine --etag-compare --etag-save
    --expect100-timeout --form --form-string --ftp-account --ftp-alternative-to-user --ftp-method --ftp-port
    --ftp-ssl-ccc-mode --happy-eyeballs-timeout-ms --header --hostpubmd5 --hostpubsha256 --hsts --interface
    --ip-tos --ipfs-gateway --json --keepalive-cnt --keepalive-time --key --key-type --krb --libcurl --limit-rate
    --local-port --login-options --mail-auth --mail-from --mail-rcpt --max-filesize --max-redirs --max-time
    --netrc-file --noproxy --oauth2-bearer --output --output-dir --pass --pinnedpubkey --preproxy --proto
    --proto-default --proto-redir --proxy --proxy-cacert --proxy-capath --proxy-cert --proxy-cert-type
    --proxy-ciphers --proxy-crlfile --proxy-header --proxy-key --proxy-key-type --proxy-pass --proxy-pinnedpubkey
    --proxy-service-name --proxy-tls13-ciphers --proxy-tlsauthtype --proxy-tlspassword --proxy-tlsuser
    --proxy-user --proxy1.0 --pubkey --quote --random-file --range --rate --referer --request --request-target
    --resolve --retry --retry-delay --retry-max-time --sasl-authzid --service-name --socks4 --socks4a --socks5
    --socks5-gssapi-service --socks5-hostname --speed-limit --speed-time --stderr --telnet-option --tftp-blksize
    --time-cond --tls-max --tls13-ciphers --tlsauthtype --tlspassword --tlsuser --trace --trace-ascii
    --trace-config --unix-socket --upload-file --url --url-query --user --user-agent --variable --write-out
    """.split())
_CURL_DATA = frozenset({"-d", "--data", "--data-raw", "--data-binary", "--data-ascii", "--data-urlencode", "--json"})


def _curl_options(words: list[str]):
    """(option, value) for each option of a cURL command's words, and ("", word) for each word that is no option's
    (the URL among them): short options run together (-sSo FILE) or with their value attached (-XPOST)."""
    i = 0
    while i < len(words):
        w = words[i]
        i += 1
        if w.startswith("--"):
            if w in _CURL_LONG_VALUE:
                yield w, words[i] if i < len(words) else None
                i += 1
            else:
                yield w, None
        elif w.startswith("-") and len(w) > 1:
            for n, letter in enumerate(w[1:], 1):
                if letter in _CURL_SHORT_VALUE:
                    if n + 1 < len(w):
                        yield "-" + letter, w[n + 1:]
                    else:
                        yield "-" + letter, words[i] if i < len(words) else None
                        i += 1
                    break
                yield "-" + letter, None
        else:
            yield "", w


# ---- raw HTTP ----

def _raw_http(text: str) -> EvidenceRequest:
    head, _, body = text.replace("\r\n", "\n").partition("\n\n")
    lines = head.split("\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for n, line in enumerate(lines[1:], 2):
        if ":" not in line:
            raise UnreadableEvidence(f"line {n} of the HTTP request is not a header (no ':'; a header folded over "
                                     "two lines is not read)")
        k, v = line.split(":", 1)
        headers[k.strip()] = v.strip()
    host = header(headers, "Host") or ""
    url = target if "://" in target else f"https://{host}{target}"
    ctype = header(headers, "Content-Type") or ""
    return EvidenceRequest(method=method.upper(), url=url, headers=headers,
                           body=har.body_of(body, ctype) if body.strip() else None)


# ---- diag's own log ----

def _diag_log(text: str, red: Redactor) -> Evidence:
    from diag.core.exchange import not_an_exchange, whole_unicode

    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except (ValueError, RecursionError):
            raise UnreadableEvidence(f"line {n} of the diag log is not JSON") from None
        data, _ = whole_unicode(data)
        problem = not_an_exchange(data)
        if problem:
            raise UnreadableEvidence(f"line {n} of the diag log is not a saved exchange ({problem})")
        out.append(_redacted(EvidenceRequest(
            method=data["method"], url=data["url"], headers=data.get("request_headers") or {},
            body=data.get("request_body"), started=data["started"], status=data.get("status"),
            response_headers=data.get("response_headers") or {}, response_body=data.get("response_body"),
            duration_ms=data.get("duration_ms"), caller="this session's token",
            transport_error=har.recorded_reason(data.get("transport_error"))),
            red))
    return Evidence("diag-log", _again(out, red), _counts(red), red)


def pseudonymiser_of(requests: Iterable[EvidenceRequest]):
    """A Pseudonymiser with a fresh key that knows the people of these requests first (their bodies, answers and
    searches): what an inspection or a limits report of them shows names each person by the same pseudonym."""
    import secrets

    from diag.core.redact import Pseudonymiser

    pseudo = Pseudonymiser(secrets.token_bytes(32))
    for r in requests:
        pseudo.learn_people(r.body, r.path)
        pseudo.learn_people(r.response_body, r.path)
        pseudo.learn_searches(r.url, r.body)
    return pseudo


def _counts(red: Redactor) -> dict[str, int]:
    """What reading removed, by kind; a kind names the field or header it came from, and a name can quote a
    secret learned later (token_<secret>): cleaned with everything learned."""
    return cleaned_counts(red.report(), red.text)


def _again(requests: list[EvidenceRequest], red: Redactor) -> list[EvidenceRequest]:
    """A token learned from a later entry (a key named like a credential) is also taken out where an earlier entry
    mentioned it in free text: a second pass, only when reading learned any."""
    if red.learned:
        for r in requests:
            if r.cleaned_knowing == red.known:
                continue   # nothing learned since it was cleaned
            r.url = red.text(r.url)
            r.headers, r.response_headers = red.headers_again(r.headers), red.headers_again(r.response_headers)
            r.body, r.response_body = red.value(r.body, again=True), red.value(r.response_body, again=True)
            r.transport_error = _reason(red.text(r.transport_error)) if r.transport_error else None
    return requests


# The OAuth grant types a label names (RFC 6749 4.1-4.4 and 6, RFC 7522, 7523, 8628, 8693); any other form value
# is "another grant": a form's field can hold anything, and a label is printed and saved as it is
GRANT_TYPES = frozenset({"authorization_code", "password", "client_credentials", "refresh_token",
                         *(f"urn:ietf:params:oauth:grant-type:{g}" for g in ("saml2-bearer", "jwt-bearer",
                                                                              "device_code", "token-exchange"))})


class Callers:
    """Labels for the credentials of one piece of evidence: "token 1", "token 2", ... in order of first use, with
    the grant that issued a token when the evidence holds its token request. Only digests of the credentials are
    kept (and the last one seen), and only while reading: no label names or derives from a secret's characters."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}
        self._grants: dict[str, str] = {}
        self._last: tuple[str, str] | None = None   # the last credential and its label, while reading

    @staticmethod
    def _digest(credential: str) -> str:
        import hashlib

        return hashlib.sha256(credential.encode("utf-8", "surrogatepass")).hexdigest()

    def issued(self, r: EvidenceRequest) -> None:
        """A token request and its answer: the token it issued, and by which grant."""
        body = r.response_body if isinstance(r.response_body, dict) else {}
        token = body.get("access_token")
        if isinstance(token, str) and token:
            form = r.body if isinstance(r.body, dict) else {}
            grant = str(form.get("grant_type") or "").strip()
            # named only when it reads as a grant type: the label is a key of what is printed and saved, and a
            # form's field can hold anything (a name, a number)
            named = grant.replace("_", " ") if grant in GRANT_TYPES else (
                "another grant" if grant else "a token request")
            self._grants[self._digest(token)] = named
            self._last = None   # a label given before may now name its grant

    def label(self, headers: dict[str, str]) -> str | None:
        auth = header(headers, "Authorization")
        if not auth or not str(auth).strip():
            return None
        scheme, _, credential = str(auth).strip().partition(" ")
        if scheme.lower() != "bearer":
            return "client credentials (Basic)" if scheme.lower() == "basic" else "another scheme"
        credential = credential.strip()
        if not credential or credential == "[REDACTED]":
            return "a token (redacted before diag read it)"
        if self._last is not None and self._last[0] == credential:   # a capture uses one token many times over
            return self._last[1]
        key = self._digest(credential)
        if key not in self._labels:
            self._labels[key] = f"token {len(self._labels) + 1}"
        grant = self._grants.get(key)
        label = f"{self._labels[key]} ({grant})" if grant else self._labels[key]
        self._last = (credential, label)
        return label


def _redacted(r: EvidenceRequest, red: Redactor, callers: Callers | None = None) -> EvidenceRequest:
    """Tokens, secrets and credentials out before anything is kept (the same policy as the exchange log)."""
    token_form = "/oauth/token" in r.url
    if callers is not None:
        r.caller = callers.label(r.headers)
        if token_form:
            callers.issued(r)
    r.cleaned_knowing = red.known
    r.url = red.text(r.url)
    r.headers = red.headers(r.headers)
    r.response_headers = red.headers(r.response_headers)
    r.body = red.form_body(r.body) if token_form and r.body is not None else red.value(r.body)
    r.response_body = red.value(r.response_body)
    r.transport_error = _reason(red.text(r.transport_error)) if r.transport_error else None
    return r


def _reason(text: str) -> str:
    """Why no answer came, shortened after redaction (a token cut short would no longer read as one)."""
    return text if len(text) <= 200 else text[:199] + "…"

