"""What a session sent and got back, recorded redacted: Exchange, and the ExchangeLog that holds them."""
from __future__ import annotations

import json
import os
import shlex
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Iterable

from diag.core.jsontext import utf8
from diag.core.templates import render

TOKEN_PLACEHOLDER = "$GENESYS_CLOUD_ACCESS_TOKEN"


def header_count(value) -> int | None:
    """A rate-limit header's value as a count: ASCII digits only, at most 9 of them; anything else (empty, '1.5',
    'abc', other scripts' digits, a 5,000-digit value) reads as unknown."""
    text = value.strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


@dataclass
class Exchange:
    seq: int
    started: str                     # UTC ISO-8601
    method: str
    url: str
    path: str
    template: str | None             # the operation's path template, e.g. /api/v2/conversations/calls/{conversationId}
    request_headers: dict[str, str]
    request_body: Any
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None
    duration_ms: float | None = None
    correlation_id: str | None = None
    rate_limit: dict[str, str] = field(default_factory=dict)
    error: dict | None = None        # the parsed ErrorBody
    error_code: str | None = None
    explanation: str | None = None
    findings: list[dict] = field(default_factory=list)   # the doctor's, for call bodies
    notes: list[str] = field(default_factory=list)       # retries, refusals, why nothing was resent
    transport_error: str | None = None
    region: str = "simulator"
    simulated: bool = True
    org_id: str | None = None        # the org behind the token, once the session knows it (tokens/me)
    attempt: int = 1
    superseded: bool = False         # the session sent this request again (429, refreshed token, GET retry)
    first_seq: int | None = None     # a later attempt's: the seq of its send's first attempt (sends interleave)
    written_as: Any = None           # the body as the person wrote it, when Fix it changed it before it was sent
    purpose: str = ""                # what diag sent it for itself (identity, usage, follow...); "": the person

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def to_dict(self) -> dict:
        """The record's fields as a dict. Shallow: headers, bodies and findings are the record's own objects
        (every reader of a record builds new values from them; copying them deeply cost more than the reading)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict) -> Exchange:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    # -- replay snippets (the token is always a placeholder) --
    def send_headers(self) -> dict[str, str]:
        keep = {k: v for k, v in self.request_headers.items()
                if k.lower() in ("content-type", "accept")}
        keep["Authorization"] = f"Bearer {TOKEN_PLACEHOLDER}"
        return keep

    def sent_body(self) -> bytes | None:
        """The body's bytes as the session sent them (body_bytes of what it recorded)."""
        return body_bytes(self.request_body)

    def to_curl(self) -> str:
        """ "Copy as cURL": every recorded value single-quoted (a value from a log is never shell code); only the
        token variable is expanded. -g: the URL's [] and {} are sent, never expanded into several requests;
        --data-raw: a body starting with @ is sent, never read from a file. The body goes as the session sent it, byte for
        byte (piped in by printf when a shell word cannot carry it)."""
        parts = ["curl", "-sS", "-i", "-g", "-X", shlex.quote(self.method), shlex.quote(self.url)]
        for k, v in self.send_headers().items():
            if k == "Authorization":   # double quotes so that the shell expands the token variable
                parts += ["-H", f'"Authorization: Bearer ${TOKEN_PLACEHOLDER.lstrip("$")}"']
            else:
                parts += ["-H", shlex.quote(f"{k}: {v}")]
        sent = self.sent_body()
        if sent is None:
            return " ".join(parts)
        text = sent.decode("utf-8", "replace")
        if "\0" in text or text.encode() != sent:
            # bytes a shell word cannot carry (not UTF-8, a lone surrogate, NUL): POSIX printf writes them from octal
            # escapes and curl reads them from its standard input
            return f"printf '{_printf_escaped(sent)}' | " + " ".join([*parts, "--data-binary", "@-"])
        return " ".join([*parts, "--data-raw", shlex.quote(text)])

    def to_python(self) -> str:
        """ "Copy as Python": the request with `requests`, the token read from GENESYS_CLOUD_ACCESS_TOKEN. The body goes
        as the bytes the session sent (a Python bytes literal: null, Infinity and any text go as they went)."""
        headers = {k: v for k, v in self.send_headers().items() if k != "Authorization"}
        sent = self.sent_body()
        return render("snippet.py.tmpl", HEADERS=repr(headers), METHOD=repr(self.method), URL=repr(self.url),
                      BODY="" if sent is None else f", data={sent!r}")


