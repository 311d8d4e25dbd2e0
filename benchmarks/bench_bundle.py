"""Export time of a ticket bundle with 1,000 exchanges and 5 charts (target: within 2x the naive zip below).

Baseline, same run: a naive zip of the same exchanges as JSON lines plus the same 5 figures as PNG (no redaction,
no pseudonyms, no HAR, repro scripts, SVG, summary or checks): what the export costs beyond just writing files.
"""
from __future__ import annotations

import io
import json
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N = 1000


def make_session():
    from diag.client.connect import connect
    from diag.sim import Simulator

    sim = Simulator(overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}}).start()
    s = connect(simulator=sim)
    bodies = [{"phoneNumber": f"+1317555{i % 10000:04d}"} for i in range(N - 100)]
    bodies += [{"to": {"phoneNumber": f"+1317555{i:04d}"}, "type": "external"} for i in range(100)]
    for b in bodies:
        s.send("POST", "/api/v2/conversations/calls", b)
    return sim, s


def figures(s):
    from diag.app import ticket
    return ticket.usage_charts(s, 90)


def composer_export(rounds: int = 3) -> dict:
    """Export ticket in the composer (notebook 01, the app) after a session of 100 calls: the zip and its
    download link. Baseline, same run: a naive zip of the same exchanges as JSON lines."""
    from diag.app.widgets.composer import ComposerModel
    from diag.client.connect import connect
    from diag.sim import Simulator

    sim = Simulator(overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}})
    model = ComposerModel('{"phoneNumber": "+13175550100"}', session=connect(simulator=sim))
    for i in range(100):
        model.set_text(f'{{"phoneNumber": "+1317555{i:04d}"}}')
        model.send()
        model.add_to_ticket()
    diag_t, base_t = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            t = time.perf_counter()
            model.export_ticket(Path(tmp) / f"t{r}.zip")
            model.ticket_html()
            diag_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            with zipfile.ZipFile(Path(tmp) / f"n{r}.zip", "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("exchanges.jsonl", "".join(json.dumps(e.to_dict()) + "\n" for e in model.session.log))
            base_t.append(time.perf_counter() - t)
    return {"diag_s": round(statistics.median(diag_t), 2), "baseline_s": round(statistics.median(base_t), 3)}


def run(rounds: int = 3) -> dict:
    import matplotlib
    matplotlib.use("Agg")
    from diag.reports.bundle import build_bundle

    sim, s = make_session()
    makers, frames = figures(s)
    figs = dict(list(makers.items())[:5])   # drawn by the bundle from its cleaned frames
    diag_t, base_t = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            t = time.perf_counter()
            b = build_bundle(Path(tmp) / f"b{r}.zip", s.log, source=s.label, figures=figs, frames=frames,
                             secrets=s.tokens.secrets())
            diag_t.append(time.perf_counter() - t)
            t = time.perf_counter()
            with zipfile.ZipFile(Path(tmp) / f"n{r}.zip", "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("exchanges.jsonl", "".join(json.dumps(e.to_dict()) + "\n" for e in s.log))
                for name, draw in figs.items():   # the same charts, drawn from the raw frames
                    buf = io.BytesIO()
                    draw(frames).savefig(buf, format="png", dpi=100)
                    z.writestr(f"{name}.png", buf.getvalue())
            base_t.append(time.perf_counter() - t)
        size = b.path.stat().st_size
    sim.stop()
    d, k = statistics.median(diag_t), statistics.median(base_t)
    export = composer_export()
    return {"name": "bundle export: 1,000 exchanges and 5 charts", "exchanges": len(s.log), "charts": len(figs),
            "composer_export_100_calls_s": export["diag_s"], "composer_export_baseline_s": export["baseline_s"],
            "diag_s": round(d, 2), "zip_bytes": size, "baseline": "naive zip: JSON lines + PNGs, no redaction",
            "baseline_s": round(k, 2), "ratio": round(d / k, 2),
            "target": "<= 2x the naive zip (issue 26; < 10 s before it)", "met": d <= 2 * k}


if __name__ == "__main__":
    r = run()
    print(r["name"])
    print(f"  diag bundle  {r['diag_s']:.2f} s  ({r['zip_bytes']:,} bytes)")
    print(f"  baseline     {r['baseline_s']:.2f} s  ({r['baseline']})")
    print(f"  ratio {r['ratio']}   target {r['target']}: {'met' if r['met'] else 'NOT met'}")
    print(json.dumps(r))
