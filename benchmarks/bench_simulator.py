"""Simulator throughput: valid POST /api/v2/conversations/calls over one keep-alive connection on loopback.

Baseline, same run: a bare stdlib http.server handler that answers every request with a fixed 200 JSON body in
one write (the ceiling of the server stack the simulator is built on). Target: at least 1,000 calls/s.
The org's rate limit is raised for this run so that no 429 interrupts the measure.
"""
from __future__ import annotations

import http.client
import json
import socket
import statistics
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

N = 3000
BODY = json.dumps({"phoneNumber": "+13175550100"})


class Bare(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *a):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        payload = b'{"id":"x","selfUri":"/api/v2/conversations/calls/x"}'
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(payload)).encode() + b"\r\n\r\n" + payload)


def rate(host: str, port: int, token: str | None, n: int) -> float:
    conn = http.client.HTTPConnection(host, port)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    for _ in range(50):
        conn.request("POST", "/api/v2/conversations/calls", BODY, headers)
        conn.getresponse().read()
    t = time.perf_counter()
    for _ in range(n):
        conn.request("POST", "/api/v2/conversations/calls", BODY, headers)
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
    conn.close()
    return n / (time.perf_counter() - t)


def inprocess_rate(sim, n: int) -> float:
    """The same application called in-process (what diag.connect() uses): no socket, no HTTP parsing."""
    from diag.transport import Request

    transport = sim.transport()
    headers = {"Authorization": "Bearer " + sim.user_token(), "Content-Type": "application/json"}
    body = b'{"phoneNumber": "+13175550100"}'
    t = time.perf_counter()
    for _ in range(n):
        assert transport.send(Request("POST", "https://sim/api/v2/conversations/calls", headers, body)).status == 200
    return n / (time.perf_counter() - t)


def run(rounds: int = 3) -> dict:
    from diag.sim import Simulator

    bare = ThreadingHTTPServer(("127.0.0.1", 0), Bare)
    bare.daemon_threads = True
    threading.Thread(target=bare.serve_forever, daemon=True).start()
    with Simulator(overrides={"rate_limit": {"requests": 10**9, "window_seconds": 60}}) as sim:
        host, port = sim.base_url.rsplit("/", 1)[-1].split(":")
        sims = [rate(host, int(port), sim.user_token(), N) for _ in range(rounds)]
        inproc = [inprocess_rate(sim, N) for _ in range(rounds)]
    bares = [rate("127.0.0.1", bare.server_address[1], None, N) for _ in range(rounds)]
    bare.shutdown()
    result = {"name": "simulator: valid POST /api/v2/conversations/calls, one keep-alive connection",
              "requests": N, "rounds": rounds,
              "sim_rps": round(statistics.median(sims)), "baseline": "bare stdlib http.server, fixed 200 body",
              "baseline_rps": round(statistics.median(bares)), "target": ">= 1000 requests/s",
              "inprocess_rps": round(statistics.median(inproc))}
    result["ratio"] = round(result["sim_rps"] / result["baseline_rps"], 2)
    result["met"] = result["sim_rps"] >= 1000
    return result


if __name__ == "__main__":
    r = run()
    print(r["name"])
    print(f"  simulator  {r['sim_rps']:6d} req/s   (median of {r['rounds']} x {r['requests']})")
    print(f"  baseline   {r['baseline_rps']:6d} req/s   ({r['baseline']})")
    print(f"  in-process {r['inprocess_rps']:6d} req/s   (the same app through AppTransport, no socket)")
    print(f"  ratio {r['ratio']}   target {r['target']}: {'met' if r['met'] else 'NOT met'}")
    print(json.dumps(r))
