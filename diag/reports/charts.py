"""matplotlib figures worth pasting into a ticket: one small function per chart, one style for all.

Every figure names its source (org/region or "simulator") and interval in the title, labels its axes with units,
carries the usage freshness note where usage data is shown, and says so plainly when there is no data.
Colours are the Okabe-Ito palette (safe for the common forms of colour blindness).
"""
from __future__ import annotations

from pathlib import Path

OKABE_ITO = {"orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442", "blue": "#0072B2",
             "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#999999", "black": "#000000"}
CLASS_COLOURS = {"2xx": OKABE_ITO["green"], "3xx": OKABE_ITO["sky"], "4xx (not 429)": OKABE_ITO["orange"],
                 "429": OKABE_ITO["purple"], "5xx": OKABE_ITO["vermillion"]}
CLASS_COLUMNS = {"2xx": "status200", "3xx": "status300", "4xx (not 429)": "status4xx_other", "429": "status429",
                 "5xx": "status500"}
FIGSIZE = (10, 5.2)   # 1000 x 520 px at 100 dpi: readable when a ticket shrinks it
DPI = 100
BARS_UP_TO = 120      # periods; beyond that the status-class chart draws stacked steps
DOTS_AS_PICTURE = 500  # a scatter of more dots than this is a raster image inside the SVG
USAGE_NOTE = "Usage data is refreshed once a day and can be up to 24 h old."


