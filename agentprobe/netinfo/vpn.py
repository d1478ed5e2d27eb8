"""Is a VPN up? Pure classification of the interface list and the default route.

A VPN shows up as a tunnel interface (tun, tap, WireGuard, utun, ppp, ipsec, or a Windows
adapter whose description names a VPN client) that is up and holds a routable address,
or as a default route through such an interface, or as the split default route
(0.0.0.0/1 + 128.0.0.0/1) that OpenVPN-style clients install. macOS keeps several utun
interfaces with only link-local addresses for its own services, hence the address rule.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from agentprobe.netinfo.model import DefaultRoute, Interface

TUNNEL_NAME = re.compile(
    r"^(tun|tap|wg|utun|ppp|ipsec|gpd|cscotun|vpn|nordlynx|tailscale|zcctun|proton)\d*$", re.I
)
TUNNEL_KIND = {"tun", "tap", "wireguard", "ppp", "ipsec"}
VPN_DESCRIPTION = re.compile(
    r"TAP-Windows|TAP-NordVPN|TAP-ProtonVPN|TAP-Surfshark|\bTAP-\w+ Windows Adapter|WireGuard"
    r"|OpenVPN|Data Channel Offload|AnyConnect|Cisco Secure Client|PANGP|GlobalProtect"
    r"|Fortinet|FortiClient|Zscaler|Tailscale|Juniper|Pulse Secure|Ivanti|SonicWALL"
    r"|Check Point|WAN Miniport|Wintun|NordLynx",
    re.I,
)


def is_tunnel(interface: Interface) -> bool:
    return bool(
        TUNNEL_NAME.match(interface.name)
        or interface.kind in TUNNEL_KIND
        or (interface.description and VPN_DESCRIPTION.search(interface.description))
    )


def routable(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return not (ip.is_link_local or ip.is_loopback or ip.is_unspecified)


def vpn_interfaces(interfaces: Sequence[Interface]) -> list[str]:
    """Names of tunnel interfaces that are up and carry a routable address."""
    return [
        i.name
        for i in interfaces
        if i.up and is_tunnel(i) and any(routable(a) for a in i.addresses)
    ]


def vpn_active(
    interfaces: Sequence[Interface], route: DefaultRoute | None, split_route: bool
) -> tuple[bool, str]:
    """(active, why) — `why` names the evidence, for the summary."""
    by_name = {i.name: i for i in interfaces}
    if route and route.interface in by_name and is_tunnel(by_name[route.interface]):
        return True, f"default route through {route.interface}"
    if route and TUNNEL_NAME.match(route.interface):
        return True, f"default route through {route.interface}"
    if split_route:
        return True, "a VPN split default route (0/1 + 128/1)"
    up = vpn_interfaces(interfaces)
    if up:
        return True, f"tunnel interface {', '.join(up)} up"
    return False, ""
