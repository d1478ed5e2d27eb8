"""A loopback UDP relay between two WebRTC peers that drops every Nth RTP packet one way.

Two sockets on 127.0.0.1: `a` stands for peer 1 towards peer 2, `b` for peer 2 towards
peer 1 (the test page rewrites each peer's ICE candidate to these ports). Each side's
real address is learnt from the first packet it sends. RFC 7983 tells RTP from RTCP,
STUN and DTLS by the first byte (128-191 is RTP or RTCP; RTCP when the second byte,
the RFC 3550 packet type, is 192-223), so only media packets are ever dropped.
"""

from __future__ import annotations

import selectors
import socket
import threading
from dataclasses import dataclass, field

Address = tuple[str, int]


def is_rtp(packet: bytes) -> bool:
    return len(packet) >= 12 and 128 <= packet[0] <= 191 and not 192 <= packet[1] <= 223


@dataclass
class Counts:
    forwarded: int = 0
    rtp: int = 0
    dropped: int = 0
    unsendable: int = 0


@dataclass
class UdpRelay:
    """Forward between the peers; peer 1's RTP to peer 2 loses every `drop_every`th packet."""

    drop_every: int = 0
    a: socket.socket = field(default_factory=lambda: _bound())
    b: socket.socket = field(default_factory=lambda: _bound())
    one_to_two: Counts = field(default_factory=Counts)
    two_to_one: Counts = field(default_factory=Counts)

    def __post_init__(self) -> None:
        self.peers: dict[str, Address] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="udp-relay", daemon=True)

    @property
    def ports(self) -> dict[str, int]:
        return {"a": self.a.getsockname()[1], "b": self.b.getsockname()[1]}

    def __enter__(self) -> UdpRelay:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.a.close()
        self.b.close()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.a, selectors.EVENT_READ, "a")
            selector.register(self.b, selectors.EVENT_READ, "b")
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.2):
                    self._one(key.data)

    def _one(self, side: str) -> None:
        # A packet at `b` comes from peer 1 (it believes `b` is peer 2), and the reverse.
        inbound, outbound = (self.b, self.a) if side == "b" else (self.a, self.b)
        sender, receiver = ("1", "2") if side == "b" else ("2", "1")
        packet, source = inbound.recvfrom(65535)
        self.peers.setdefault(sender, source)
        counts = self.one_to_two if sender == "1" else self.two_to_one
        if is_rtp(packet):
            counts.rtp += 1
            if sender == "1" and self.drop_every and counts.rtp % self.drop_every == 0:
                counts.dropped += 1
                return
        if receiver in self.peers:
            try:
                outbound.sendto(packet, self.peers[receiver])
            except OSError:  # an address a loopback socket cannot reach: count, carry on
                counts.unsendable += 1
                return
            counts.forwarded += 1


def _bound() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock
