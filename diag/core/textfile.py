"""Reading what a person hands diag (a body, a HAR, a log) as text, in one place: a size cap said in MB before
anything is parsed, no binary, UTF-8 with or without a BOM (or UTF-16, with a BOM or beginning in ASCII), and, where
asked, only a regular file (no pipe to hang on, no link to somewhere else). Kept free of imports so that the command
line starts fast."""
from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["MAX_BODY_BYTES", "MAX_EVIDENCE_BYTES", "text_of", "read_text"]

MAX_BODY_BYTES = 16 * 1024 * 1024          # a call body is a few hundred bytes
MAX_EVIDENCE_BYTES = 512 * 1024 * 1024     # a HAR of a long session with response bodies is hundreds of MB


def text_of(raw: bytes, *, limit: int | None = None, what: str = "") -> str:
    """`raw` as text; ValueError saying what is wrong (too large, binary, not UTF-8 and at which byte). The cap
    is MAX_EVIDENCE_BYTES unless given."""
    limit = limit or MAX_EVIDENCE_BYTES
    if len(raw) > limit:
        raise ValueError(f"the input is larger than {limit // (1024 * 1024)} MB" + (f"; {what}" if what else ""))
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):   # UTF-16 with its BOM, as Windows PowerShell's > writes a file
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ValueError(f"the input is not UTF-16 text, as its first bytes say (byte {exc.start})") from None
    if b"\x00" in raw:
        wide = _utf16_without_bom(raw)
        if wide is not None:
            return wide
        raise ValueError("the input is binary, not text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the input is not UTF-8 text (byte {exc.start})") from None


def _utf16_without_bom(raw: bytes) -> str | None:
    """UTF-16 with no BOM, as some editors and tools write JSON: every other byte of its start NUL (ASCII in
    UTF-16), the others not; None when it does not read so."""
    head = raw[:512]
    if len(raw) % 2 or len(head) < 4:
        return None
    for nuls, codec in ((head[1::2], "utf-16-le"), (head[0::2], "utf-16-be")):
        other = head[0::2] if codec == "utf-16-le" else head[1::2]
        if not nuls.strip(b"\x00") and b"\x00" not in other:
            try:
                return raw.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def read_text(source: str | os.PathLike, *, limit: int | None = None, what: str = "",
              regular_only: bool = False) -> str:
    """The text of file `source` ("-": standard input), read no further than the cap. regular_only: a link,
    a pipe or a folder is refused (a file the workspace saved, chosen from a list)."""
    limit = limit or MAX_EVIDENCE_BYTES
    if str(source) == "-":
        return text_of(sys.stdin.buffer.read(limit + 1), limit=limit, what=what)
    path = Path(source)
    if regular_only and (path.is_symlink() or not path.is_file()):
        raise ValueError(f"{path} is not a regular file")
    with open(path, "rb") as fh:
        return text_of(fh.read(limit + 1), limit=limit, what=what)
