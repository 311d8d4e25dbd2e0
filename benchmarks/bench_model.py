"""The server model's prediction for any operation and caller (diag.core.model.answer), warm: p50 and p99 over
requests spread across the contract's operations (valid bodies, misnamed keys, wrong types, enum values, personas).

Baseline, same run: json.loads of the same body's text (the least any reader of the request does). Target: p99
under 1 ms.
"""
from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N = 3000


def requests(n: int, seed: int = 11) -> list[tuple]:
    from diag.core import contract, model
    from diag.core.endpoints import all_operations

    rng = random.Random(seed)
    ops = [op for op in all_operations() if op.body and contract.model(op.body)][::7]
    callers = [model.DEMO, model.Caller("user", frozenset({"conversation:conference:add"}), False, "sam"),
               model.Caller("client", frozenset(), None, "client")]
    out = []
    for _ in range(n):
        op = rng.choice(ops)
        fields = list(contract.model(op.body)["fields"].items())
        body = {}
        for name, f in rng.sample(fields, min(len(fields), rng.randrange(1, 5))):
            body[name] = rng.choice([(f.get("e") or ["x"])[0], "text", 5, [], {"a": 1}, True])
        if rng.random() < 0.2:
            body[rng.choice(["Name", "unknownKey", "group_by"])] = "x"
        path = op.path.replace("{", "x").replace("}", "")
        out.append((model.Request(op.method, path, body), rng.choice(callers), json.dumps(body)))
    return out


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def run() -> dict:
    from diag.core import model

    work = requests(N)
    for request, caller, _ in work[:300]:   # warm: operations matched, models and facts read once
        model.answer(request, caller)
    diag_us, base_us = [], []
    for request, caller, text in work:
        t = time.perf_counter()
        model.answer(request, caller)
        diag_us.append((time.perf_counter() - t) * 1e6)
        t = time.perf_counter()
        json.loads(text)
        base_us.append((time.perf_counter() - t) * 1e6)
    result = {"name": "server model: predict any operation for a caller (warm)", "requests": N,
              "diag_p50_us": round(percentile(diag_us, 50), 1), "diag_p99_us": round(percentile(diag_us, 99), 1),
              "baseline": "json.loads of the same body",
              "base_p50_us": round(percentile(base_us, 50), 1), "base_p99_us": round(percentile(base_us, 99), 1),
              "target": "p99 < 1000 us"}
    result["ratio_p50"] = round(result["diag_p50_us"] / max(result["base_p50_us"], 0.1), 1)
    result["met"] = result["diag_p99_us"] < 1000
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
