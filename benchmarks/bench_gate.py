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

N = 800
CALLS = "/api/v2/conversations/calls"


class NoGate:
    """The baseline: a gate that checks nothing (and so never asks for a confirmation)."""

    def assess(self, request):
        from diag.client.gate import Assessment
        return Assessment("read")

    check = assess


def bodies(varied: bool, start: int = 0) -> list[dict]:
    """N call bodies; varied: a number never used before in this process (cold caches on both sides)."""
    return [{"phoneNumber": f"+1317{(start + i) % 10_000_000:07d}" if varied else "+13175550100",
             "callerId": "+13175550199", "attributes": {"ticket": "T-1"}} for i in range(N)]


def session(sim):
    from diag.client.connect import connect
    from diag.core.regions import Region

    s = connect("us_east_1", token=sim.user_token(), environ={}, dotenv=None,
                regions={"us_east_1": Region("us_east_1", sim.base_url, sim.base_url)})
    s.org()
    return s


def paired_times(s, work_gated: list[dict], work_plain: list[dict], block: int = 50):
    """Seconds for the same number of calls with the gate and without it, on ONE session (one connection to the
    server), switching the gate in and out every block, in ABBA order so that drift and order effects cancel."""
    from diag.client.gate import Confirmation
    from diag.core.exchange import ExchangeLog

    gated = (s.gate, s.transport)
    plain = (NoGate(), s.transport.inner)
    grants = [Confirmation.of(s.confirm_for("POST", CALLS, b)) for b in work_gated]
    s.gate._seen.clear()    # the yes was prepared beforehand; the send reads the bytes itself
    t_gated = t_plain = 0.0
    for n, i in enumerate(range(0, len(work_gated), block)):
        sides = [(plain, work_plain[i:i + block], [None] * block), (gated, work_gated[i:i + block],
                                                                     grants[i:i + block])]
        for (gate, transport), work, grant_block in (sides if n % 2 == 0 else sides[::-1]):
            s.gate, s.transport = gate, transport
            t = time.perf_counter()
            for body, grant in zip(work, grant_block):
                assert s.call(body, confirm=grant).status == 200
            elapsed = time.perf_counter() - t
            s.log = ExchangeLog()    # the log would otherwise grow through the run
            s._sent.clear()
            if gate is gated[0]:
                t_gated += elapsed
            else:
                t_plain += elapsed
    s.gate, s.transport = gated
    return t_gated, t_plain


def gate_alone_us(sim, work: list[dict]) -> float:
    from diag.transport import Request

    s = session(sim)
    reqs = [Request("POST", s.api_base + CALLS, {}, json.dumps(b).encode()) for b in work]
    t = time.perf_counter()
    for r in reqs:
        s.gate.assess(r)
    return (time.perf_counter() - t) / len(reqs) * 1e6


def run(rounds: int = 6) -> dict:
    from diag.sim import Simulator

    out = {}
    with Simulator(overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}}) as sim:
        s = session(sim)
        paired_times(s, bodies(False), bodies(False))          # warm-up
        fresh = 0
        for name, varied in (("same body", False), ("a new number each call", True)):
            ratios, rates_g, rates_p = [], [], []
            for _ in range(rounds):
                work_g, work_p = bodies(varied, fresh), bodies(varied, fresh + N)
                fresh += 2 * N
                tg, tp = paired_times(s, work_g, work_p)
                ratios.append(tg / tp)
                rates_g.append(N / tg)
                rates_p.append(N / tp)
            out[name] = {"gated_calls_per_s": round(statistics.median(rates_g)),
                         "ungated_calls_per_s": round(statistics.median(rates_p)),
                         "per_call_cost": round(statistics.median(ratios) - 1, 3)}
        out["gate_alone_us"] = round(gate_alone_us(sim, bodies(True, fresh)), 1)
    worst = max(v["per_call_cost"] for k, v in out.items() if isinstance(v, dict))
    return {"name": "safety gate cost per call (real-org policy, HTTP to the simulator)", "calls": N,
            "rounds": rounds, "workloads": out,
            "baseline": "the same Session and connection with the gate switched out, in alternating blocks",
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
