"""A TCP relay whose answer direction can be held shut: an upload that never gets its reply.

Requests pass through to the real collector at once (TLS is relayed untouched); while
the gate is closed, the collector's answers are buffered and not delivered.
"""

from __future__ import annotations

import selectors
import socket
import threading
from types import TracebackType


class GateRelay:
    """Listen on loopback, forward to `upstream`; `close_gate()` holds answers back."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.gate = threading.Event()
        self.gate.set()
        self.done = threading.Event()
        self.threads: list[threading.Thread] = []

    def __enter__(self) -> GateRelay:
        self._spawn(self._accept)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.done.set()
        self.gate.set()
        self.listener.close()
        for thread in self.threads:
            thread.join(5)

    def close_gate(self) -> None:
        self.gate.clear()

    def open_gate(self) -> None:
        self.gate.set()

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self.threads.append(thread)

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.done.is_set():
            try:
                client, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self._spawn(self._pump, client)

    def _pump(self, client: socket.socket) -> None:
        with client, socket.create_connection(self.upstream, timeout=5) as server:
            selector = selectors.DefaultSelector()
            selector.register(client, selectors.EVENT_READ, server)
            selector.register(server, selectors.EVENT_READ, client)
            held = b""
            while not self.done.is_set():
                for key, _ in selector.select(0.1):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    try:
                        data = source.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        return
                    if source is server:
                        held += data
                    else:
                        key.data.sendall(data)
                if held and self.gate.is_set():
                    client.sendall(held)
                    held = b""