def _printf_escaped(data: bytes) -> str:
    """`data` as a printf format that writes exactly it: printable ASCII as itself, every other byte (and the
    quote, backslash and percent sign) as a three-digit octal escape."""
    return "".join(chr(b) if 32 <= b < 127 and b not in b"'\\%" else f"\\{b:03o}" for b in data)


def body_bytes(body: Any) -> bytes | None:
    """The exact bytes a body goes as, in one place for the session and the code it writes: bytes as they are, text
    as UTF-8 (a lone surrogate as Python's surrogatepass writes it), anything else as JSON (json.dumps: non-ASCII as
    \\u escapes)."""
    if body is None:
        return None
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    return json.dumps(body).encode()


def _append_lines(fd: int, data: bytes) -> None:
    """Append whole lines or nothing: a write that fails part-way (a full disk, a file-size limit) is cut back, so
    the lines saved before it stay readable and the next save does not glue onto half a line; a half line left by
    a cut that could not be made is ended first."""
    size = os.fstat(fd).st_size
    if size and os.pread(fd, 1, size - 1) != b"\n":
        data = b"\n" + data
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError:
        try:
            os.ftruncate(fd, size)
        except OSError:
            pass
        raise


class ExchangeLog:
    """Every exchange of a session, in order. Thread-safe appends; JSON lines on disk."""

    def __init__(self, exchanges: Iterable[Exchange] = (), autosave: str | Path | None = None):
        self._items: list[Exchange] = list(exchanges)
        self._lock = threading.Lock()
        self._last_seq = max((e.seq for e in self._items), default=0)
        self.autosave: Path | None = Path(autosave) if autosave else None   # written as exchanges happen
        self.autosave_error: str | None = None

    def append(self, ex: Exchange) -> Exchange:
        """Add `ex` and give it its number: assigned here, under the lock, so that numbers are unique."""
        with self._lock:
            self._last_seq += 1
            ex.seq = self._last_seq
            self._items.append(ex)
        return ex

    def persist(self, exchanges: Iterable[Exchange]) -> None:
        """Append finished exchanges (notes and retries settled) to the autosave file: whole lines, one write,
        0600. A failure to save is kept and shown, never raised into the call that was made."""
        if self.autosave is None:
            return
        try:
            # vars(), not asdict(): the fields are JSON already, and a deep copy per call is most of the cost
            data = b"".join(jsonl_line(vars(ex)) for ex in exchanges)
        except (TypeError, ValueError, RecursionError) as exc:   # a value JSON cannot write: said, never raised
            self.autosave_error = f"could not save to {self.autosave}: {type(exc).__name__}: {str(exc)[:200]}"
            return
        if not data:
            return
        with self._lock:
            try:
                flags = os.O_RDWR | os.O_APPEND | os.O_CREAT
                try:
                    fd = os.open(self.autosave, flags, 0o600)
                except FileNotFoundError:   # its folder is not there (yet, or any more)
                    self.autosave.parent.mkdir(parents=True, exist_ok=True)
                    fd = os.open(self.autosave, flags, 0o600)
                try:
                    _append_lines(fd, data)
                finally:
                    os.close(fd)
                self.autosave_error = None
            except (OSError, ValueError) as exc:
                self.autosave_error = f"could not save to {self.autosave}: {exc}"

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(list(self._items))

    def __getitem__(self, i):
        return self._items[i]

    def __repr__(self) -> str:
        return f"<ExchangeLog {len(self)} exchange(s)" + (" autosaved" if self.autosave else "") + ">"

    def save(self, path: str | Path, append: bool = False, overwrite: bool = False) -> Path:
        """Write the log as JSON lines, readable by the owner only (0600), atomically: a crash leaves the old file
        or the new one, never half of one. An existing file is extended with append=True, replaced only with
        overwrite=True."""
        path = Path(path)
        if path.is_symlink():   # written through, as an append is: the person's link stays (even one that dangles)
            path = Path(os.path.realpath(path))
        if path.is_dir():
            raise IsADirectoryError(f"{path} is a folder: give the log a file name")
        exists = path.exists()
        if exists and not (append or overwrite):
            raise FileExistsError(f"{path} exists: append to it, or replace it on purpose (overwrite=True)")
        if exists and append:
            _check_is_log(path)
            offset = _last_seq(path)   # numbers go on from the file's: one log, one numbering
            lines = b"".join(jsonl_line({**ex.to_dict(), "seq": ex.seq + offset}) for ex in self)
            # one write with O_APPEND: through symlinks, beside other writers, never a half line
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            with os.fdopen(fd, "ab") as fh:
                if path.stat().st_size and not _ends_with_newline(path):
                    lines = b"\n" + lines
                fh.write(lines)
            return path
        write_private(path, b"".join(jsonl_line(ex.to_dict()) for ex in self))
        return path

    @classmethod
    def load(cls, path: str | Path) -> ExchangeLog:
        """Read a saved log; a line that is not a saved exchange is named by its number (ValueError)."""
        items = []
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: not a saved exchange log (not UTF-8 text at byte {exc.start})") from None
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except RecursionError:
                raise ValueError(f"{path}: line {n} is nested too deeply to be a saved exchange") from None
            except ValueError as exc:
                raise ValueError(f"{path}: line {n} is not JSON ({str(exc)[:120]}); was the file cut short or "
                                 "edited?") from None
            data, replaced = whole_unicode(data)
            problem = not_an_exchange(data)
            if problem:
                raise ValueError(f"{path}: line {n} is not a saved exchange ({problem})")
            ex = Exchange.from_dict(data)
            if replaced:
                ex.notes.append(REPLACED_SURROGATES)
            items.append(ex)
        return cls(items)

    def source(self) -> LogSource | None:
        return LogSource.of(self)

    def to_frame(self):
        import pandas as pd

        rows = [{"seq": e.seq, "started": e.started, "method": e.method, "template": e.template or e.path,
                 "status": e.status, "error_code": e.error_code, "correlation_id": e.correlation_id,
                 "duration_ms": e.duration_ms, "region": e.region, "simulated": e.simulated,
                 "ratelimit_count": e.rate_limit.get("inin-ratelimit-count"),
                 "ratelimit_allowed": e.rate_limit.get("inin-ratelimit-allowed"),
                 "transport_error": e.transport_error} for e in self]
        frame = pd.DataFrame(rows, columns=["seq", "started", "method", "template", "status", "error_code",
                                            "correlation_id", "duration_ms", "region", "simulated",
                                            "ratelimit_count", "ratelimit_allowed", "transport_error"])
        frame["started"] = pd.to_datetime(frame["started"], utc=True)
        frame["status"] = frame["status"].astype("Int64")
        return frame


