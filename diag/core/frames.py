"""Tidy pandas frames from what Genesys and the session return: usage rows, the session's own exact status codes,
CSV round trips. Pure: no network (the queries are diag.client.usage)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from collections.abc import Iterable

if TYPE_CHECKING:   # pandas loads on first use, not with diag
    import pandas as pd

COUNTS = ("status200", "status300", "status400", "status500", "status429", "requests")
GROUP_COLUMNS = {"OAuthClientId": "clientId", "OrganizationId": "organizationId", "UserId": "userId",
                 "TemplateUri": "templateUri", "HttpMethod": "httpMethod"}
OUTBOUND_METRICS = ("nOutboundAttempted", "nOutboundConnected", "nError")


def usage_frame(rows: list[dict] | Iterable[dict], group_by: Iterable[str] = ()) -> pd.DataFrame:
    """ApiUsageRow dicts -> one row per date x group, typed, with derived columns.

    status4xx_other = status400 - status429 (429 is part of the 4xx count: never count it twice);
    error_rate = (status400 + status500) / requests; share_429 = status429 / requests.
    """
    return _typed(rows_frame(rows if isinstance(rows, list) else list(rows)), group_by)


def usage_frame_from_pages(pages: Iterable, group_by: Iterable[str] = ()) -> pd.DataFrame:
    """The same frame from result pages (JSON text or parsed dicts), one page at a time: only one page of row
    dicts is alive at once, which keeps a million-row export well under a gigabyte."""
    import pandas as pd

    from diag.core.jsontext import loads

    parts = []
    for page in pages:
        data = loads(page) if isinstance(page, (str, bytes)) else page
        rows = data.get("results", []) if isinstance(data, dict) else data
        if rows:
            parts.append(rows_frame(rows))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    return _typed(frame, group_by)


def rows_frame(rows: list) -> pd.DataFrame:
    """The frame pandas' from_records makes of `rows`, built column by column when every row is a dict with the
    first row's keys (what the usage API sends): about twice as fast on a page of 10,000 rows. A column of ints only
    becomes int64 and one of strings only is inferred from an object array, as from_records does; any other column
    is left to pandas' own inference, and any other page to from_records itself."""
    import numpy as np
    import pandas as pd

    first = rows[0] if isinstance(rows, list) and rows else None
    if type(first) is not dict or not first or any(type(k) is tuple for k in first) \
            or any(type(r) is not dict or len(r) != len(first) for r in rows):   # tuple keys: from_records' own index
        return pd.DataFrame.from_records(rows)
    columns: dict = {}
    try:
        for key in first:
            values = [r[key] for r in rows]   # a row without the key has another in its place: from_records
            kinds = set(map(type, values))
            if kinds == {int} and -2**63 <= min(values) and max(values) < 2**63:
                columns[key] = np.array(values, dtype=np.int64)
            elif kinds == {str}:
                columns[key] = np.array(values, dtype=object)
            else:
                columns[key] = values
    except KeyError:
        return pd.DataFrame.from_records(rows)
    return pd.DataFrame(columns, copy=False)


def _dates(column) -> pd.Series:
    """Parse each distinct date once: usage rows repeat a handful of dates over many groups."""
    import pandas as pd

    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    parsed = pd.DatetimeIndex(pd.to_datetime(pd.Series(uniques, dtype="object"), utc=True, format="ISO8601"))
    return pd.Series(parsed.take(codes, allow_fill=True, fill_value=pd.NaT), index=column.index)


def _typed(frame, group_by: Iterable[str] = ()) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    groups = [GROUP_COLUMNS[g] for g in group_by if g in GROUP_COLUMNS]
    for col in ("date", *COUNTS, *groups):
        if col not in frame.columns:
            frame[col] = pd.Series(dtype="object" if col not in COUNTS else "int64")
    frame["date"] = _dates(frame["date"]) if len(frame) else pd.to_datetime(frame["date"], utc=True)
    for col in COUNTS:
        if frame[col].dtype != "int64":
            frame[col] = pd.to_numeric(frame[col], errors="coerce").fillna(0).astype("int64")
    if "clientName" not in frame.columns and "clientId" in frame.columns:
        frame["clientName"] = frame["clientId"]
    frame["status4xx_other"] = frame["status400"] - frame["status429"]
    requests = frame["requests"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["error_rate"] = np.where(requests > 0, (frame["status400"] + frame["status500"]) / requests, 0.0)
        frame["share_429"] = np.where(requests > 0, frame["status429"] / requests, 0.0)
    lead = ["date"] + [c for c in ("clientId", "clientName", "organizationId", "userId", "templateUri",
                                    "httpMethod") if c in frame.columns]
    rest = [c for c in frame.columns if c not in lead]
    return frame[lead + rest].sort_values("date", kind="stable").reset_index(drop=True)


def exchange_frame(log, freq: str = "min") -> pd.DataFrame:
    """The session's own calls with their exact status codes (400/401/403/404/429/5xx), counted per time bucket."""
    import pandas as pd

    frame = log.to_frame() if hasattr(log, "to_frame") else log
    frame = frame[frame["status"].notna()]
    if frame.empty:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns, UTC]"), "template": pd.Series(dtype=object),
                             "method": pd.Series(dtype=object), "status": pd.Series(dtype="int64"),
                             "count": pd.Series(dtype="int64")})
    out = (frame.assign(date=frame["started"].dt.floor(freq), status=frame["status"].astype("int64"))
           .groupby(["date", "template", "method", "status"]).size().reset_index(name="count"))
    out["count"] = out["count"].astype("int64")
    return out


# ---- CSV ------------------------------------------------------------------------------------------

def save_csv(frame, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write the frame as CSV; an existing file is replaced only with overwrite=True (FileExistsError)."""
    path = Path(path)
    with open(path, "w" if overwrite else "x", newline="", encoding="utf-8") as fh:
        frame.to_csv(fh, index=False, date_format="%Y-%m-%dT%H:%M:%S%z")
    return path


def load_csv(path: str | Path) -> pd.DataFrame:
    """A saved frame back, typed: dates timezone-aware, counts integers."""
    import pandas as pd

    frame = pd.read_csv(path)
    if "date" in frame.columns:
        frame["date"] = pd.to_datetime(frame["date"], utc=True)
    for col in frame.columns:
        if col in COUNTS or col in OUTBOUND_METRICS or col in ("status4xx_other", "recorded", "count", "status"):
            frame[col] = frame[col].fillna(0).astype("int64")
    for col in ("userId", "clientId", "templateUri", "httpMethod", "clientName"):
        if col in frame.columns:
            frame[col] = frame[col].astype("object").where(frame[col].notna(), None)
    return frame
