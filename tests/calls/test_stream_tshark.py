"""Our received-stream figures beside Wireshark's RTP stream analysis of the same packets.

The datagrams of two impaired streams (random jitter, periodic and burst loss, a
sequence wrap) are written to a pcap file (LINKTYPE_RAW IPv4) and read twice: by
`CallTracker`, and by `tshark -z rtp,streams`, an independent RFC 3550 implementation.
Packets, lost, mean and max jitter must agree to Wireshark's printed precision.
"""

from __future__ import annotations

import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from agentprobe.calls.tracker import CallTracker, Datagram
from tests.calls.packets import rtp

pytestmark = pytest.mark.integration
T0 = 1_764_620_000
LOCAL = ("10.1.0.2", 40000)
STREAMS = {  # remote address -> (ssrc, first sequence, lost when)
    ("203.0.113.7", 50000): (0x1234, 65400, lambda i: i % 37 == 3),
    ("203.0.113.8", 50002): (0x5678, 100, lambda i: 200 <= i < 206 or i % 53 == 0),
}


def impaired(seed: int = 5) -> list[Datagram]:
    rng, out = random.Random(seed), []
    for remote, (ssrc, first, lost) in STREAMS.items():
        for i in range(500):
            if lost(i):
                continue
            at = round(T0 + 0.02 * i + rng.uniform(0, 0.015), 6)  # pcap keeps microseconds
            payload = rtp(first + i, 160 * i, ssrc=ssrc)
            out.append(Datagram(at, remote, LOCAL, payload, len(payload)))
    return sorted(out, key=lambda d: d.at)


def write_pcap(path: Path, datagrams: list[Datagram]) -> None:
    with path.open("wb") as handle:
        handle.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for d in datagrams:
            udp = struct.pack("!HHHH", d.src[1], d.dst[1], 8 + len(d.payload), 0) + d.payload
            addresses = bytes(int(x) for x in d.src[0].split(".") + d.dst[0].split("."))
            ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0) + addresses
            seconds, micros = int(d.at), round((d.at - int(d.at)) * 1e6)
            frame = ip + udp
            handle.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)) + frame)


def wireshark_streams(path: Path) -> dict[int, tuple[int, int, float, float]]:
    """SSRC -> (packets, lost, mean jitter ms, max jitter ms) as tshark prints them."""
    command = ["tshark", "-r", str(path), "-q", "-o", "rtp.heuristic_rtp:TRUE", "-z", "rtp,streams"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
    streams = {}
    for line in output.splitlines():
        fields = line.split()
        ssrc = next((f for f in fields if f.startswith("0x")), None)
        if ssrc is None:
            continue
        at = fields.index(ssrc)
        packets, lost = int(fields[at + 2]), int(fields[at + 3])
        numbers = [f for f in fields[at + 5 :] if f.replace(".", "").isdigit()]
        streams[int(ssrc, 16)] = (packets, lost, float(numbers[4]), float(numbers[5]))
    return streams


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark (Debian package) missing")
def test_loss_and_jitter_agree_with_wireshark(tmp_path: Path) -> None:
    datagrams = impaired()
    write_pcap(tmp_path / "call.pcap", datagrams)
    theirs = wireshark_streams(tmp_path / "call.pcap")
    tracker = CallTracker(lambda ip: ip.startswith("10."), lambda value: value)
    for datagram in datagrams:
        tracker.feed(datagram)
    ours = {}
    for record in tracker.finish():
        m = record.metrics
        ssrc = STREAMS[next(r for r in STREAMS if r[0] == record.remote)][0]
        packets, pct = int(m["rx_packets"]), float(m["rx_loss_pct"])
        lost = round(packets / (1 - pct / 100)) - packets
        ours[ssrc] = (packets, lost, m["rx_jitter_ms"], m["rx_jitter_max_ms"])
    assert set(ours) == set(theirs) == {0x1234, 0x5678}
    for ssrc, (packets, lost, mean, peak) in theirs.items():
        assert ours[ssrc][:2] == (packets, lost)
        assert ours[ssrc][2] == pytest.approx(mean, abs=0.0005)
        assert ours[ssrc][3] == pytest.approx(peak, abs=0.0005)
