"""Any-endpoint check: time to load the contract for one operation and check a typical body, cold (a fresh
interpreter) and warm (cached), and the contract's size on disk. Targets: < 50 ms cold, < 1 ms warm.

Baseline, same run: building the same body as the SDK's ConversationAggregationQuery model and serialising it
(the SDK validates nothing), and for cold, `import PureCloudPlatformClientV2`.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import cold_seconds, sdk_home_env  # noqa: E402

OP = "POST /api/v2/analytics/conversations/aggregates/query"
BODY = {"interval": "2026-11-01T00:00:00Z/2026-11-08T00:00:00Z", "granularity": "P1D", "groupBy": ["queueId"],
        "metrics": ["nOutboundAttempted", "nOutboundConnected", "nError"],
        "filter": {"type": "and", "predicates": [{"type": "dimension", "dimension": "direction",
                                                  "operator": "matches", "value": "outbound"}]}}
COLD = ("import time, json; t = time.perf_counter(); from diag.core.doctor import check_for_operation; "
        f"check_for_operation({OP!r}, json.loads({json.dumps(json.dumps(BODY))})); print(time.perf_counter() - t)")


def cold(code: str, env: dict | None = None) -> float:
    return cold_seconds(code, cwd=ROOT, env=env)


def run() -> dict:
    from measure import import_sdk

    sdk = import_sdk()

    from diag.core.doctor import check_for_operation

    check_for_operation(OP, BODY)
    t = time.perf_counter()
    for _ in range(1000):
        check_for_operation(OP, BODY)
    warm_ms = (time.perf_counter() - t)

    def sdk_build():
        q = sdk.ConversationAggregationQuery()
        q.interval, q.granularity, q.group_by, q.metrics = BODY["interval"], "P1D", ["queueId"], BODY["metrics"]
        return json.dumps(q.to_dict())

    t = time.perf_counter()
    for _ in range(1000):
        sdk_build()
    sdk_ms = (time.perf_counter() - t)
    cold_ms = cold(COLD) * 1000
    sdk_import = cold("import time; t = time.perf_counter(); import PureCloudPlatformClientV2; "
                      "print(time.perf_counter() - t)", sdk_home_env()) * 1000
    contract = ROOT / "diag" / "_data" / "contract"
    size = sum(p.stat().st_size for p in contract.glob("*"))
    return {"name": "any-endpoint check (aggregates query body)", "cold_ms": round(cold_ms, 1),
            "warm_ms": round(warm_ms, 3), "baseline": "SDK model build + serialise (warm); import SDK (cold)",
            "sdk_warm_ms": round(sdk_ms, 3), "sdk_import_ms": round(sdk_import), "contract_bytes": size,
            "ratio_warm": round(warm_ms / sdk_ms, 1), "target": "< 50 ms cold, < 1 ms warm",
            "met": cold_ms < 50 and warm_ms < 1}


if __name__ == "__main__":
    r = run()
    print(f"{r['name']}: cold {r['cold_ms']} ms, warm {r['warm_ms']} ms; SDK build+serialise {r['sdk_warm_ms']} ms, "
          f"import SDK {r['sdk_import_ms']} ms; contract on disk {r['contract_bytes']:,} bytes; target {r['target']}: "
          f"{'met' if r['met'] else 'NOT met'}")
    print(json.dumps(r))
