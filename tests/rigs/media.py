"""Call media for the capture tests: RTP/SRTP-shaped streams, plain or in TURN framing.

Packets look like a real call's: 20 ms apart, G.711 (PT 0, 8 kHz) or an Opus-like
dynamic PT (111, 48 kHz), an RFC 8285 one-byte header extension carrying an RFC 6464
audio level, and a random payload with a marker pattern in it, so a test can prove that
neither the marker nor the levels ever come out of the capture. "SRTP-shaped" appends a
10-byte authentication tag (RFC 3711 §3.1) to a random payload. The same packets can be
wrapped in TURN ChannelData or Send indications (RFC 8656 §11, §12).

`send_stream` paces packets from a UDP socket on a fixed 20 ms schedule; `truth` turns
the impairing relay's record of what it forwarded into the loss and RFC 3550 jitter a
receiver right behind it should measure. Run as `python -m tests.rigs.media sink|turn`
it works inside a namespace: a sink that takes the stream, or an agent that allocates on
a TURN server (`tests/rigs/turn.py`), sends its own stream as Send indications and takes
the peer's as ChannelData or Data indications.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import socket
import struct
import sys
import time
from dataclasses import dataclass

from tests.rigs.turn import (
    DATA,
    DATA_INDICATION,
    SEND_INDICATION,
    TurnClient,
    channel_data,
    indication,
    parse_attributes,
)

MARKER = b"\xa5PAYLOAD-MARKER\x5a"
AUDIO_LEVEL_ID = (
    1  # the extension element id negotiated for urn:ietf:params:rtp-hdrext:ssrc-audio-level
)


@dataclass(frozen=True)
class Codec:
    """An audio codec as RTP carries it: payload type, clock rate, payload bytes per 20 ms."""

    name: str
    payload_type: int
    clock_hz: int
    payload_bytes: int

    @property
    def step(self) -> int:
        """RTP timestamp units per 20 ms packet."""
        return self.clock_hz // 50


G711 = Codec("g711", 0, 8000, 160)
OPUS = Codec("opus", 111, 48000, 90)
CODECS = {codec.name: codec for codec in (G711, OPUS)}


def audio_level(index: int) -> int:
    """The RFC 6464 level (0..127, -dBov) of packet `index`: a known, varying pattern."""
    return 30 + (index * 7) % 50


def rtp_packet(codec: Codec, index: int, ssrc: int, rng: random.Random, srtp: bool) -> bytes:
    """Packet `index` of a stream: one-byte extension with the audio level, then payload."""
    seq, timestamp = (1000 + index) & 0xFFFF, (90_000 + index * codec.step) & 0xFFFFFFFF
    header = struct.pack("!BBHII", 0x90, codec.payload_type, seq, timestamp, ssrc)
    element = bytes([AUDIO_LEVEL_ID << 4, 0x80 | audio_level(index), 0, 0])  # RFC 8285 §4.2
    extension = struct.pack("!HH", 0xBEDE, 1) + element
    body = bytearray(rng.randbytes(codec.payload_bytes))
    body[8 : 8 + len(MARKER)] = MARKER
    tag = rng.randbytes(10) if srtp else b""
    return header + extension + bytes(body) + tag


@dataclass
class StreamPlan:
    """What to send: codec, how many 20 ms packets, SSRC, framing, and the RNG seed."""

    codec: Codec
    count: int
    ssrc: int
    framing: str = "rtp"  # rtp, srtp, channel (ChannelData), send or data (indications)
    seed: int = 7
    first: int = 0  # index of the first packet, to go on with a stream


def frame(plan: StreamPlan, packet: bytes, peer: tuple[str, int]) -> bytes:
    if plan.framing == "channel":
        return channel_data(packet, 0x4001)
    if plan.framing in ("send", "data"):
        kind = SEND_INDICATION if plan.framing == "send" else DATA_INDICATION
        return indication(packet, peer, os.urandom(12), kind)
    return packet


def send_stream(sock: socket.socket, target: tuple[str, int], plan: StreamPlan,
                peer: tuple[str, int] = ("203.0.113.9", 5004)) -> int:  # fmt: skip
    """Send the plan's packets to `target` every 20 ms (on a fixed schedule); returns count."""
    rng, srtp = random.Random(plan.seed), plan.framing == "srtp"
    if srtp:
        sock.sendto(dtls_client_hello(rng), target)
    start = time.perf_counter()
    for index in range(plan.first, plan.first + plan.count):
        packet = rtp_packet(plan.codec, index, plan.ssrc, rng, srtp)
        delay = start + (index - plan.first) * 0.020 - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sock.sendto(frame(plan, packet, peer), target)
        if srtp and index % 50 == 25:  # SRTCP about once a second, as RFC 3550 §6.2 paces it
            sock.sendto(srtcp_report(plan.ssrc, index // 50, rng), target)
    return plan.count


def sink(bind: tuple[str, int], seconds: float) -> int:
    """Receive and discard datagrams on `bind` for `seconds` (so nothing is refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(bind)
    deadline, received = time.monotonic() + seconds, 0
    print("ready", flush=True)
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            sock.recv(4096)
            received += 1
        except TimeoutError:
            break
    return received


def turn_receiver(server: tuple[str, int], user: str, password: str, seconds: float) -> None:
    """Inside a namespace: allocate, tell the parent the relayed address on stdout, read the
    peer's address (and whether to bind a channel) from stdin, then send a short stream to
    the peer through Send indications and take what comes back until `seconds` pass."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", 0))
    client = TurnClient(sock, server, user, password)
    print(json.dumps({"relayed": client.allocate()}), flush=True)
    order = json.loads(sys.stdin.readline())
    peer = (order["peer"][0], int(order["peer"][1]))
    client.permit(peer)
    if order["channel"]:
        client.bind(0x4001, peer)
    print(json.dumps({"ready": True}), flush=True)
    plan = StreamPlan(G711, int(order["send"]), ssrc=0x7E57, framing="send")
    send_stream(sock, server, plan, peer)
    sock.settimeout(0.05)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            sock.recv(4096)
        except TimeoutError:
            continue


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.rigs.media")
    commands = parser.add_subparsers(dest="command", required=True)
    sink_args = commands.add_parser("sink")
    sink_args.add_argument("--bind", required=True)
    sink_args.add_argument("--seconds", type=float, required=True)
    turn_args = commands.add_parser("turn")
    turn_args.add_argument("--server", required=True)
    turn_args.add_argument("--user", required=True)
    turn_args.add_argument("--password", required=True)
    turn_args.add_argument("--seconds", type=float, required=True)
    args = parser.parse_args()
    if args.command == "sink":
        host, port = args.bind.rsplit(":", 1)
        print(json.dumps({"received": sink((host, int(port)), args.seconds)}), flush=True)
    else:
        host, port = args.server.rsplit(":", 1)
        turn_receiver((host, int(port)), args.user, args.password, args.seconds)