_STR, _OPT_STR = (str,), (str, type(None))
_NUM = (int, float, type(None))
_FIELDS = {"seq": (int,), "started": _STR, "method": _STR, "url": _STR, "path": _STR, "template": _OPT_STR,
           "request_headers": (dict,), "status": (int, type(None)), "response_headers": (dict,),
           "duration_ms": _NUM, "correlation_id": _OPT_STR, "rate_limit": (dict,), "error": (dict, type(None)),
           "error_code": _OPT_STR, "explanation": _OPT_STR, "findings": (list,), "notes": (list,),
           "transport_error": _OPT_STR, "region": _STR, "simulated": (bool,), "org_id": _OPT_STR,
           "attempt": (int,), "superseded": (bool,), "first_seq": (int, type(None))}
_REQUIRED = ("seq", "started", "method", "url", "path")


def not_an_exchange(data) -> str | None:
    """What makes `data` not a saved exchange (named by field), or None."""
    import datetime as dt

    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    for key in _REQUIRED:
        if key not in data:
            return f"`{key}` is missing"
    for key, kinds in _FIELDS.items():
        if key not in data:
            continue
        value = data[key]
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            words = {"dict": "an object", "list": "a list", "int": "a whole number", "float": "a number",
                     "str": "text", "bool": "true or false", "NoneType": "null"}
            names = " or ".join(dict.fromkeys(words[k.__name__] for k in kinds))
            return f"`{key}` should be {names}"
    for key in ("request_headers", "response_headers", "rate_limit"):
        if key in data and not all(isinstance(v, str) for v in data[key].values()):
            return f"`{key}` holds a value that is not text"
    if any(not isinstance(n, str) for n in data.get("notes", [])):
        return "`notes` holds an entry that is not text"
    for f in data.get("findings", []):
        if not isinstance(f, dict) or not all(isinstance(f.get(k), str) for k in ("severity", "path", "code",
                                                                                  "message")):
            return "`findings` holds an entry without severity, path, code and message"
    try:
        dt.datetime.fromisoformat(data["started"])
    except ValueError:
        return "`started` is not an ISO-8601 time"
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "it holds text that is not valid Unicode (a lone surrogate)"
    except (ValueError, RecursionError):
        return "it is nested too deeply"
    return None


