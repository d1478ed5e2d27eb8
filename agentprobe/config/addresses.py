"""Addresses as config and the command line write them: `host:port` text, and loopback.

One set of rules for every place that reads an address (`collector serve --listen`,
`[voice] reflector`, the plain-HTTP rule of `[collector] url`): `HOST:PORT`,
`[V6]:PORT`, a bare host when a default port applies, `:PORT` when a default host
applies. A bare IPv6 address (more than one colon, no brackets) is a host, never a
host and a port, since the two readings cannot be told apart.
"""

from __future__ import annotations

import ipaddress


def parse_host_port(
    text: str, default_port: int | None = None, default_host: str | None = None
) -> tuple[str, int]:
    """`text` -> (host, port); ValueError saying what is wrong."""
    host, port_text = _split(text.strip())
    host = host or default_host or ""
    if not host:
        raise ValueError(f"expected host:port, got {text!r}")
    if not port_text:
        if default_port is None:
            raise ValueError(f"expected host:port, got {text!r}")
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"port must be a number from 1 to 65535, got {port_text!r}")
    return host, int(port_text)


def _split(text: str) -> tuple[str, str]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, rest.removeprefix(":")
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, port
    return text, ""


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost" (plain HTTP is allowed only there)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
