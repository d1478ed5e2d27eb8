"""What passive call capture costs: CPU per live call, packets per core, kernel drops.

Makes a namespace joined by veth, gives this side one address per stream, and runs
`agentprobe calls watch --json` inside the namespace as a real process (its own packet
socket, kernel filter and tracker). A separate process here sends N concurrent G.711-like
RTP streams into it, 50 packets per second each, spread evenly over every 20 ms, each
from its own address (so each is its own call). The watch's CPU time (utime + stime from
/proc) over the steady middle of the run gives % of one core per live call and packets
handled per CPU-second; the watch reports the kernel's drops (PACKET_STATISTICS) when it
stops. Goal: at most 1 % of a core per call and no drop at 20 streams. Everything shares
this machine's cores, so figures are a ceiling for an idle agent PC.

Run as root: `.venv/bin/python bench/capture.py [N ...]` (default 20).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import re
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.calls import capturerig
from tests.rigs import media, netns

SECONDS = 10.0
WARMUP_S, MEASURE_S = 1.5, 7.0
PORT = 40000


def send(sources: list[str], target: tuple[str, int], seconds: float) -> None:
    """Every stream's packets on one 20 ms schedule, stream i offset by i/N of the period."""
    sockets = []
    for address in sources:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((address, 0))
        sockets.append(sock)
    rng, start, count = random.Random(1), time.perf_counter(), int(seconds * 50)
    for index in range(count):
        for i, sock in enumerate(sockets):
            due = start + index * 0.020 + i * 0.020 / len(sockets)
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sock.sendto(media.rtp_packet(media.G711, index, 0x1000 + i, rng, False), target)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def addresses(link: netns.ShapedLink, count: int) -> list[str]:
    subnet = link.host_ip.split(".")[2]
    found = [f"10.215.{subnet}.{10 + i}" for i in range(count)]
    for address in found:
        netns.sh("ip", "addr", "add", f"{address}/32", "dev", link.host_if)
    netns.sh("ip", "route", "add", f"10.215.{subnet}.0/24", "dev", link.ns_if, netns=link.netns)
    return found


def level(streams: int) -> dict[str, float]:
    with netns.shaped_namespace() as link, tempfile.TemporaryDirectory() as scratch:
        sources = addresses(link, streams)
        sink = capturerig.rig(link.netns, "sink", "--bind", f"{link.ns_ip}:{PORT}",
                              "--seconds", str(SECONDS + 10))  # fmt: skip
        try:
            with capturerig.watching(link.netns, SECONDS + 3, Path(scratch)) as watch:
                capturerig.capture_ready(watch.pid, sockets=1)
                sender = multiprocessing.Process(
                    target=send, args=(sources, (link.ns_ip, PORT), SECONDS)
                )
                sender.start()
                time.sleep(WARMUP_S)
                cpu0, wall0 = cpu_seconds(watch.pid), time.monotonic()
                time.sleep(MEASURE_S)
                cpu1, wall1 = cpu_seconds(watch.pid), time.monotonic()
                sender.join(SECONDS + 10)
                out, err = watch.communicate(timeout=60)
        finally:
            capturerig.stop(sink)
    return summarise(streams, (cpu1 - cpu0) / (wall1 - wall0), out, err)


def summarise(streams: int, busy: float, out: str, err: str) -> dict[str, float]:
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    drops = re.search(r"(\d+) dropped by the kernel", err)
    captured = re.search(r"(\d+) datagram\(s\) captured", err)
    packets_per_s = int(captured.group(1)) / SECONDS if captured else 0.0
    return {
        "streams": streams,
        "calls_reported": len(records),
        "cpu_pct_of_one_core": round(100 * busy, 2),
        "cpu_pct_per_call": round(100 * busy / streams, 3),
        "packets_per_s": round(packets_per_s),
        "packets_per_cpu_s": round(packets_per_s / busy) if busy > 0 else float("inf"),
        "kernel_drops": int(drops.group(1)) if drops else -1,
        "max_rx_loss_pct": max((r["metrics"].get("rx_loss_pct", 0.0) for r in records), default=0),
    }


def main() -> None:
    if reason := netns.available():
        sys.exit(f"bench/capture.py {reason}")
    for streams in [int(arg) for arg in sys.argv[1:]] or [20]:
        print(json.dumps(level(streams)), flush=True)


if __name__ == "__main__":
    main()
