"""`netns.UdpRelay` for call media: bound where the test says, every packet counted,
and each forwarded datagram recorded with the time it left (the ground truth)."""

from __future__ import annotations

import socket
import threading
import time

from tests.rigs.netns import Impairment, UdpRelay


class _Recording:
    """The relay's upstream socket, noting (time, datagram) of every send."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.sent: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()

    def send(self, data: bytes) -> int:
        sent = self.sock.send(data)
        with self.lock:
            self.sent.append((time.perf_counter(), data))
        return sent

    def recv(self, size: int) -> bytes:
        return self.sock.recv(size)

    def fileno(self) -> int:
        return self.sock.fileno()

    def close(self) -> None:
        self.sock.close()


class MediaRelay(UdpRelay):
    """Listens on `front`, sends upstream from `source` (an address of this host)."""

    PROBE_KINDS = tuple(range(256))  # every datagram is media here

    def __init__(
        self,
        front: tuple[str, int],
        source: str,
        upstream: tuple[str, int],
        up: Impairment,
        seed: int = 1,
    ) -> None:
        super().__init__(upstream, up, Impairment(), seed)
        self.front.close()
        self.back.close()
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(front)
        back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        back.bind((source, 0))
        back.connect(upstream)
        self.recording = _Recording(back)
        self.back = self.recording  # type: ignore[assignment]

    @property
    def forwarded(self) -> list[tuple[float, bytes]]:
        with self.recording.lock:
            return list(self.recording.sent)
