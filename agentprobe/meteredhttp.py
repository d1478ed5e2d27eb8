"""A urllib opener that counts every byte it moves and can be stopped, for speed tests.

speedtest-cli drives its transfers through a urllib `OpenerDirector`. Building that
opener here lets the bandwidth check (a) trust the collector's pinned certificate and
send the agent's bearer token, (b) watch bytes flow while a transfer runs (for the
sufficiency test and the progress bar), and (c) refuse new requests once the test has
proven enough, so no connection is opened just to be closed.

Sockets set TCP_NOTSENT_LOWAT, so bytes the application has "sent" are bytes on the wire
or about to be: without it an upload's first second fills megabytes of socket buffer
and reads as a burst of speed the link never had.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.request
from typing import Any
from urllib.error import URLError

NOTSENT_LOWAT_BYTES = 16 * 1024


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


class Meter:
    """Thread-safe byte counters, sampled by the sufficiency monitor."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.sent = 0
        self.received = 0
        self.first_byte: float | None = None

    def add(self, sent: int = 0, received: int = 0) -> None:
        with self._lock:
            self.sent += sent
            self.received += received
            if self.first_byte is None and (sent or received):
                self.first_byte = time.monotonic()

    def snapshot(self) -> tuple[int, int]:
        with self._lock:
            return self.sent, self.received


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

    def send(self, data: Any) -> None:
        super().send(data)  # type: ignore[misc]
        if isinstance(data, bytes | bytearray | memoryview):
            self.meter.add(sent=len(data))

    def getresponse(self) -> http.client.HTTPResponse:
        response = super().getresponse()  # type: ignore[misc]
        response.meter = self.meter
        assert isinstance(response, http.client.HTTPResponse)
        return response


class MeteredHTTPConnection(_MeteredMixin, http.client.HTTPConnection):
    response_class = _MeteredResponse

    def __init__(self, host: str, meter: Meter, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self.meter = meter

    def connect(self) -> None:
        super().connect()
        _tune(self.sock)


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
