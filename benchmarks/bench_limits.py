"""`diag limits` on the 10,000-entry HAR of bench_inspect (~90 MB): read and redacted by the one evidence reader,
counted per caller and per minute, every 429 placed (target < 1 s for the analysis). Baseline, same run: json.load
of the same file, in its own process like diag's."""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_inspect import N, make_har, timed  # noqa: E402

DIAG = ("from diag.core.evidence import read_evidence\nfrom diag.core.limits import limits_of\n"
        "text = open(sys.argv[1]).read()\nt = time.perf_counter()\nreport = limits_of(read_evidence(text))\n"
        "assert report.requests > 0")


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        har = Path(tmp) / "big.har"
        size = make_har(har)
        diag_s, diag_mb = timed(DIAG, har)
        base_s, base_mb = timed("import json\njson.load(open(sys.argv[1]))", har)
    return {"name": "diag limits: HAR of 10,000 entries -> requests per minute per caller, 429s placed",
            "entries": N, "bytes": size, "diag_s": round(diag_s, 2), "diag_peak_mb": round(diag_mb),
            "baseline": "json.load of the file", "baseline_s": round(base_s, 2), "ratio": round(diag_s / base_s, 1),
            "target": "< 1 s", "met": diag_s < 1}


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