def _figure(title: str, source: str, interval: str, note: str | None = None):
    # A bare Figure, not pyplot: no global state to close, nothing shown twice in a notebook, safe in threads.
    from matplotlib.figure import Figure

    fig = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    ax = fig.subplots()
    fig.suptitle(f"{title}\n{source} · {interval}", fontsize=12, x=0.01, ha="left")
    if note:
        fig.text(0.99, 0.995, note, ha="right", va="top", fontsize=8, color="#555555")
    ax.grid(axis="y", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return fig, ax


def _empty(ax, what: str, text: str | None = None) -> None:
    ax.text(0.5, 0.5, text or f"No {what} in this interval", ha="center", va="center", fontsize=14, color="#555555",
            transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def _stacked_bars(ax, when, series, width: float, hatched=()) -> None:
    """Bars stacked per period, one collection per series (label, values, colour): a few hundred bars draw as fast
    as one, where one Rectangle per bar made a 90-day chart cost half a second. Periods in `hatched` are drawn
    hatched and paler (a partial period)."""
    import matplotlib.dates as mdates
    import numpy as np
    from matplotlib.collections import PolyCollection

    x = np.asarray(mdates.date2num(when), dtype=float)
    marked = set(hatched)
    partial = np.array([w in marked for w in when], dtype=bool)
    left, right = x - width / 2, x + width / 2
    bottom = np.zeros(len(x))
    for label, values, colour in series:
        top = bottom + np.nan_to_num(np.asarray(values, dtype=float))
        boxes = np.stack([np.column_stack(corner) for corner in
                          ((left, bottom), (left, top), (right, top), (right, bottom))], axis=1)
        ax.add_collection(PolyCollection(list(boxes[~partial]), facecolors=colour, edgecolors="none", label=label))
        if partial.any():
            ax.add_collection(PolyCollection(list(boxes[partial]), facecolors=colour, edgecolors="#555555", hatch="//",
                                             linewidths=0, alpha=0.6))
        bottom = top
    ax.update_datalim(np.column_stack([np.concatenate([left, right]), np.concatenate([bottom, bottom * 0])]))
    ax.xaxis.axis_date()
    ax.autoscale_view()
    ax.set_ylim(bottom=0)


def _date_axis(ax) -> None:
    import matplotlib.dates as mdates
    locator = mdates.AutoDateLocator(minticks=3, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def status_classes_over_time(usage, source: str, interval: str):
    """Stacked daily counts: 2xx, 3xx, 4xx without 429, 429, 5xx; incidents stand out as spikes of colour."""
    fig, ax = _figure("API responses by status class", source, interval, USAGE_NOTE)
    if usage is None or usage.empty or usage["requests"].sum() == 0:
        _empty(ax, "API usage")
        return fig
    daily = usage.groupby("date")[list(CLASS_COLUMNS.values())].sum().sort_index()
    if len(daily) > BARS_UP_TO:   # past a few months, stacked steps read better (and draw faster) than bars
        ax.stackplot(daily.index, *[daily[c] for c in CLASS_COLUMNS.values()], labels=list(CLASS_COLUMNS),
                     colors=list(CLASS_COLOURS.values()), step="mid")
    else:
        _stacked_bars(ax, daily.index, [(label, daily[col], CLASS_COLOURS[label])
                                         for label, col in CLASS_COLUMNS.items()], _bar_width(daily.index))
    ax.set_ylabel("responses per period (count)")
    ax.set_xlabel("date (UTC)")
    _date_axis(ax)
    ax.legend(ncols=5, loc="upper left", fontsize=9, frameon=False)
    return fig


def errors_over_time(usage, source: str, interval: str, partial: tuple = ()):
    """The errors on their own axis: 4xx without 429, 429 and 5xx stacked per period, and the error rate (4xx and
    5xx over all responses, %) as a line; periods not wholly inside the data (`partial`) are hatched and named."""
    fig, ax = _figure("API errors by class, and the error rate", source, interval, USAGE_NOTE)
    if usage is None or usage.empty or usage["requests"].sum() == 0:
        _empty(ax, "API usage")
        return fig
    cols = {"4xx (not 429)": "status4xx_other", "429": "status429", "5xx": "status500"}
    daily = usage.groupby("date")[list(cols.values()) + ["status400", "requests"]].sum().sort_index()
    _stacked_bars(ax, daily.index, [(label, daily[col], CLASS_COLOURS[label]) for label, col in cols.items()],
                  _bar_width(daily.index), hatched=[when for when in daily.index if when in partial])
    ax.set_ylabel("error responses per period (count)")
    ax.set_xlabel("date (UTC)")
    rate = (daily["status400"] + daily["status500"]) / daily["requests"].where(daily["requests"] > 0) * 100
    ax2 = ax.twinx()
    ax2.plot(daily.index, rate, color=OKABE_ITO["black"], marker="o", markersize=3, linewidth=1.2,
             label="error rate (%)")
    ax2.set_ylabel("error rate (% of responses)")
    ax2.set_ylim(0, max(5.0, float(rate.max() or 0) * 1.2))
    ax2.spines["top"].set_visible(False)
    _date_axis(ax)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + ax2.get_legend_handles_labels()[1]
    if partial:
        from matplotlib.patches import Patch
        handles.append(Patch(facecolor="white", edgecolor="#555555", hatch="//"))
        labels.append("partial period")
    ax.legend(handles, labels, ncols=5, loc="upper left", fontsize=9, frameon=False)
    return fig


def _bar_width(index) -> float:
    if len(index) < 2:
        return 0.8
    step = (index[1:] - index[:-1]).min().total_seconds() / 86400
    return max(0.05, step * 0.85)


def top_endpoints(usage, source: str, interval: str, n: int = 10):
    """Endpoints by 4xx+5xx count, with request volume and error rate shown, so ten failing requests don't
    look like an outage."""
    fig, ax = _figure(f"Top {n} endpoints by errors (4xx + 5xx)", source, interval, USAGE_NOTE)
    if usage is None or usage.empty or "templateUri" not in usage.columns or usage["requests"].sum() == 0:
        _empty(ax, "API usage by endpoint")
        return fig
    keys = ["templateUri"] + (["httpMethod"] if "httpMethod" in usage.columns else [])
    g = usage.groupby(keys)[["status400", "status500", "status429", "requests"]].sum()
    g["errors"] = g["status400"] + g["status500"]
    g = g[g["errors"] > 0].sort_values("errors").tail(n)
    if g.empty:
        _empty(ax, "errors")
        return fig
    labels = [" ".join(reversed(k)) if isinstance(k, tuple) else k for k in g.index]
    y = range(len(g))
    ax.barh(y, g["status400"] - g["status429"], color=CLASS_COLOURS["4xx (not 429)"], label="4xx (not 429)")
    ax.barh(y, g["status429"], left=g["status400"] - g["status429"], color=CLASS_COLOURS["429"], label="429")
    ax.barh(y, g["status500"], left=g["status400"], color=CLASS_COLOURS["5xx"], label="5xx")
    ax.set_yticks(list(y), labels, fontsize=8)
    for i, (_, row) in enumerate(g.iterrows()):
        ax.text(row["errors"], i, f"  {row['errors'] / row['requests']:.1%} of {row['requests']:,} requests",
                va="center", fontsize=8)
    ax.set_xlabel("error responses (count)")
    ax.grid(axis="x", color="#dddddd")
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.margins(x=0.3)
    return fig


def clients_comparison(usage, source: str, interval: str):
    """Which integration produces the errors: per OAuth client, error responses and error rate."""
    fig, ax = _figure("Errors per OAuth client", source, interval, USAGE_NOTE)
    name = "clientName" if "clientName" in (usage.columns if usage is not None else []) else "clientId"
    if usage is None or usage.empty or name not in usage.columns or usage["requests"].sum() == 0:
        _empty(ax, "API usage by client")
        return fig
    g = usage.groupby(name)[["status4xx_other", "status429", "status500", "requests"]].sum().sort_values("requests")
    y = range(len(g))
    left = 0
    for label, col in (("4xx (not 429)", "status4xx_other"), ("429", "status429"), ("5xx", "status500")):
        ax.barh(y, g[col], left=left, color=CLASS_COLOURS[label], label=label)
        left = left + g[col]
    ax.set_yticks(list(y), [str(i) for i in g.index], fontsize=9)
    for i, (_, row) in enumerate(g.iterrows()):
        errors = row["status4xx_other"] + row["status429"] + row["status500"]
        ax.text(errors, i, f"  {errors / row['requests']:.1%} of {row['requests']:,}", va="center", fontsize=8)
    ax.set_xlabel("error responses (count)")
    ax.grid(axis="x", color="#dddddd")
    ax.legend(loc="lower right", fontsize=9, frameon=False)
    ax.margins(x=0.3)
    return fig


_CODE_COLOURS = {200: OKABE_ITO["green"], 400: OKABE_ITO["orange"], 401: OKABE_ITO["yellow"],
                 403: OKABE_ITO["blue"], 404: OKABE_ITO["sky"], 415: OKABE_ITO["grey"], 429: OKABE_ITO["purple"],
                 500: OKABE_ITO["vermillion"], 502: OKABE_ITO["black"], 503: "#8c3a00", 504: "#5a2500"}


def exact_status_codes(exchanges, source: str, interval: str):
    """The session's own calls over time, coloured by exact status code (the usage API only has classes)."""
    fig, ax = _figure("This session's calls by exact status code", source, interval)
    if exchanges is None or exchanges.empty:
        _empty(ax, "calls from this session")
        return fig
    pivot = exchanges.pivot_table(index="date", columns="status", values="count", aggfunc="sum", fill_value=0)
    width = _bar_width(pivot.index) if len(pivot.index) > 1 else 0.0005
    _stacked_bars(ax, pivot.index, [(str(code), pivot[code], _CODE_COLOURS.get(int(code), OKABE_ITO["grey"]))
                                    for code in pivot.columns], width)
    ax.set_ylabel("requests (count)")
    ax.set_xlabel("time (UTC)")
    _date_axis(ax)
    ax.legend(title="HTTP status", ncols=min(6, len(pivot.columns)), fontsize=9, frameon=False, loc="upper left")
    return fig


def outbound_outcomes(outbound, source: str, interval: str):
    """Outbound calls attempted, connected and in error over time (call outcomes, not HTTP status codes)."""
    fig, ax = _figure("Outbound call outcomes", source, interval)
    if outbound is None or outbound.empty or outbound["nOutboundAttempted"].sum() == 0:
        _empty(ax, "outbound calls")
        return fig
    daily = outbound.groupby("date")[["nOutboundAttempted", "nOutboundConnected", "nError"]].sum().sort_index()
    ax.plot(daily.index, daily["nOutboundAttempted"], color=OKABE_ITO["blue"], label="attempted", linewidth=2)
    ax.plot(daily.index, daily["nOutboundConnected"], color=OKABE_ITO["green"], label="connected", linewidth=2)
    _stacked_bars(ax, daily.index, [("error", daily["nError"], OKABE_ITO["vermillion"])], _bar_width(daily.index))
    ax.set_ylabel("calls per period (count)")
    ax.set_xlabel("date (UTC)")
    _date_axis(ax)
    ax.legend(fontsize=9, frameon=False, loc="upper left", ncols=3)
    return fig


def ratelimit_pressure(ratelimits, usage, source: str, interval: str):
    """Limits recorded near their maximum, beside the 429 counts, on one time axis."""
    fig, ax = _figure("Rate-limit pressure and 429 responses", source, interval, USAGE_NOTE)
    has_rl = ratelimits is not None and not ratelimits.empty
    has_429 = usage is not None and not usage.empty and usage["status429"].sum() > 0
    if not has_rl and not has_429:
        _empty(ax, "rate-limit pressure or 429s")
        return fig
    if has_429:
        daily = usage.groupby("date")["status429"].sum().sort_index()
        _stacked_bars(ax, daily.index, [("429 responses", daily, CLASS_COLOURS["429"])], _bar_width(daily.index))
        _date_axis(ax)
    ax.set_ylabel("429 responses (count)")
    ax.set_xlabel("date (UTC)")
    ax2 = ax.twinx()
    if has_rl:
        for i, (name, g) in enumerate(ratelimits.groupby("limitName")):
            g = g.groupby("date")["recorded"].sum().sort_index()
            ax2.plot(g.index, g, marker="o", linestyle="-", label=f"{name} near max",
                     color=[OKABE_ITO["black"], OKABE_ITO["blue"], OKABE_ITO["orange"]][i % 3])
    ax2.set_ylabel("limit recorded at >= 90 % (count)")
    ax2.set_ylim(bottom=0)
    ax2.spines["top"].set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + ax2.get_legend_handles_labels()[1]
    ax.legend(handles, labels, fontsize=9, frameon=False, loc="upper left")
    return fig


def evidence_codes_over_time(rows, source: str, interval: str):
    """The evidence's answers by exact status and code over its own time span (one dot per request), from its rows
    (Inspection.rows(): started, code)."""
    import datetime as dt

    fig, ax = _figure("Answers in the evidence, by exact code", source, interval)
    rows = list(rows or ())
    if not rows:
        _empty(ax, "Genesys requests")
        return fig
    by_code: dict[str, list] = {}
    for row in rows:   # a cURL command or a raw request carries no time
        if row["started"] is not None:
            by_code.setdefault(row["code"], []).append(row["started"])
    if not by_code:
        _empty(ax, "", "No times in this evidence\n(a cURL command or a raw request carries none)")
        return fig
    # Many dots go into the SVG as one picture of them (axes and text stay vector): 10,000 requests were 930 KB
    # of SVG markers, which report.html carries inline, and most of the chart's drawing time.
    many = sum(map(len, by_code.values())) > DOTS_AS_PICTURE
    labels = sorted(by_code, key=lambda c: (not c.startswith(("4", "5")), c))
    palette = [OKABE_ITO[k] for k in ("vermillion", "orange", "purple", "blue", "sky", "yellow", "black", "grey")]
    for i, label in enumerate(labels):
        when = by_code[label]
        colour = OKABE_ITO["green"] if label.startswith("2") else palette[i % len(palette)]
        ax.scatter(when, [label] * len(when), s=28, color=colour, label=f"{label} x{len(when)}", rasterized=many)
    first = min(min(when) for when in by_code.values())
    last = max(max(when) for when in by_code.values())
    if last - first < dt.timedelta(minutes=2):   # a short capture: minutes, not years
        ax.set_xlim(first - dt.timedelta(minutes=1), last + dt.timedelta(minutes=1))
    _date_axis(ax)
    ax.set_xlabel("time (UTC)")
    ax.set_ylabel("status and code")
    ax.legend(ncols=3, loc="upper left", fontsize=8, frameon=False, bbox_to_anchor=(0, -0.18))
    return fig


def evidence_latency_by_operation(rows, source: str, interval: str, n: int = 10):
    """How long each operation took in the evidence (median and slowest), slowest first, from its rows
    (Inspection.rows(): operation, duration_ms)."""
    import statistics

    fig, ax = _figure("Latency by operation in the evidence", source, interval)
    times: dict[str, list[float]] = {}
    for row in rows or ():
        ms = row["duration_ms"]
        if ms is not None and ms == ms:   # NaN is no time either
            times.setdefault(row["operation"], []).append(float(ms))
    if not times:
        _empty(ax, "timed requests")
        return fig
    slowest = sorted(times, key=lambda op: (max(times[op]), op))[-n:]
    y = range(len(slowest))
    ax.barh(y, [max(times[op]) for op in slowest], color=OKABE_ITO["sky"], label="slowest")
    ax.barh(y, [statistics.median(times[op]) for op in slowest], color=OKABE_ITO["blue"], label="median")
    ax.set_yticks(list(y), [f"{op} (x{len(times[op])})" for op in slowest], fontsize=8)
    ax.set_xlabel("duration (ms)")
    # below the axes: over the bars, the pale swatch of "slowest" vanished into the bar behind it
    ax.legend(ncols=2, loc="upper left", fontsize=9, frameon=False, bbox_to_anchor=(0, -0.12))
    return fig


EVIDENCE_CHARTS = ("evidence_codes", "evidence_latency")


def evidence_figures(rows, kind: str, span: str) -> dict:
    """The customer's evidence in two charts, by name (EVIDENCE_CHARTS), from its rows (Inspection.public_rows(),
    text already pseudonymised by the caller). No pandas: reading a capture and charting it does not load it."""
    source = f"customer evidence ({kind})"
    return {"evidence_codes": evidence_codes_over_time(rows, source, span),
            "evidence_latency": evidence_latency_by_operation(rows, source, span)}


def requests_per_minute(report, source: str):
    """Requests per minute of each caller in the evidence (diag.core.limits), every 429 marked where it came, and
    a line at each per-minute figure the sources give for a layer (labelled with the layer and how sure it is)."""
    import datetime as dt

    fig, ax = _figure("Requests in the last minute, by caller, and the 429s", source, "the evidence's own time span")
    if not report.rolling:
        _empty(ax, "requests with a time")
        return fig
    colours = [OKABE_ITO[c] for c in ("blue", "orange", "green", "vermillion", "sky", "purple", "yellow", "grey")]
    peak = 0
    for i, (caller, series) in enumerate(sorted(report.rolling.items())):
        when = [dt.datetime.fromtimestamp(t, dt.timezone.utc) for t, _ in series]
        counts = [n for _, n in series]
        peak = max(peak, max(counts))
        ax.step(when, counts, where="post", color=colours[i % len(colours)], linewidth=1.4, label=caller)
    for h in report.hits:
        try:
            at = dt.datetime.fromisoformat(h.at.replace("Z", "+00:00"))
        except ValueError:
            continue
        ax.plot([at], [h.caller_last_minute], marker="x", color=OKABE_ITO["black"], markersize=8, linestyle="none")
    if report.hits:
        ax.plot([], [], marker="x", color=OKABE_ITO["black"], linestyle="none", label="429 (its caller's last minute)")
    drawn = set()
    for layer in report.layers:
        for value, _source in layer.figures:
            if value is None or value in drawn or value > max(peak * 3, 400):
                continue
            drawn.add(value)
            ax.axhline(value, color=OKABE_ITO["grey"], linestyle="--", linewidth=1)
            ax.text(0.995, value, f"{value}/min: {layer.name} ({layer.evidence})", transform=ax.get_yaxis_transform(),
                    ha="right", va="bottom", fontsize=8, color="#555555")
    ax.set_ylim(bottom=0)
    ax.set_ylabel("requests in the 60 s up to each request (count)")
    ax.set_xlabel("time (UTC)")
    ax.legend(loc="upper left", fontsize=9, frameon=False)
    return fig


def rendered(fig, formats=("png", "svg")) -> dict[str, bytes]:
    """The figure drawn in each format. An SVG carries no date (the same chart is the same file), and its words are
    text, not glyphs drawn as paths: searchable, read as words by the ticket's last look, half the size, and about
    0.15 s less to write per chart. The layout, the dearest part of a draw, is worked out for the first format and
    kept for the others. A figure not changed since it was last drawn is not drawn again (the dashboard's PNG is
    the ticket's, and Preview's is Export's): any change to it marks it stale, as matplotlib does for a redraw."""
    import io

    kept: dict[str, bytes] = getattr(fig, "_diag_rendered", None) or {}
    if fig.stale:
        kept = {}
    missing = [fmt for fmt in formats if fmt not in kept]
    if missing:
        import matplotlib

        engine = fig.get_layout_engine()
        try:
            for fmt in missing:
                buf = io.BytesIO()
                with matplotlib.rc_context({"svg.fonttype": "none"}):
                    fig.savefig(buf, format=fmt, dpi=DPI, metadata={"Date": None} if fmt == "svg" else None)
                kept[fmt] = buf.getvalue()
                if engine is not None and fig.get_layout_engine() is engine:
                    fig.set_layout_engine("none")
        finally:
            if engine is not None:
                fig.set_layout_engine(engine)
        fig._diag_rendered = kept
        fig.stale = False   # as drawn (putting the layout engine back marked it stale)
    return {fmt: kept[fmt] for fmt in formats}


def save_figure(fig, stem: str | Path, formats=("png", "svg"), *, overwrite: bool = False) -> list[Path]:
    """Write the figure as PNG and SVG beside each other; returns the paths. An existing file is replaced only
    with overwrite=True (FileExistsError names it, and nothing is written)."""
    stem = Path(stem)
    paths = [stem.with_suffix(f".{fmt}") for fmt in formats]
    taken = [p for p in paths if p.exists()]
    if taken and not overwrite:
        raise FileExistsError(17, "exists: choose another name", str(taken[0]))
    stem.parent.mkdir(parents=True, exist_ok=True)
    drawn = rendered(fig, formats)
    for path, fmt in zip(paths, formats):
        with open(path, "wb" if overwrite else "xb") as fh:
            fh.write(drawn[fmt])
    return paths

