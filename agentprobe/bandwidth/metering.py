"""A urllib opener that counts every byte it moves and can be stopped, for speed tests.

speedtest-cli drives its transfers through a urllib `OpenerDirector`. Building that
opener here lets the bandwidth check (a) trust the collector's pinned certificate and
send the agent's bearer token, (b) watch bytes flow while a transfer runs (for the
sufficiency test and the progress bar), and (c) refuse new requests once the test has
proven enough, so no connection is opened just to be closed.

Uploads are counted by what the server's TCP has acknowledged (Linux TCP_INFO
`tcpi_bytes_acked`), not by what the application handed to the kernel. Handed-over bytes
are counted before the bottleneck: unacknowledged data, bytes queued in the modem and
segments lost in a slow-start overshoot sit between the two, 5 to 160 KB on a 2 Mbit/s
link with a 250 ms queue, and that backlog drains while the rate is measured, so the
handed-over slope reads up to a fifth below the wire. Acknowledged bytes have crossed
the bottleneck, like the received bytes a download counts. Where TCP_INFO is missing
(not Linux, or a kernel before 4.1) the handed-over count is the fallback, and sockets
set TCP_NOTSENT_LOWAT so it at least cannot run megabytes of socket buffer ahead.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import struct
import sys
import threading
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.error import URLError

NOTSENT_LOWAT_BYTES = 16 * 1024
# struct tcp_info (linux/tcp.h): the u64 tcpi_bytes_acked sits at byte 120 (Linux 4.1+).
_BYTES_ACKED = struct.Struct("=Q")
_BYTES_ACKED_AT = 120
_TCP_INFO_LEN = 256

AckProbe = Callable[[socket.socket], int | None]


def bytes_acked(sock: socket.socket) -> int | None:
    """Bytes of this connection the peer has acknowledged; None where TCP_INFO lacks it."""
    option = getattr(socket, "TCP_INFO", None)
    if option is None or not sys.platform.startswith("linux"):
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, option, _TCP_INFO_LEN)
    except OSError:  # closed meanwhile: CPython clears the descriptor before closing it
        return None
    if len(info) < _BYTES_ACKED_AT + _BYTES_ACKED.size:
        return None
    acked: int = _BYTES_ACKED.unpack_from(info, _BYTES_ACKED_AT)[0]
    return acked


class StopSignal:
    """The shutdown event speedtest-cli polls (it calls `isSet()`), plus `is_set()`."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def is_set(self) -> bool:
        return self._event.is_set()

    isSet = is_set  # the name speedtest-cli's threads call


class Flow:
    """One connection's upload: bytes handed to the kernel and, where known, acknowledged."""

    def __init__(self, sock: socket.socket | None, probe: AckProbe) -> None:
        self.sock, self.probe = sock, probe
        self.sent = 0
        self._base = probe(sock) if sock is not None else None  # handshake bytes excluded
        self._acked = 0

    def refresh(self) -> None:
        if self.sock is not None and self._base is not None:
            value = self.probe(self.sock)
            if value is not None:
                self._acked = max(self._acked, value - self._base)

    @property
    def count(self) -> int:
        return self.sent if self._base is None else self._acked


class Meter:
    """Thread-safe byte counters, sampled by the sufficiency monitor.

    `snapshot()` polls the acknowledged bytes of every connection still tracked, so the
    upload count moves with the wire, not in steps of whole requests.
    """

    def __init__(self, probe: AckProbe = bytes_acked) -> None:
        self._lock = threading.Lock()
        self._probe = probe
        self._flows: list[Flow] = []
        self._settled = 0  # uploads of released connections, and untracked sends
        self.received = 0

    def track(self, sock: socket.socket) -> Flow:
        """Count this connected socket's upload from now on."""
        flow = Flow(sock, self._probe)
        with self._lock:
            self._flows.append(flow)
        return flow

    def release(self, flow: Flow) -> None:
        """The connection is done (or closing): keep its last count, let go of the socket."""
        with self._lock:
            if flow in self._flows:
                flow.refresh()
                self._flows.remove(flow)
                self._settled += flow.count
            flow.sock = None

    def release_all(self) -> None:
        for flow in list(self._flows):
            self.release(flow)

    def add(self, sent: int = 0, received: int = 0, flow: Flow | None = None) -> None:
        with self._lock:
            if flow is not None and flow in self._flows:
                flow.sent += sent
            else:
                self._settled += sent
            self.received += received

    def snapshot(self) -> tuple[int, int]:
        """(bytes uploaded, bytes downloaded) so far."""
        with self._lock:
            for flow in self._flows:
                flow.refresh()
            return self._settled + sum(f.count for f in self._flows), self.received


