"""Bandwidth accuracy: our figures beside iperf3 and speedtest-cli's stock engine.

Builds a namespace behind a tbf-shaped veth pair for each link profile, runs the real
collector inside it, and measures the same link three ways:

- iperf3 (Debian package), TCP, 4 streams, 6 s each way, the reference;
- the bandwidth check (`--full`), speedtest-cli's engine through our metered opener;
- speedtest-cli's stock download()/upload() and stock result (bytes over total time).

Run as root: `.venv/bin/python bench/bandwidth_accuracy.py`. Prints one table.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from agentprobe.bandwidth.engine import CollectorSpeedtest
from agentprobe.bandwidth.metering import Meter, StopSignal
from agentprobe.checks.bandwidth import BandwidthCheck, BandwidthConfig
from tests.checks.conftest import ShapedCollector
from tests.rigs import netns
from tests.rigs.collector import start_collector

PROFILES = [(20_000, 2_000), (2_000, 20_000), (8_000, 8_000)]  # (down, up) kbit/s
QUEUE_MS = 100
SECONDS = 6


def iperf3(link: netns.ShapedLink, reverse: bool) -> float:
    """kbps received, 4 parallel TCP streams (reverse = the namespace sends = download)."""
    port = "5299"
    server = subprocess.Popen(
        ["ip", "netns", "exec", link.netns, "iperf3", "-s", "-1", "-p", port, "-B", link.ns_ip],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        args = ["iperf3", "-c", link.ns_ip, "-p", port, "-t", str(SECONDS), "-P", "4", "-J"]
        for _ in range(20):  # the server needs a moment to listen
            time.sleep(0.3)
            done = subprocess.run(
                [*args, *(["-R"] if reverse else [])], capture_output=True, text=True
            )
            report = json.loads(done.stdout or "{}")
            if done.returncode == 0 and "sum_received" in report.get("end", {}):
                return float(report["end"]["sum_received"]["bits_per_second"]) / 1000
        raise RuntimeError(done.stdout + done.stderr)
    finally:
        server.kill()
        server.wait(10)


class StockOpenerSpeedtest(CollectorSpeedtest):
    """Our local config, but speedtest-cli's own opener and result arithmetic."""

    def __init__(self, url: str, ca_file: str, token: str) -> None:
        os.environ["SSL_CERT_FILE"] = ca_file  # the stock opener's default context reads it
        super().__init__(url, Meter(), StopSignal(), max_seconds=SECONDS)
        from agentprobe.bandwidth.speedtest_cli import speedtest

        self._opener = speedtest.build_opener(None, 10)
        self._opener.addheaders.append(("Authorization", f"Bearer {token}"))


def ours(shaped: ShapedCollector, tmp: Path) -> tuple[float, float]:
    agent, env = shaped.configured(tmp, full=True, bandwidth={"max_seconds": SECONDS})
    section = agent.check("bandwidth")
    assert isinstance(section, BandwidthConfig)
    result = BandwidthCheck.create(section, env).run()
    return float(result.metrics["download_kbps"] or 0), float(result.metrics["upload_kbps"] or 0)


def stock(shaped: ShapedCollector) -> tuple[float, float]:
    engine = StockOpenerSpeedtest(shaped.collector.url, str(shaped.collector.ca_file), shaped.token)
    return engine.download() / 1000, engine.upload() / 1000


def main() -> None:
    if netns.available():
        sys.exit(f"bench: {netns.available()}")
    print(
        f"{'shaped down/up kbit':>20} | {'iperf3':>17} | {'agentprobe':>17} | {'speedtest-cli':>17}"
    )
    for down, up in PROFILES:
        with tempfile.TemporaryDirectory() as name, netns.shaped_namespace() as link:
            tmp = Path(name)
            link.shape(down, up, QUEUE_MS)
            collector = start_collector(tmp, host=link.ns_ip, netns=link.netns)
            try:
                (tmp / "agent").mkdir()
                shaped = ShapedCollector(link, collector, collector.enroll("bench"), tmp / "agent")
                ref = (iperf3(link, reverse=True), iperf3(link, reverse=False))
                mine, theirs = ours(shaped, tmp), stock(shaped)
            finally:
                collector.stop()
        cells = [f"{d:7.0f}/{u:7.0f}" for d, u in (ref, mine, theirs)]
        print(f"{down:>9}/{up:<10} | " + " | ".join(cells))
        err = [100 * (m / r - 1) for m, r in zip(mine, ref, strict=True)]
        print(f"{'':>20}   agentprobe vs iperf3: down {err[0]:+.1f} %, up {err[1]:+.1f} %")


if __name__ == "__main__":
    main()
