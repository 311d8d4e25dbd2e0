"""Run every benchmark in this folder and write benchmarks/results/report.{md,json} with machine facts."""
from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
BENCHES = ["bench_doctor", "bench_simulator", "bench_calls", "bench_usage_frame", "bench_bundle"]


def main() -> int:
    results = []
    for name in BENCHES:
        print(f"running {name} ...", flush=True)
        results.append(importlib.import_module(name).run())
    report = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
              "machine": {"python": platform.python_version(), "platform": platform.platform(),
                          "cpus": os.cpu_count()},
              "results": results}
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [f"# diag benchmarks ({report['date']}, Python {report['machine']['python']}, "
             f"{report['machine']['cpus']} CPUs)", ""]
    for r in results:
        lines.append(f"## {r['name']}")
        lines += [f"- {k}: {v}" for k, v in r.items() if k != "name"]
        lines.append("")
    (out / "report.md").write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