def _ends_with_newline(path: Path) -> bool:
    with path.open("rb") as fh:
        fh.seek(-1, os.SEEK_END)
        return fh.read(1) == b"\n"


def _check_is_log(path: Path) -> None:
    """Appending goes only onto a diag log (or an empty file): another tool's file would stop loading."""
    with path.open("rb") as fh:
        first = fh.readline(1_000_000).strip()
    if not first:
        return
    try:
        problem = not_an_exchange(json.loads(first))
    except ValueError:
        problem = "its first line is not JSON"
    if problem:
        raise ValueError(f"{path} is not a diag exchange log ({problem}): nothing was appended")


REPLACED_SURROGATES = ("text that is not valid Unicode (a lone surrogate, legal in JSON) was read back as \ufffd; "
                       "the exact bytes sent are not in the log")


def whole_unicode(value: Any) -> tuple[Any, bool]:
    """`value` (JSON-like) with every lone surrogate as U+FFFD, and whether any was: a log diag wrote of a body
    holding one (legal JSON) is read back, not refused."""
    changed = False

    def walk(v: Any) -> Any:
        nonlocal changed
        if isinstance(v, str):
            try:
                v.encode("utf-8")
                return v
            except UnicodeEncodeError:
                changed = True
                return v.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        if isinstance(v, dict):
            return {walk(k): walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v

    out = walk(value)
    return out, changed


def jsonl_line(record: dict) -> bytes:
    """One JSON line, UTF-8; text that UTF-8 cannot carry (a lone surrogate from a body: legal JSON) written as a
    JSON escape, and a value JSON has no form for (a Decimal in a body as written) as its text, never a failure
    after a request was sent."""
    return utf8(record, default=_as_json) + b"\n"


def _as_json(value: Any) -> Any:
    """A value of a body JSON cannot write: a number as its decimal text, anything else named by its type only (its
    repr could hold anything)."""
    import numbers as _numbers

    if isinstance(value, _numbers.Number):
        return str(value)
    return f"<{type(value).__name__}>"


def _last_seq(path: Path) -> int:
    """The highest exchange number in a saved log (0 when it has none)."""
    last = 0
    with path.open("rb") as fh:
        for line in fh:
            try:
                last = max(last, int(json.loads(line).get("seq") or 0))
            except (ValueError, AttributeError, TypeError):
                continue
    return last


def write_private(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Write `data` to `path` atomically, readable by the owner only (0600). replace=False: a file that is at
    `path` when the data is ready (even one that appeared while it was made) stays, and FileExistsError says so."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")   # mkstemp: 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        settle(tmp, path, replace=replace)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def settle(tmp: str | Path, path: Path, *, replace: bool) -> None:
    """Put the finished file `tmp` at `path`: replacing what is there, or (replace=False) only if nothing is, in one
    step (a hard link fails when the name is taken), so that nothing of the person's is ever overwritten."""
    if replace:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise FileExistsError(17, "exists: choose another name", str(path)) from None
    Path(tmp).unlink(missing_ok=True)


@dataclass(frozen=True)
class LogSource:
    """Where a log's exchanges were sent: the simulator, or one real org (region and org id, when known)."""
    simulated: bool
    region: str
    org_id: str | None = None

    @property
    def label(self) -> str:
        if self.simulated:
            return "simulator (no real calls)"
        return f"REAL ORG {self.org_id or '(org id not recorded)'} in {self.region}"

    @classmethod
    def of(cls, exchanges: Iterable[Exchange]) -> LogSource | None:
        """The one source of `exchanges` (None for none); ValueError when they mix sources: one ticket, one org."""
        items = list(exchanges)
        if not items:
            return None
        kinds = {(bool(e.simulated), "simulator" if e.simulated else str(e.region)) for e in items}
        orgs = {e.org_id for e in items if e.org_id and not e.simulated}
        if len(kinds) > 1 or len(orgs) > 1:
            named = sorted({"simulator" if s else f"REAL ORG in {r}" for s, r in kinds} | {f"org {o}" for o in orgs})
            raise ValueError("these exchanges come from more than one place (" + ", ".join(named) + "): a ticket "
                             "covers one org; choose the exchanges of one")
        simulated, region = kinds.pop()
        return cls(simulated, region, orgs.pop() if orgs else None)

    def matches(self, simulated: bool, region: str, org_id: str | None = None) -> bool:
        if self.simulated or simulated:
            return self.simulated == simulated
        return self.region == region and (not self.org_id or not org_id or self.org_id == org_id)
