"""The workspace: where diag keeps what a person made, outside any repository.

`DIAG_HOME` (default `~/diag-work`) holds
    sessions/<UTC time>_<source>.jsonl   every session's exchanges, saved as they happen (0600)
    tickets/ticket-<UTC time>.zip        exported support bundles
    evidence/<UTC time>_<kind>_<n>-requests_<k>-failed.har
                                         customers' evidence added to a ticket, as sanitised HAR (0600): the file
                                         as it came is never stored
    notebooks/                           the notebooks `make lab` opens: your copies, so that JupyterLab's saves
                                         never touch the repository's clean ones
Set `DIAG_HOME=off` to save nothing (the session log stays in memory).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from diag.core.facts import CALLS_PATH
from dataclasses import dataclass
from pathlib import Path

HOME_VARIABLE = "DIAG_HOME"


def home() -> Path | None:
    """The workspace folder, or None when saving is switched off (DIAG_HOME=off)."""
    value = os.environ.get(HOME_VARIABLE, "").strip()
    if value.lower() in ("off", "none", "0"):
        return None
    return Path(value).expanduser() if value else Path.home() / "diag-work"


def _folder(name: str) -> Path | None:
    root = home()
    if root is None:
        return None
    root.mkdir(parents=True, exist_ok=True, mode=0o700)   # the person's own: not readable by others
    folder = root / name
    folder.mkdir(exist_ok=True, mode=0o700)
    return folder


def _stamp(now: dt.datetime | None = None) -> str:
    return (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y-%m-%dT%H-%M-%SZ")


def _fresh(folder: Path, stem: str, suffix: str) -> Path:
    """folder/stem.suffix, or stem-2, stem-3... when taken: nothing is ever written over."""
    path, n = folder / f"{stem}{suffix}", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}-{n}{suffix}"
    return path


ORIGINS = {"cli": "from the command line", "app": "from the app"}   # where a session was opened (its log's name)


def new_session_log(source: str, now: dt.datetime | None = None, origin: str = "") -> Path | None:
    """A fresh log path for a session, named by time, source ("simulator", "eu_west_1") and where it was opened
    (ORIGINS; none for the notebooks and Python)."""
    folder = _folder("sessions")
    if folder is None:
        return None
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", source).strip("-")[:40] or "session"
    tag = f".{origin}" if origin in ORIGINS else ""
    return _fresh(folder, f"{_stamp(now)}_{slug}{tag}", ".jsonl")


def new_ticket_path(now: dt.datetime | None = None, folder: Path | None = None, panel: bool = False) -> Path:
    """Where an exported ticket goes by default: `folder`, else the workspace, else (saving off) the current folder
    for the command line, or a private temporary folder for a panel (whose current folder may be a repository; its
    download link does not need the file to stay)."""
    if folder is None and _folder("tickets") is None and panel:
        import tempfile
        folder = Path(tempfile.mkdtemp(prefix="diag-ticket-"))
    return _fresh(Path(folder) if folder else (_folder("tickets") or Path.cwd()), f"ticket-{_stamp(now)}", ".zip")


def save_evidence(data: bytes, kind: str, requests: int, failed: int, now: dt.datetime | None = None) -> Path | None:
    """Keep sanitised evidence (a HAR from diag.reports.bundle.sanitised_har) for later tickets; None when saving
    is off. What it holds is in its name, so that listing the folder reads no file."""
    folder = _folder("evidence")
    if folder is None:
        return None
    from diag.core.exchange import write_private

    slug = re.sub(r"[^a-z-]+", "-", kind.lower()).strip("-")[:20] or "evidence"
    path = _fresh(folder, f"{_stamp(now)}_{slug}_{int(requests)}-requests_{int(failed)}-failed", ".har")
    write_private(path, data)
    return path


_EVIDENCE_NAME = re.compile(r"(?P<when>[0-9T:-]+Z)_(?P<kind>[a-z-]+)_(?P<n>\d+)-requests_(?P<k>\d+)-failed(?:-\d+)?")


@dataclass(frozen=True)
class SavedEvidence:
    """A customer's evidence kept in the workspace (sanitised), as the pickers show it."""
    path: Path
    kind: str
    requests: int
    failed: int
    modified: dt.datetime

    @property
    def label(self) -> str:
        when = self.modified.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return (f"{when} · customer evidence ({self.kind.upper()}, sanitised) · {self.requests} Genesys request(s), "
                f"{self.failed} failed")


def saved_kind(path: Path) -> str | None:
    """What the customer gave ("curl", "har", "diag-log"...) for a sanitised copy save_evidence wrote, by its
    name; None for any other file."""
    m = _EVIDENCE_NAME.fullmatch(Path(path).stem)
    return m.group("kind") if m else None


def recent_evidence(limit: int = 20) -> list[SavedEvidence]:
    """The workspace's saved evidence, newest first (files not named by save_evidence are left out)."""
    folder = _folder("evidence")
    if folder is None:
        return []
    found = []
    for path in folder.glob("*.har"):
        m = _EVIDENCE_NAME.fullmatch(path.stem)
        try:   # only regular files diag wrote: no link (to a raw capture, or to nothing), no pipe, no stranger
            if m is None or path.is_symlink() or not path.is_file() or not is_saved_evidence(path):
                continue
            found.append((path.stat().st_mtime, path, m))
        except OSError:
            continue
    found.sort(key=lambda t: t[0], reverse=True)
    return [SavedEvidence(path, m["kind"], int(m["n"]), int(m["k"]), dt.datetime.fromtimestamp(t, dt.timezone.utc))
            for t, path, m in found[:limit]]


