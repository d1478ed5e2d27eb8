"""Picking a port for a collector on this machine: free for both TCP and UDP."""

from __future__ import annotations

import contextlib
import socket


def free_port(host: str = "127.0.0.1", attempts: int = 50) -> int:
    """A port number that is free for both TCP and UDP on `host` right now.

    The collector serves HTTPS on TCP and the voice reflector on UDP at the same number,
    so both must be free. The kernel picks a TCP port; we keep it only if UDP binds too.
    """
    for _ in range(attempts):
        with contextlib.ExitStack() as stack:
            tcp = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            tcp.bind((host, 0))
            port: int = tcp.getsockname()[1]
            udp = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_DGRAM))
            try:
                udp.bind((host, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no port free for both TCP and UDP on {host} after {attempts} tries")