def _tune(sock: socket.socket) -> None:
    if hasattr(socket, "TCP_NOTSENT_LOWAT"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NOTSENT_LOWAT, NOTSENT_LOWAT_BYTES)


class _MeteredResponse(http.client.HTTPResponse):
    meter: Meter | None = None

    def read(self, amt: int | None = None) -> bytes:
        data = super().read(amt)
        if self.meter is not None:
            self.meter.add(received=len(data))
        return data


class _MeteredMixin:
    meter: Meter
    flow: Flow | None = None

    def _track(self, sock: socket.socket) -> None:
        self.flow = self.meter.track(sock)

    def send(self, data: Any) -> None:
        super().send(data)  # type: ignore[misc]
        if isinstance(data, bytes | bytearray | memoryview):
            self.meter.add(sent=len(data), flow=self.flow)

    def getresponse(self) -> http.client.HTTPResponse:
        response = super().getresponse()  # type: ignore[misc]
        # The server answers once it has read the body: every byte sent is acknowledged.
        if self.flow is not None:
            self.meter.release(self.flow)
        response.meter = self.meter
        assert isinstance(response, http.client.HTTPResponse)
        return response

    def close(self) -> None:
        if self.flow is not None:
            self.meter.release(self.flow)
        super().close()  # type: ignore[misc]


class MeteredHTTPConnection(_MeteredMixin, http.client.HTTPConnection):
    response_class = _MeteredResponse

    def __init__(self, host: str, meter: Meter, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.meter = meter

    def connect(self) -> None:
        super().connect()
        _tune(self.sock)
        self._track(self.sock)


class MeteredHTTPSConnection(_MeteredMixin, http.client.HTTPSConnection):
    response_class = _MeteredResponse

    def __init__(self, host: str, meter: Meter, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.meter = meter

    def connect(self) -> None:
        # HTTPSConnection.connect wraps the plain socket; tune it before the handshake.
        http.client.HTTPConnection.connect(self)
        _tune(self.sock)
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)  # type: ignore[attr-defined]
        self._track(self.sock)


class _MeteredHandler(urllib.request.AbstractHTTPHandler):
    def __init__(
        self, meter: Meter, stop: StopSignal, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__()
        self.meter, self.stop, self.timeout, self.context = meter, stop, timeout, context

    def _check(self) -> None:
        if self.stop.is_set():
            raise URLError("transfer stopped: enough was measured")

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        self._check()
        return self.do_open(self._plain, req)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        self._check()
        return self.do_open(self._secure, req)

    def _plain(self, host: str, **kwargs: Any) -> http.client.HTTPConnection:
        kwargs["timeout"] = self.timeout
        return MeteredHTTPConnection(host, self.meter, **kwargs)

    def _secure(self, host: str, **kwargs: Any) -> http.client.HTTPConnection:
        kwargs.update(timeout=self.timeout, context=self.context)
        return MeteredHTTPSConnection(host, self.meter, **kwargs)

    http_request = urllib.request.AbstractHTTPHandler.do_request_
    https_request = urllib.request.AbstractHTTPHandler.do_request_


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """Verification always on: the pinned collector certificate, or the system store."""
    return ssl.create_default_context(cafile=ca_file or None)


def build_opener(
    meter: Meter,
    stop: StopSignal,
    *,
    ca_file: str = "",
    token: str | None = None,
    user_agent: str = "agentprobe",
    timeout: float = 10.0,
) -> urllib.request.OpenerDirector:
    """An opener like speedtest-cli's, metered, stoppable, with the agent's credentials.

    The token goes in an unredirected header, so a redirect never carries it elsewhere.
    """
    opener = urllib.request.OpenerDirector()
    for handler in (
        _MeteredHandler(meter, stop, timeout, tls_context(ca_file)),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    opener.addheaders = [("User-Agent", user_agent)]
    if token:
        opener.addheaders.append(("Authorization", f"Bearer {token}"))
    return opener