if __name__ == "__main__":
    main()


def is_rtp(packet: bytes) -> bool:
    """RTP, not RTCP (RFC 5761 §4) nor DTLS (RFC 7983)."""
    return len(packet) >= 12 and 128 <= packet[0] <= 191 and not 64 <= packet[1] & 0x7F <= 95


def dtls_client_hello(rng: random.Random) -> bytes:
    """A DTLS 1.2 handshake record header and a random body (RFC 6347 §4.1): what
    WebRTC sends on the media 5-tuple before DTLS-SRTP media."""
    body = rng.randbytes(120)
    return struct.pack("!BHHHIH", 22, 0xFEFD, 0, 0, 0, len(body)) + body


def srtcp_report(ssrc: int, index: int, rng: random.Random) -> bytes:
    """An SR whose body is encrypted (RFC 3711 §3.4): 8 clear bytes, 20 random, the E flag
    and SRTCP index, a 10-byte tag. Its length word no longer matches the datagram."""
    clear = struct.pack("!BBHI", 0x80, 200, 6, ssrc)
    return clear + rng.randbytes(20) + struct.pack("!I", 0x80000000 | index) + rng.randbytes(10)


def inner_rtp(datagram: bytes) -> bytes:
    """The RTP packet inside plain, ChannelData or Send/Data-indication framing."""
    if 64 <= datagram[0] <= 79:
        return datagram[4 : 4 + struct.unpack("!H", datagram[2:4])[0]]
    if datagram[0] < 4:
        return parse_attributes(datagram)[DATA]
    return datagram


@dataclass(frozen=True)
class Truth:
    """What a receiver right after the relay should measure (RFC 3550 §6.4.1, §A.3, §A.8)."""

    packets: int
    loss_pct: float
    jitter_ms: float  # the running estimate, averaged over the packets as receivers report it
    reordered: int


def truth(forwarded: list[tuple[float, bytes]], clock_hz: int) -> Truth:
    """Ground truth from the relay's record of (forward time in s, datagram) in send order."""
    packets = [(at, inner_rtp(data)) for at, data in forwarded]
    packets = [(at, p) for at, p in packets if is_rtp(p)]
    seqs = [struct.unpack("!H", p[2:4])[0] for _, p in packets]
    expected = max(seqs) - min(seqs) + 1
    jitter, estimates, previous = 0.0, [], None
    for at, packet in packets:
        transit = at - struct.unpack("!I", packet[4:8])[0] / clock_hz
        if previous is not None:
            jitter += (abs(transit - previous) - jitter) / 16
            estimates.append(jitter)
        previous = transit
    reordered = sum(1 for a, b in itertools.pairwise(seqs) if b < a)
    return Truth(
        packets=len(set(seqs)),
        loss_pct=100.0 * (expected - len(set(seqs))) / expected,
        jitter_ms=1000.0 * sum(estimates) / max(1, len(estimates)),
        reordered=reordered,
    )
