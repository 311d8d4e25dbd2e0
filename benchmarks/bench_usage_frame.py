"""1,000,000 usage rows from JSON result pages to the tidy frame and to the stacked chart's PNG.

Baseline, same run: pandas.json_normalize of the same pages (no typing, no derived columns, no chart). Each path
runs in its own process so that peak memory (max RSS) is its own. Target: the whole diag path under 5 s and 1 GB.
"""
from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROWS = 1_000_000
PAGE = 10_000


def make_pages(path: Path, rows: int = ROWS, seed: int = 3) -> None:
    rng = random.Random(seed)
    uris = [f"api/v2/things/{i}/{{id}}" for i in range(40)]
    clients = [f"c-{i:03d}" for i in range(20)]
    with path.open("w") as fh:
        for p in range(rows // PAGE):
            page = []
            for i in range(PAGE):
                n = rng.randrange(1, 1000)
                s400 = rng.randrange(0, n // 10 + 1)
                s500 = rng.randrange(0, n // 50 + 1)
                s300 = 0
                page.append({"date": f"2026-{1 + (p % 12):02d}-{1 + i % 28:02d}T00:00:00.000Z",
                             "clientId": rng.choice(clients), "templateUri": rng.choice(uris),
                             "httpMethod": rng.choice(["GET", "POST"]), "status200": n - s400 - s500 - s300,
                             "status300": s300, "status400": s400, "status429": s400 // 3, "status500": s500,
                             "requests": n})
            fh.write(json.dumps({"queryStatus": "Complete", "results": page}) + "\n")


def worker(kind: str, pages: Path, out_png: Path) -> dict:
    import pandas as pd  # imports are not part of the path being measured

    if kind == "diag":
        import matplotlib
        matplotlib.use("Agg")
        from diag.core.frames import usage_frame_from_pages
        from diag.reports import charts
    t0 = time.perf_counter()
    if kind == "diag":
        t1 = time.perf_counter()
        with pages.open() as fh:   # pages arrive one at a time, as from the API
            frame = usage_frame_from_pages(fh, group_by=["OAuthClientId", "TemplateUri", "HttpMethod"])
        t2 = time.perf_counter()
        fig = charts.status_classes_over_time(frame, "benchmark", "1,000,000 rows")
        fig.savefig(out_png, dpi=charts.DPI)
        t3 = time.perf_counter()
        # diag parses page by page inside usage_frame_from_pages: its frame time includes JSON parsing
        return {"parse_s": 0.0, "frame_s": t2 - t1, "chart_s": t3 - t2, "total_s": t3 - t0, "rows": len(frame)}
    t1 = time.perf_counter()
    texts = pages.read_text().splitlines()
    rows = [r for t in texts for r in json.loads(t)["results"]]
    frame = pd.json_normalize(rows)
    t2 = time.perf_counter()
    return {"parse_s": 0.0, "frame_s": t2 - t1, "total_s": t2 - t0, "rows": len(frame)}


def measure(kind: str, pages: Path, out_png: Path) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, "--worker", kind, str(pages), str(out_png)],
                            stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} worker failed ({proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])


def run() -> dict:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pages = Path(tmp) / "pages.jsonl"
        make_pages(pages)
        d = measure("diag", pages, Path(tmp) / "chart.png")
        b = measure("baseline", pages, Path(tmp) / "unused.png")
        png_bytes = (Path(tmp) / "chart.png").stat().st_size
    result = {"name": "usage: 1,000,000 rows from JSON pages to tidy frame and stacked PNG",
              "rows": ROWS, "diag_total_s": round(d["total_s"], 2), "diag_frame_s": round(d["frame_s"], 2),
              "diag_chart_s": round(d["chart_s"], 2), "diag_rows_per_s": round(ROWS / d["total_s"]),
              "diag_peak_mb": d["peak_mb"], "png_bytes": png_bytes,
              "baseline": "pandas.json_normalize of the same pages (frame only)",
              "baseline_total_s": round(b["total_s"], 2), "baseline_frame_s": round(b["frame_s"], 2),
              "baseline_peak_mb": b["peak_mb"],
              "frame_ratio": round(d["frame_s"] / b["frame_s"], 2),
              "target": "diag total < 5 s and < 1024 MB"}
    result["met"] = result["diag_total_s"] < 5 and result["diag_peak_mb"] < 1024
    return result


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        import resource

        r = worker(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        r["peak_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(r))
        sys.exit(0)
    r = run()
    print(r["name"])
    print(f"  diag      total {r['diag_total_s']:.2f} s (parse + frame {r['diag_frame_s']:.2f} s, chart {r['diag_chart_s']:.2f} s)"
          f"  {r['diag_rows_per_s']:,} rows/s  peak {r['diag_peak_mb']} MB")
    print(f"  baseline  total {r['baseline_total_s']:.2f} s (parse + json_normalize {r['baseline_frame_s']:.2f} s)"
          f"  peak {r['baseline_peak_mb']} MB   ({r['baseline']})")
    print(f"  frame-building ratio diag/baseline {r['frame_ratio']}   target {r['target']}: "
          f"{'met' if r['met'] else 'NOT met'}")
    print(json.dumps(r))
