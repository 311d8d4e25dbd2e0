"""`diag conversation` on the simulator: Genesys' side of one ended call (7 requests). Baseline, same run: the sum
of those requests' own times as the session recorded them (duration_ms of each exchange), which is what the
requests cost by themselves; the target is the whole within 2x of it."""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROUNDS = 30


def run() -> dict:
    from diag.client.connect import connect
    from diag.client.genesys_side import genesys_side
    from diag.sim import Simulator

    with Simulator(seed=8, overrides={"call_timeline_seconds": 0.05}) as sim:
        s = connect(sim_url=sim.base_url)   # over HTTP, as a real org is reached
        cid = s.call({"phoneNumber": "+13175550101"}).response_body["id"]
        s.follow_call(cid, timeout=5, interval=0.05)
        genesys_side(s, cid)   # warm
        whole, own = [], []
        for _ in range(ROUNDS):
            before = len(s.log)
            t = time.perf_counter()
            genesys_side(s, cid)
            whole.append((time.perf_counter() - t) * 1000)
            own.append(sum(e.duration_ms or 0 for e in list(s.log)[before:]))
    w, o = statistics.median(whole), statistics.median(own)
    return {"name": "diag conversation (Genesys' side of one call) on the simulator over HTTP", "rounds": ROUNDS,
            "diag_ms": round(w, 1), "baseline": "sum of its requests' own times (duration_ms)",
            "baseline_ms": round(o, 1), "ratio": round(w / o, 2), "target": "<= 2x", "met": w <= 2 * o}


if __name__ == "__main__":
    print(json.dumps(run(), indent=1))
