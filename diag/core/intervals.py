"""ISO-8601 intervals as Genesys reads them in usage and analytics queries: `start/end` with full instants, dates, or
the shorter forms Genesys' usage blog documents ("2020-01/2020-06": "The data format does not need to be fully
qualified", facts §9.2). A reduced-precision end is read as the instant its period begins (2020-06 is
2020-06-01T00:00Z): modelled, the blog does not say."""
from __future__ import annotations

import datetime as dt
import re

UTC = dt.timezone.utc
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def parse_instant(text: str) -> dt.datetime:
    """One end of an interval: 2020, 2020-06, 2020-06-01, or a date-time (UTC unless it says otherwise)."""
    t = str(text).strip()
    if _YEAR.match(t):
        return dt.datetime(int(t), 1, 1, tzinfo=UTC)
    if _MONTH.match(t):
        return dt.datetime(int(t[:4]), int(t[5:]), 1, tzinfo=UTC)
    value = dt.datetime.fromisoformat(t.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


PLAUSIBLE_YEARS = range(1990, 2200)   # a recorded time outside them is a broken clock or a crafted file


def recorded_instant(value) -> dt.datetime | None:
    """A time as a record holds it (2026-11-28T10:00:01.412Z, or with an offset), in UTC; None when it is not one
    (or not a plausible one: year 1 or 9999 cannot be charted, spelled by every library, or meant)."""
    try:
        when = parse_instant(str(value)).astimezone(UTC) if value else None
    except (ValueError, OverflowError):
        return None
    return when if when is not None and when.year in PLAUSIBLE_YEARS else None


_DURATION = re.compile(r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: str) -> dt.timedelta:
    """An ISO-8601 duration (P1D, PT30M, P1M, P1Y): a month read as 30 days and a year as 365 (modelled: a
    period's length depends on where it starts). ValueError when it is none."""
    m = _DURATION.match(str(text).strip())
    if not m:
        raise ValueError(f"{text!r} is not an ISO-8601 period such as PT1H or P1D")
    y, mo, w, d, h, mi = (int(x or 0) for x in m.groups()[:6])
    s = float(m.group(7) or 0)
    try:
        return dt.timedelta(days=365 * y + 30 * mo + 7 * w + d, hours=h, minutes=mi, seconds=s)
    except OverflowError:   # P99999999999D: longer than any date can span
        raise ValueError(f"{text!r} is longer than any period a date can span") from None


def parse_interval(text: str) -> tuple[dt.datetime, dt.datetime]:
    """(start, end) of `start/end`, `start/duration` or `duration/end`; ValueError saying what is wrong."""
    parts = str(text).split("/")
    if len(parts) != 2:
        raise ValueError(f"interval {text!r} must be 'start/end' in ISO-8601, e.g. 2026-01-01/2026-01-31 or "
                         "2026-01/2026-03")
    try:
        if parts[1].strip().startswith("P"):
            start = parse_instant(parts[0])
            end = start + parse_duration(parts[1])
        elif parts[0].strip().startswith("P"):
            end = parse_instant(parts[1])
            start = end - parse_duration(parts[0])
        else:
            start, end = (parse_instant(p) for p in parts)
    except ValueError:
        raise ValueError(f"interval {text!r} is not ISO-8601 (e.g. 2026-01-01/2026-01-31, 2026-01/2026-03, "
                         "2026-01-01T00:00:00Z/P7D)") from None
    except OverflowError:   # P1D/0001-01-01, 9999-12-31/P1D: before the first date or after the last
        raise ValueError(f"interval {text!r} reaches before year 1 or after year 9999") from None
    if end <= start:
        raise ValueError(f"interval {text!r} ends before it starts")
    return start, end
