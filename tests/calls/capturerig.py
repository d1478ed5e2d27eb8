"""Running `agentprobe calls watch`, dumpcap and coturn inside test namespaces.

Each of these starts exactly one process and stops that process (by PID) on exit.
`capture_ready` waits, bounded, until the namespace holds the expected number of packet
sockets (/proc/PID/net/packet lists them), so no stream starts before capture does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.rigs import netns

ROOT = Path(__file__).resolve().parents[2]
AGENTPROBE = ROOT / ".venv" / "bin" / "agentprobe"


def stop(process: subprocess.Popen[Any]) -> None:
    """Stop this one process (by its PID) and close its pipes."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def capture_ready(pid: int, sockets: int, timeout_s: float = 15.0) -> None:
    """Wait until `pid`'s namespace has `sockets` packet sockets bound to a protocol."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            rows = Path(f"/proc/{pid}/net/packet").read_text().splitlines()[1:]
            if sum(1 for row in rows if row.split()[3] != "0000") >= sockets:
                return
        time.sleep(0.05)
    raise AssertionError(f"capture did not start within {timeout_s} s")


def write_config(directory: Path) -> Path:
    (directory / "data").mkdir(exist_ok=True)
    config = directory / "config.toml"
    config.write_text(f'[agent]\ndata_dir = "{directory / "data"}"\n')
    return config


@contextlib.contextmanager
def watching(netns: str, seconds: float, directory: Path) -> Iterator[subprocess.Popen[str]]:
    """`agentprobe calls watch --json --seconds N` inside `netns` (its stdout is JSON lines)."""
    command = ["ip", "netns", "exec", netns, str(AGENTPROBE), "calls", "watch", "--json",
               "--seconds", str(seconds), "--config", str(write_config(directory))]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        yield process
    finally:
        stop(process)


def records(process: subprocess.Popen[str], timeout_s: float) -> tuple[list[dict[str, Any]], str]:
    out, err = process.communicate(timeout=timeout_s)
    assert process.returncode == 0, err
    return [json.loads(line) for line in out.splitlines() if line.strip()], out + err


@contextlib.contextmanager
def dumpcap(netns: str, interface: str, path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """dumpcap writing `interface`'s packets (first 128 bytes) to `path`, in `netns`."""
    command = ["ip", "netns", "exec", netns, "dumpcap", "-q", "-i", interface, "-s", "128",
               "-w", str(path)]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield process
    finally:
        stop(process)


STREAM_ROW = re.compile(
    r"^\s*\S+\s+\S+\s+(?P<src>\S+)\s+(?P<sport>\d+)\s+\S+\s+\d+\s+0x(?P<ssrc>[0-9A-Fa-f]+)\s+"
    r"(?P<payload>.+?)\s+(?P<packets>\d+)\s+(?P<lost>-?\d+)\s+\((?P<lost_pct>-?[\d.]+)%\)\s+"
    r"(?P<deltas>[\d.]+\s+[\d.]+\s+[\d.]+)\s+(?P<min_j>-?[\d.]+)\s+(?P<mean_j>-?[\d.]+)\s+(?P<max_j>-?[\d.]+)"
)


def tshark_streams(pcap: Path) -> dict[int, dict[str, float]]:
    """tshark's own RTP stream analysis of `pcap`, by SSRC: packets, loss %, mean jitter."""
    command = ["tshark", "-r", str(pcap), "-q", "-o", "rtp.heuristic_rtp:TRUE",
               "-z", "rtp,streams"]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    found: dict[int, dict[str, float]] = {}
    for line in done.stdout.splitlines():
        match = STREAM_ROW.match(line)
        if match:
            found[int(match["ssrc"], 16)] = {
                "packets": float(match["packets"]),
                "loss_pct": float(match["lost_pct"]),
                "mean_jitter_ms": float(match["mean_j"]),
            }
    return found


def have(*tools: str) -> str | None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    return f"needs {', '.join(missing)} (Debian; tests/run-all.sh installs it)" if missing else None


@contextlib.contextmanager
def coturn(netns: str, listen: list[str], relay_ip: str, directory: Path) -> Iterator[None]:
    """coturn (turnserver) in `netns`, user test:secret, realm agentprobe.test, UDP only."""
    command = ["ip", "netns", "exec", netns, "turnserver", "-n", "--no-tls", "--no-dtls",
               "--no-cli", "--lt-cred-mech", "--user", "test:secret", "--realm",
               "agentprobe.test", "--relay-ip", relay_ip, "--min-port", "49152",
               "--max-port", "49999", "--pidfile", str(directory / "turnserver.pid"),
               "--db", str(directory / "turndb"), "--log-file", "stdout",
               "--simple-log"]  # fmt: skip
    for address in listen:
        command += ["--listening-ip", address]
    log = (directory / "turnserver.log").open("w")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        _listening(netns, 3478)
        yield
    finally:
        stop(process)
        log.close()


def _listening(netns: str, port: int) -> None:
    for _ in range(100):
        shown = subprocess.run(["ip", "netns", "exec", netns, "ss", "-Hlun"],
                               capture_output=True, text=True, timeout=10)  # fmt: skip
        if f":{port} " in shown.stdout:
            return
        time.sleep(0.1)
    raise AssertionError("coturn did not start listening")


def rig(netns: str, *args: str) -> subprocess.Popen[str]:
    """`python -m tests.rigs.media ARGS` inside `netns`, with pipes for its stdin and stdout."""
    command = ["ip", "netns", "exec", netns, sys.executable, "-m", "tests.rigs.media", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env=env, cwd=ROOT)  # fmt: skip


@contextlib.contextmanager
def behind(outer: str, tag: int) -> Iterator[tuple[str, str, str]]:
    """A namespace joined only to `outer` by a veth pair: (name, outer's address, its own)."""
    name, subnet = f"apcr{os.getpid() % 100000}{tag}", 20 + (os.getpid() + tag) % 200
    outer_ip, inner_ip = f"10.216.{subnet}.1", f"10.216.{subnet}.2"
    sh = netns.sh
    sh("ip", "netns", "add", name)
    try:
        sh("ip", "link", "add", f"{name}o", "netns", outer, "type", "veth", "peer", "name",
           f"{name}i", "netns", name)  # fmt: skip
        sh("ip", "addr", "add", f"{outer_ip}/30", "dev", f"{name}o", netns=outer)
        sh("ip", "link", "set", f"{name}o", "up", netns=outer)
        sh("ip", "addr", "add", f"{inner_ip}/30", "dev", f"{name}i", netns=name)
        sh("ip", "link", "set", f"{name}i", "up", netns=name)
        sh("ip", "link", "set", "lo", "up", netns=name)
        yield name, outer_ip, inner_ip
    finally:
        sh("ip", "netns", "del", name)  # takes its veth end, and so the pair, with it
