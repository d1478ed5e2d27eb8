"""Call tracker cost: datagrams per second through `CallTracker.feed`, and memory.

Feeds a synthetic two-way G.711 call (20 ms packets, 1 % loss, some reordering) of
`--minutes` (default 120) plus a stream of DNS-like junk, then prints the feed rate
and the tracker's traced memory while the call is live and after it has ended. The
memory figure must not grow with the call's length (compare `--minutes 10`).

Run: `.venv/bin/python bench/call_tracker.py [--minutes N]`.
"""

from __future__ import annotations

import argparse
import random
import struct
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agentprobe.calls.tracker import CallTracker, Datagram

LOCAL, REMOTE, DNS = ("10.0.0.2", 40000), ("203.0.113.7", 50000), ("203.0.113.53", 53)
T0 = 1_764_620_000.0


def datagrams(minutes: float, seed: int = 1) -> list[Datagram]:
    rng, out = random.Random(seed), []
    payload = b"\xd5" * 160
    for i in range(int(minutes * 60 * 50)):
        at = T0 + 0.02 * i
        header = struct.pack("!BBHII", 0x80, 0, i % 65536, 160 * i % (1 << 32), 0xAAAA)
        out.append(Datagram(at, LOCAL, REMOTE, header + payload, 172))
        if rng.random() >= 0.01:
            seq = i + 1 if i % 100 == 0 else i - 1 if i % 100 == 1 else i
            header = struct.pack("!BBHII", 0x80, 0, seq % 65536, 160 * seq % (1 << 32), 0xBBBB)
            jitter = rng.uniform(0, 0.01)
            out.append(Datagram(at + 0.03 + jitter, REMOTE, LOCAL, header + payload, 172))
        if i % 10 == 0:
            junk = bytes([rng.randrange(128, 192)]) + rng.randbytes(60)
            out.append(Datagram(at, DNS, LOCAL, junk, len(junk)))
    return out


def run(feed: list[Datagram]) -> tuple[float, CallTracker]:
    tracker = CallTracker(lambda ip: ip.startswith("10."), lambda s: "x")
    started = time.perf_counter()
    for datagram in feed:
        tracker.feed(datagram)
    return time.perf_counter() - started, tracker


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=120.0)
    args = parser.parse_args()
    feed = datagrams(args.minutes)
    elapsed, tracker = run(feed)  # timed without tracemalloc, which slows Python down
    [record] = tracker.finish()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    _, traced = run(feed)
    live = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    each_us = 1e6 * elapsed / len(feed)
    print(f"call: {args.minutes:g} min, {len(feed)} datagrams fed in {elapsed:.2f} s")
    print(f"feed rate: {len(feed) / elapsed:,.0f} datagrams/s ({each_us:.1f} µs each)")
    print(f"tracker memory while live: {live / 1024:.1f} KiB ({traced.live_calls()} call)")
    metrics = record.metrics
    print(
        f"record: rx_loss_pct={metrics['rx_loss_pct']} rx_reordered={metrics['rx_reordered']} "
        f"rx_jitter_ms={metrics['rx_jitter_ms']} mos={metrics['mos']}"
    )


if __name__ == "__main__":
    main()
