"""Cold import time: `import diag` (target < 0.3 s) and the first check (the doctor's libraries loaded), against
`import PureCloudPlatformClientV2`, each in a fresh interpreter; medians of several runs after a warm-up."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import cold_seconds, sdk_home_env  # noqa: E402

SNIPPETS = {
    "import diag": "import diag",
    "import diag + first check": "import diag; diag.check({'phoneNumber': '+13175550100'})",
    "import diag + first wrong-typed body": "import diag; diag.check({'phoneNumber': '+13175550100', 'priority': 'x'})",
    "import PureCloudPlatformClientV2": "import PureCloudPlatformClientV2",
}


def cold(snippet: str, env: dict | None = None) -> float:
    return cold_seconds("import time; t = time.perf_counter(); " + snippet + "; print(time.perf_counter() - t)",
                        env=env)


def run() -> dict:
    sdk_env = sdk_home_env()
    t = {name: cold(snippet, sdk_env if "PureCloud" in snippet else None) for name, snippet in SNIPPETS.items()}
    sdk = t["import PureCloudPlatformClientV2"]
    return {"name": "cold import", "import_diag_s": round(t["import diag"], 3),
            "import_diag_and_check_s": round(t["import diag + first check"], 3),
            "import_diag_and_wrong_type_s": round(t["import diag + first wrong-typed body"], 3),
            "baseline": "import PureCloudPlatformClientV2", "baseline_s": round(sdk, 3),
            "ratio": round(t["import diag"] / sdk, 3), "target": "import diag < 0.3 s",
            "met": t["import diag"] < 0.3 and t["import diag + first check"] < 0.3
            and t["import diag + first wrong-typed body"] < 0.05 + t["import diag + first check"]}


if __name__ == "__main__":
    r = run()
    print(f"cold import diag {r['import_diag_s']:.3f} s; with the first check {r['import_diag_and_check_s']:.3f} s; "
          f"import PureCloudPlatformClientV2 {r['baseline_s']:.3f} s; ratio {r['ratio']}; target {r['target']}: "
          f"{'met' if r['met'] else 'NOT met'}")
    print(json.dumps(r))
