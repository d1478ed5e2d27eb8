"""The network an upload came from, as the collector sees it, reduced to a salted digest.

An agent's public address says where they are, so it is never stored: only an
HMAC-SHA256 of its network (the IPv4 /24, or the IPv6 /48 a home or office is usually
given, RFC 6177), keyed with a secret the collectors share through their database. The
same network always gives the same digest, so a move (another ISP, a hotspot, a VPN
exit) shows as a change, but the digest cannot be turned back into an address by trying
every network without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

DIGEST_CHARS = 16
PREFIX = {4: 24, 6: 48}


def network_of(address: str) -> str | None:
    """The network an address belongs to ("203.0.113.0/24"), or None if it is not an IP."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ipaddress.ip_network(f"{ip}/{PREFIX[ip.version]}", strict=False))


def network_digest(address: str, salt: bytes) -> str:
    """16 hex characters for the address's network; "" when it is not an IP address."""
    network = network_of(address)
    if network is None:
        return ""
    return hmac.new(salt, network.encode(), hashlib.sha256).hexdigest()[:DIGEST_CHARS]
