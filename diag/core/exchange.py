"""What a session sent and got back, recorded redacted: Exchange, and the ExchangeLog that holds them."""
from __future__ import annotations

import json
import shlex
import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

TOKEN_PLACEHOLDER = "$GENESYS_CLOUD_ACCESS_TOKEN"
RATE_HEADERS = ("inin-ratelimit-count", "inin-ratelimit-allowed", "inin-ratelimit-reset", "retry-after")


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
    attempt: int = 1
    superseded: bool = False         # the session sent this request again (429, refreshed token, GET retry)

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Exchange":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    # -- replay snippets (the token is always a placeholder) --
    def _send_headers(self) -> dict[str, str]:
        keep = {k: v for k, v in self.request_headers.items()
                if k.lower() in ("content-type", "accept")}
        keep["Authorization"] = f"Bearer {TOKEN_PLACEHOLDER}"
        return keep

    def to_curl(self) -> str:
        parts = ["curl", "-sS", "-i", "-X", self.method, shlex.quote(self.url)]
        for k, v in self._send_headers().items():
            # double quotes so that the shell expands the token variable
            parts += ["-H", f'"{k}: {v}"']
        if self.request_body is not None and not isinstance(self.request_body, str):
            parts += ["--data", shlex.quote(json.dumps(self.request_body, ensure_ascii=False))]
        return " ".join(parts)

    def to_python(self) -> str:
        headers = {k: v for k, v in self._send_headers().items() if k != "Authorization"}
        lines = ["import os", "import requests", "",
                 "headers = " + repr(headers),
                 'headers["Authorization"] = "Bearer " + os.environ["GENESYS_CLOUD_ACCESS_TOKEN"]']
        body = "" if self.request_body is None or isinstance(self.request_body, str) else \
            f", json={json.dumps(self.request_body, ensure_ascii=False)}"
        lines.append(f"r = requests.request({self.method!r}, {self.url!r}, headers=headers{body}, timeout=30)")
        lines.append('print(r.status_code, r.headers.get("ININ-Correlation-Id"), r.text)')
        return "\n".join(lines)


class ExchangeLog:
    """Every exchange of a session, in order. Thread-safe appends; JSON lines on disk."""

    def __init__(self, exchanges: Iterable[Exchange] = ()):
        self._items: list[Exchange] = list(exchanges)
        self._lock = threading.Lock()
        self._last_seq = max((e.seq for e in self._items), default=0)

    def append(self, ex: Exchange) -> Exchange:
        """Add `ex` and give it its number: assigned here, under the lock, so that numbers are unique."""
        with self._lock:
            self._last_seq += 1
            ex.seq = self._last_seq
            self._items.append(ex)
        return ex

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(list(self._items))

    def __getitem__(self, i):
        return self._items[i]

    def __repr__(self) -> str:
        return f"<ExchangeLog {len(self)} exchange(s)>"

    def save(self, path: str | Path, append: bool = False) -> Path:
        path = Path(path)
        with path.open("a" if append else "w", encoding="utf-8") as fh:
            for ex in self:
                fh.write(json.dumps(ex.to_dict(), ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "ExchangeLog":
        items = []
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                try:
                    items.append(Exchange.from_dict(json.loads(line)))
                except (ValueError, TypeError) as exc:
                    raise ValueError(f"{path}: line {n} is not a saved exchange ({exc})") from None
        return cls(items)

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
