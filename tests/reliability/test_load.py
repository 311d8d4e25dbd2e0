"""The batch runner over 2,000 calls with a low limit: no 429 reaches the user unhandled, totals add up."""
from diag.client.pacing import run_batch
from diag.client.connect import connect
from diag.sim import Simulator


def test_two_thousand_calls_under_a_low_limit():
    with Simulator(overrides={"rate_limit": {"requests": 250, "window_seconds": 1}}) as sim:
        s = connect(simulator=sim)
        bodies = [{"phoneNumber": f"+1317555{i % 10000:04d}"} for i in range(2000)]
        result = run_batch(s, bodies, window_seconds=1, progress=False)   # the pace is learned from the headers
        finals = result.final_exchanges()
        assert len(finals) == 2000 and all(e.status == 200 for e in finals)
        assert result.summary()["calls"].sum() == 2000
        assert sim.calls_placed == 2000
        assert result.limit == (250, 1)
        retried = sum(1 for e in result.exchanges if e.status == 429)
        assert retried <= 5   # pacing keeps 429s rare, and every one was waited out and sent again
