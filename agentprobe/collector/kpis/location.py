"""Where a report was made: the office networks the collector knows, and the agent's word.

Pure. A report that arrives from an office network (a CIDR an operator listed) was made
in the office, unless the agent's own network check says a VPN was up (then the address
is the VPN's, not the desk's). Otherwise the report's context decides (`home`/`office`),
and a report that says `unknown` while office networks are known, and did not come from
one, is `home`. Only the derived word is stored, never the address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_NETWORKS = 1000


def parse_networks(texts: Iterable[str]) -> list[Network]:
    """CIDRs ("10.20.0.0/16", "2001:db8::/48", a bare address is /32 or /128), or
    ValueError naming the bad one."""
    networks: list[Network] = []
    for text in texts:
        try:
            networks.append(ipaddress.ip_network(text.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{text!r} is not a network (CIDR such as 10.20.0.0/16)") from None
    if len(networks) > MAX_NETWORKS:
        raise ValueError(f"at most {MAX_NETWORKS} office networks")
    return sorted(set(networks), key=lambda n: (n.version, n))


class OfficeNetworks:
    """The office networks, swappable at run time (the admin API replaces the list)."""

    def __init__(self, networks: Sequence[Network] = ()) -> None:
        self.networks: tuple[Network, ...] = tuple(networks)

    def contains(self, address: str | None) -> bool | None:
        """True/False for an address; None when no office networks are known."""
        if not self.networks:
            return None
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)


def vpn_active(report: Any) -> bool:
    """The report's network check saw a VPN up."""
    for check in report.get("checks", ()) if isinstance(report, dict) else ():
        if isinstance(check, dict) and check.get("name") == "network":
            return check.get("metrics", {}).get("vpn_active") is True
    return False


def derive(said: str, from_office: bool | None, vpn: bool) -> str:
    """The stored location from the report's `location`, the source network and the VPN."""
    if from_office and not vpn:
        return "office"
    if said in ("home", "office"):
        return said
    return "home" if from_office is False and not vpn else "unknown"