def is_saved_evidence(path: Path) -> bool:
    """Whether `path` begins as diag's sanitiser writes a HAR (creator "diag"): a file merely named like one, a
    customer's raw HAR renamed, is not offered as sanitised."""
    with open(path, "rb") as fh:
        head = fh.read(400).decode("utf-8", "replace")
    return re.match(r'\{\s*"log":\s*\{\s*"version":\s*"1\.2",\s*"creator":\s*\{\s*"name":\s*"diag"', head) is not None


@dataclass(frozen=True)
class SessionLog:
    """A saved session log as the pickers show it."""
    path: Path
    source: str          # "simulator (no real calls)" or "REAL ORG <org> in <region>"
    calls: int           # POST /api/v2/conversations/calls exchanges
    exchanges: int
    modified: dt.datetime
    who: str = ""        # the token's kind and OAuth client, as its GET /api/v2/tokens/me and users/me said

    @property
    def label(self) -> str:
        when = self.modified.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        who = f" · {self.who}" if self.who else ""
        return f"{when} · {self.source}{who} · {self.calls} call(s), {self.exchanges} exchange(s)"


def recent_logs(limit: int = 20, exclude: Path | None = None, calls_only: bool = True) -> list[SessionLog]:
    """The workspace's session logs, newest first (unreadable lines are skipped here; loading says why); by default
    only those that placed a call (a panel opened and closed leaves a log of reads that nobody looks for)."""
    folder = _folder("sessions")
    if folder is None:
        return []
    paths = sorted(folder.glob("*.jsonl"), key=lambda p: p.stat().st_mtime, reverse=True)
    out = []
    for path in paths:
        if exclude is not None and path.resolve() == Path(exclude).resolve():
            continue
        info = describe(path)
        if info is not None and info.exchanges and (info.calls or not calls_only):
            out.append(info)
        if len(out) >= limit:
            break
    return out


def describe(path: Path) -> SessionLog | None:
    """What a saved log holds, by its lines that are saved exchanges (anything else is not counted; a file with
    none is not a session log). Never raises on a bad file."""
    from diag.core.exchange import not_an_exchange

    calls = count = 0
    simulated, regions, orgs = set(), set(), set()
    client = kind = None
    try:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                try:
                    data = json.loads(line)
                except (ValueError, RecursionError):
                    continue
                if not_an_exchange(data):
                    continue
                count += 1
                simulated.add(bool(data.get("simulated", True)))
                regions.add(str(data.get("region")))
                if data.get("org_id"):
                    orgs.add(str(data["org_id"]))
                calls += (data.get("method") == "POST" and data.get("template") == CALLS_PATH
                          and not data.get("superseded"))
                client, kind = _who(data, client, kind)
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    except (OSError, ValueError):   # unreadable, or not UTF-8 text
        return None
    if not count:
        return None
    if simulated == {True}:
        source = "simulator (no real calls)"
    elif len(regions) == 1 and simulated == {False}:
        source = f"REAL ORG {orgs.pop() if len(orgs) == 1 else ''} in {regions.pop()}".replace("  ", " ")
    else:
        source = "mixed sources"
    tagged = re.search(r"\.(" + "|".join(ORIGINS) + r")(?:-\d+)?$", path.stem)
    where = ORIGINS[tagged.group(1)] if tagged else ""
    who = ", ".join(x for x in (kind, f"OAuth client {client}" if client else None, where) if x)
    return SessionLog(path, source, calls, count, modified, who)


def _who(data: dict, client: str | None, kind: str | None) -> tuple[str | None, str | None]:
    """Who a session's token was, from its first identity answers: the OAuth client's name (GET
    /api/v2/tokens/me) and the token's kind (GET /api/v2/users/me: a user, or not.a.user for client credentials).
    Never the user's name: the label is shown in panels whose state a saved notebook keeps."""
    path, body = data.get("path"), data.get("response_body")
    if client is None and path == "/api/v2/tokens/me" and data.get("status") == 200 and isinstance(body, dict):
        oauth = body.get("OAuthClient")
        name = oauth.get("name") if isinstance(oauth, dict) else None
        client = str(name)[:60] if isinstance(name, str) and name.strip() else None
        if client is not None:
            from diag.core.numbers import phone_spans
            client = client if not phone_spans(client) else "(its name holds a number: not shown)"
    if kind is None and path == "/api/v2/users/me":
        kind = ("user token" if data.get("status") == 200 else
                "client credentials" if data.get("error_code") == "not.a.user" else None)
    return client, kind


def notebook_copies(source: Path) -> tuple[Path, list[str]]:
    """Copy the repository's notebooks into the workspace for JupyterLab. A copy that exists is never
    overwritten: when the repository's version is newer, it is added beside it as '<name> (new version).ipynb', or
    '<name> (new version 2).ipynb' and so on when that name is taken (a person may have edited it). Returns the
    folder and what was written."""
    import hashlib
    import shutil

    root = home()
    if root is None:
        raise ValueError("DIAG_HOME=off: there is no workspace to copy the notebooks into")
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    folder = root / "notebooks"
    folder.mkdir(exist_ok=True, mode=0o700)
    written = []
    for nb in sorted(Path(source).glob("*.ipynb")):
        target = folder / nb.name
        digest = hashlib.sha256(nb.read_bytes()).hexdigest()
        marker = folder / f".{nb.stem}.source-sha256"
        if not target.exists():
            shutil.copyfile(nb, target)
            target.chmod(0o600)   # saved with outputs, a copy can hold a session's answers
            written.append(nb.name)
        elif marker.exists() and marker.read_text().strip() != digest:
            newer, n = folder / f"{nb.stem} (new version).ipynb", 1
            while newer.exists():
                n += 1
                newer = folder / f"{nb.stem} (new version {n}).ipynb"
            shutil.copyfile(nb, newer)
            newer.chmod(0o600)
            written.append(newer.name)
        marker.write_text(digest)
    return folder, written
