"""How many concurrent voice probes the collector's reflector serves with < 1 ms added jitter.

Starts a real collector on loopback, opens N reflector sessions over HTTPS (eight per
enrolled agent, the per-agent cap), and has a separate load process send G.711-like
traffic for N−1 of them (172-byte packets, 50 per second each, spread evenly over
every 20 ms). Meanwhile one real `ProbeStream` measures its own round trip, jitter and
loss. The added jitter at N is the probe's worse-direction RFC 3550 jitter minus the
jitter with the probe alone; a level counts as served only without loss and with
the 95th-percentile RTT under 5 ms (no standing queue in the reflector). Everything
shares this machine's cores, so the figure is a floor for a dedicated collector.

Run: `.venv/bin/python bench/reflector.py [N ...]`.
"""

from __future__ import annotations

import base64
import multiprocessing
import socket
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentprobe.voice import statistics, wire
from agentprobe.voice.probe import ProbeStream, ProbeTarget
from tests.rigs.collector import RunningCollector, start_collector

LEVELS = [1, 100, 200, 300, 400, 600]
SECONDS = 5.0
PACKET_BYTES = 172
SESSIONS_PER_AGENT = 8


def open_sessions(rig: RunningCollector, count: int) -> list[ProbeTarget]:
    targets: list[ProbeTarget] = []
    http = requests.Session()
    while len(targets) < count:
        token = rig.enroll(f"bench-{time.monotonic_ns()}")
        headers = {"Authorization": f"Bearer {token}"}
        for _ in range(min(SESSIONS_PER_AGENT, count - len(targets))):
            url = f"{rig.url}/api/v1/reflector/sessions"
            body = http.post(url, headers=headers, verify=str(rig.ca_file)).json()
            session, key = bytes.fromhex(body["session_id"]), base64.b64decode(body["key"])
            targets.append(ProbeTarget(rig.host, rig.port, session, key))
    return targets


def load(targets: list[tuple[str, int, bytes, bytes]], seconds: float) -> None:
    """Send every session's packet once per 20 ms, evenly spread; replies are not read."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    packets = [
        ((host, port), wire.request(key, session, 0, 0, PACKET_BYTES))
        for host, port, session, key in targets
    ]
    step = 0.020 / max(1, len(packets))
    start = time.perf_counter()
    sent = 0
    while time.perf_counter() - start < seconds:
        due = start + sent * step
        delay = due - time.perf_counter()
        if delay > 0.0005:
            time.sleep(delay)
        address, packet = packets[sent % len(packets)]
        sock.sendto(packet, address)
        sent += 1
    sock.close()


def measure(rig: RunningCollector, n: int) -> tuple[float, float, float, float]:
    """(worse-direction jitter, p95 RTT, loss %, load pps) of one probe among n."""
    targets = open_sessions(rig, n)
    probe, others = targets[0], [(t.host, t.port, t.session, t.key) for t in targets[1:]]
    loader = None
    if others:
        loader = multiprocessing.Process(target=load, args=(others, SECONDS + 1.5))
        loader.start()
        time.sleep(0.5)
    run = ProbeStream(probe, 0.02, PACKET_BYTES).run(count=int(SECONDS / 0.02))
    if loader is not None:
        loader.join(10)
    stats = statistics.stream_stats(run.sent, run.reflected, run.arrivals)
    jitter = max(stats.jitter_up_ms, stats.jitter_down_ms)
    return jitter, stats.rtt_p95_ms, stats.loss_pct, 50.0 * len(others)


def main() -> None:
    levels = [int(a) for a in sys.argv[1:]] or LEVELS
    with tempfile.TemporaryDirectory() as name:
        rig = start_collector(Path(name))
        try:
            baseline = None
            best = 0
            print(f"{'probes':>7} {'load pps':>9} {'jitter ms':>10} {'added ms':>9} "
                  f"{'p95 rtt ms':>11} {'loss %':>7}")  # fmt: skip
            for n in levels:
                jitter, p95, loss, pps = measure(rig, n)
                baseline = jitter if baseline is None else baseline
                added = jitter - baseline
                # served: < 1 ms added jitter, no loss, and no standing queue (p95 RTT)
                if added < 1.0 and loss < 1.0 and p95 < 5.0:
                    best = max(best, n)
                print(f"{n:>7} {pps:>9.0f} {jitter:>10.3f} {added:>9.3f} {p95:>11.3f} {loss:>7.2f}")
            print(f"reflector served {best} concurrent probes with < 1 ms added jitter")
        finally:
            rig.stop()


if __name__ == "__main__":
    main()
