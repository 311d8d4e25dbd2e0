"""Calls per second through a diag Session (full exchange logging, doctor findings, redaction) against the
official SDK's ConversationsApi.post_conversations_calls (which logs and checks nothing), both against the
simulator in the same run; and a paced batch's share of the org's limit.

Targets: diag >= 500 calls/s; diag's per-call time within 1.2x of the SDK's (logging and autosave on); a paced batch reaches >= 95 % of
the limit with no 429.
"""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

N = 1000
BODY = {"phoneNumber": "+13175550100"}


_blocks = iter(range(200, 1000))   # exchanges 200-999 of area code 317: valid numbers, each block used once


def numbers(varied: bool) -> list[str]:
    """The same number every call (a batch), or a new one each call, never used before in this process (every
    body and every number read afresh, by diag, the SDK and the simulator alike: their caches hold none of them)."""
    if not varied:
        return [BODY["phoneNumber"]] * N
    block = next(_blocks)
    return [f"+1317{block}{i:04d}" for i in range(N)]


def diag_rate(sim, varied: bool = False) -> float:
    from diag.client.connect import connect

    s = connect(sim_url=sim.base_url)    # over HTTP, as the SDK is: the same wire on both sides
    for _ in range(50):
        s.call(BODY)
    bodies = [{"phoneNumber": n} for n in numbers(varied)]
    t = time.perf_counter()
    for body in bodies:
        assert s.call(body).status == 200
    return N / (time.perf_counter() - t)


def sdk_rate(sim, varied: bool = False) -> float:
    from measure import import_sdk

    sdk = import_sdk()

    client = sdk.api_client.ApiClient()
    client.host = sim.base_url
    client.access_token = sim.user_token()
    api = sdk.ConversationsApi(client)
    req = sdk.CreateCallRequest()
    req.phone_number = BODY["phoneNumber"]
    for _ in range(50):
        api.post_conversations_calls(req)
    wanted = numbers(varied)
    t = time.perf_counter()
    for n in wanted:
        req = sdk.CreateCallRequest()
        req.phone_number = n
        api.post_conversations_calls(req)
    return N / (time.perf_counter() - t)


def paced_share(limit: int = 100, window: float = 5.0, calls: int = 300) -> dict:
    from diag.client.pacing import run_batch
    from diag.client.connect import connect
    from diag.sim import Simulator

    with Simulator(overrides={"rate_limit": {"requests": limit, "window_seconds": window}}) as sim:
        s = connect(simulator=sim)
        result = run_batch(s, BODY, count=calls, limit=limit, window_seconds=window, progress=False)
        got_429 = sum(1 for e in result.exchanges if e.status == 429)
    rate = len(result.final_exchanges()) / result.elapsed_s
    return {"limit": f"{limit} per {window:g} s", "calls": calls, "achieved_share": round(rate / (limit / window), 3),
            "429s": got_429}


def run(rounds: int = 3) -> dict:
    from diag.sim import Simulator

    with Simulator(overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}}) as sim:
        diag_rates, sdk_rates, diag_varied, sdk_varied = [], [], [], []
        for _ in range(rounds):
            diag_rates.append(diag_rate(sim))
            sdk_rates.append(sdk_rate(sim))
            diag_varied.append(diag_rate(sim, varied=True))
            sdk_varied.append(sdk_rate(sim, varied=True))
    d, k = statistics.median(diag_rates), statistics.median(sdk_rates)
    dv, kv = statistics.median(diag_varied), statistics.median(sdk_varied)
    paced = paced_share()
    return {"name": "calls through a diag Session vs the official SDK, against the simulator",
            "calls": N, "rounds": rounds, "diag_calls_per_s": round(d), "sdk_calls_per_s": round(k),
            "baseline": "PureCloudPlatformClientV2 ConversationsApi.post_conversations_calls",
            "per_call_ratio": round(k / d, 2), "paced_batch": paced,
            "varied_diag_calls_per_s": round(dv), "varied_sdk_calls_per_s": round(kv),
            "varied_per_call_ratio": round(kv / dv, 2),
            "target": "diag >= 500/s; per-call <= 1.2x SDK (same body and a new number each call); paced >= 95% of limit, no 429",
            "met": d >= 500 and k / d <= 1.2 and kv / dv <= 1.2 and paced["achieved_share"] >= 0.95 and paced["429s"] == 0}


if __name__ == "__main__":
    r = run()
    print(r["name"])
    print(f"  diag session  {r['diag_calls_per_s']:5d} calls/s   (full logging, doctor, redaction)")
    print(f"  official SDK  {r['sdk_calls_per_s']:5d} calls/s")
    print(f"  per-call time ratio diag/SDK {r['per_call_ratio']} (same body); {r['varied_per_call_ratio']} (a new "
          f"number each call: {r['varied_diag_calls_per_s']} vs {r['varied_sdk_calls_per_s']} calls/s)")
    p = r["paced_batch"]
    print(f"  paced batch: {p['achieved_share']:.1%} of {p['limit']} over {p['calls']} calls, {p['429s']} x 429")
    print(f"  target {r['target']}: {'met' if r['met'] else 'NOT met'}")
    print(json.dumps(r))
