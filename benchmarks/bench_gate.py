"""What the safety gate costs per call: calls per second on a REAL-org session (the strict policy, a confirmation
covering each body) with the gate, next to the same Session with the gate taken out, in the same run, against the
simulator over HTTP (loopback: the cheapest network a real org can be behind).

Two workloads: the same body every call (a batch), and a different number every call (nothing cached).
Target: the gate costs <= 10 % per call.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N = 600
CALLS = "/api/v2/conversations/calls"


class NoGate:
    """The baseline: a gate that checks nothing (and so never asks for a confirmation)."""

    def assess(self, request):
        from diag.gate import Assessment
        return Assessment("read")

    check = assess


def bodies(varied: bool) -> list[dict]:
    return [{"phoneNumber": f"+1317555{i % 10000:04d}" if varied else "+13175550100",
             "callerId": "+13175550199", "attributes": {"ticket": "T-1"}} for i in range(N)]


def session(sim, gated: bool):
    from diag.regions import Region
    from diag.session import connect

    s = connect("us_east_1", token=sim.user_token(), environ={}, dotenv=None,
                regions={"us_east_1": Region("us_east_1", sim.base_url, sim.base_url)})
    s.org()
    if not gated:
        s.gate = NoGate()
        s.transport = s.transport.inner
    return s


def rate(s, work: list[dict], gated: bool) -> float:
    from diag.gate import Confirmation

    grants = [Confirmation.of(s.confirm_for("POST", CALLS, b)) if gated else None for b in work]
    t = time.perf_counter()
    for body, grant in zip(work, grants):
        assert s.call(body, confirm=grant).status == 200
    return len(work) / (time.perf_counter() - t)


def gate_alone_us(sim, work: list[dict]) -> float:
    from diag.transport import Request

    s = session(sim, True)
    reqs = [Request("POST", s.api_base + CALLS, {}, json.dumps(b).encode()) for b in work]
    t = time.perf_counter()
    for r in reqs:
        s.gate.assess(r)
    return (time.perf_counter() - t) / len(reqs) * 1e6


def run(rounds: int = 5) -> dict:
    from diag.sim import Simulator

    out = {}
    with Simulator(overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}}) as sim:
        for name, varied in (("same body", False), ("a new number each call", True)):
            work = bodies(varied)
            with_gate, without = [], []
            for _ in range(rounds):        # interleaved, so that drift hits both alike
                without.append(rate(session(sim, False), work, False))
                with_gate.append(rate(session(sim, True), work, True))
            g, b = statistics.median(with_gate), statistics.median(without)
            out[name] = {"gated_calls_per_s": round(g), "ungated_calls_per_s": round(b),
                         "per_call_cost": round(b / g - 1, 3)}
        out["gate_alone_us"] = round(gate_alone_us(sim, bodies(True)), 1)
    worst = max(v["per_call_cost"] for k, v in out.items() if isinstance(v, dict))
    return {"name": "safety gate cost per call (real-org policy, HTTP to the simulator)", "calls": N,
            "rounds": rounds, "workloads": out, "baseline": "the same Session with the gate taken out",
            "worst_cost": worst, "target": "gate costs <= 10 % per call", "met": worst <= 0.10}


if __name__ == "__main__":
    r = run()
    print(r["name"])
    for name, v in r["workloads"].items():
        if isinstance(v, dict):
            print(f"  {name:<24} with gate {v['gated_calls_per_s']:5d}/s  without {v['ungated_calls_per_s']:5d}/s"
                  f"  cost {v['per_call_cost']:+.1%}")
    print(f"  gate.assess alone: {r['workloads']['gate_alone_us']} us per request")
    print(f"  target {r['target']}: {'met' if r['met'] else 'NOT met'}")
    print(json.dumps(r))
