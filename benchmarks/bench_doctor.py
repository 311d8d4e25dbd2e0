"""Doctor time per body (p50, p99) over a few thousand varied bodies.

Baseline, same run: building and serialising the same body with the official SDK's CreateCallRequest model
(which validates nothing; the ratio is context, not a race). Target: p99 under 1 ms.
"""
from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

N_BODIES = 3000


def varied_bodies(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    def num():
        return "+1317555" + f"{rng.randrange(10000):04d}"
    shapes = [
        lambda: {"phoneNumber": num()},
        lambda: {"phoneNumber": num(), "callFromQueueId": "q-1", "callerId": num(), "callerIdName": "Acme"},
        lambda: {"callQueueId": "q-1", "priority": rng.randrange(10), "routingSkillsIds": ["s-1", "s-2"]},
        lambda: {"participants": [{"address": num()}, {"userId": "u-1"}]},
        lambda: {"to": {"phoneNumber": num()}, "from": {"phoneNumber": num()}, "type": "external"},
        lambda: {"participants": [{"to": num(), "from": num(), "type": "external"}]},
        lambda: {"phoneNumber": "tel:" + num(), "attributes": {"case": rng.randrange(999)}},
        lambda: {"phoneNumber": num(), "callUserId": "u-1", "priority": "high"},
        lambda: {"to": [num()], "queueId": "q-2", "metadata": {"a": "b"}},
        lambda: {"phoneNumber": rng.choice(["911", "112", "000", "999"])},
    ]
    return [rng.choice(shapes)() for _ in range(n)]


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def time_each(fn, items) -> list[float]:
    out = []
    for item in items:
        t = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - t) * 1e6)
    return out


def run() -> dict:
    from measure import import_sdk

    sdk = import_sdk()

    from diag.core.contract import model_fields
    from diag.core.doctor import check

    bodies = varied_bodies(N_BODIES)
    snake = {wire: "".join("_" + c.lower() if c.isupper() else c for c in wire)
             for wire in model_fields("CreateCallRequest")}

    def sdk_build(body: dict) -> str:
        req = sdk.CreateCallRequest()
        for k, v in body.items():
            if k in snake:
                if k == "participants":
                    v = [sdk.Destination() for _ in v]
                setattr(req, snake[k], v) if k != "priority" or isinstance(v, int) else None
        return json.dumps(req.to_dict())

    for b in bodies[:200]:  # warm-up: caches, metadata loading
        check(b)
        sdk_build(b)
    diag_us = time_each(check, bodies)
    sdk_us = time_each(sdk_build, bodies)
    result = {
        "name": "doctor: check one CreateCallRequest body",
        "bodies": len(bodies),
        "diag_p50_us": round(percentile(diag_us, 50), 1), "diag_p99_us": round(percentile(diag_us, 99), 1),
        "baseline": "official SDK: build + serialise CreateCallRequest",
        "sdk_p50_us": round(percentile(sdk_us, 50), 1), "sdk_p99_us": round(percentile(sdk_us, 99), 1),
    }
    result["ratio_p50"] = round(result["diag_p50_us"] / result["sdk_p50_us"], 1)
    result["target"] = "diag p99 < 1000 us"
    result["met"] = result["diag_p99_us"] < 1000
    return result


if __name__ == "__main__":
    r = run()
    print(f"{r['name']} over {r['bodies']} varied bodies")
    print(f"  diag   p50 {r['diag_p50_us']:8.1f} us   p99 {r['diag_p99_us']:8.1f} us")
    print(f"  SDK    p50 {r['sdk_p50_us']:8.1f} us   p99 {r['sdk_p99_us']:8.1f} us   ({r['baseline']})")
    print(f"  ratio (p50) {r['ratio_p50']}x   target {r['target']}: {'met' if r['met'] else 'NOT met'}")
    print(json.dumps(r))
