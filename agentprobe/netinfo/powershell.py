"""Windows, in any display language: PowerShell's network objects as JSON.

`Get-NetAdapter`, `Get-NetRoute`, `Get-NetIPAddress` and `Get-NetNeighbor` return CIM
objects whose property names and numeric values never follow the display language, unlike
`ipconfig` and `route print`. One PowerShell call prints them as one JSON object; the
parsers here read that, or any one cmdlet's own `ConvertTo-Json` output (which is an object
instead of a list when there is a single item). The adapter kind comes from
`NdisPhysicalMedium` (the NDIS_PHYSICAL_MEDIUM enumeration of ntddndis.h).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from agentprobe.netinfo.model import DefaultRoute, Interface, Snapshot, normalize_mac

# MSFT_NetRoute has no interface metric, so it is taken from MSFT_NetIPInterface.
SCRIPT = (
    "$ErrorActionPreference='SilentlyContinue';"
    "[Console]::OutputEncoding=[Text.Encoding]::UTF8;"
    "$m=@{};Get-NetIPInterface -AddressFamily IPv4|ForEach-Object{$m[[int]$_.ifIndex]="
    "$_.InterfaceMetric};"
    "$r=@(Get-NetRoute -AddressFamily IPv4 -DestinationPrefix 0.0.0.0/0,0.0.0.0/1,128.0.0.0/1"
    "|Select-Object DestinationPrefix,ifIndex,NextHop,RouteMetric,"
    "@{n='ifMetric';e={$m[[int]$_.ifIndex]}});"
    "@{adapters=@(Get-NetAdapter|Select-Object Name,InterfaceDescription,ifIndex,Status,"
    "MacAddress,MediaConnectState,NdisPhysicalMedium,PhysicalMediaType,ReceiveLinkSpeed);"
    "routes=$r;addresses=@(Get-NetIPAddress -AddressFamily IPv4|Select-Object ifIndex,IPAddress);"
    "neighbors=@(Get-NetNeighbor -AddressFamily IPv4|Where-Object {$r.NextHop -contains"
    " $_.IPAddress}|Select-Object ifIndex,IPAddress,LinkLayerAddress)}|ConvertTo-Json -Depth 3"
)
ARGV = ("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", SCRIPT)

# NDIS_PHYSICAL_MEDIUM: 8 WirelessWan, 9 Native802_11, 14 802_3.
MEDIUM = {8: "cellular", 9: "wifi", 14: "ethernet"}
PHYSICAL_TYPE = {"Native 802.11": "wifi", "802.3": "ethernet", "Wireless WAN": "cellular"}


@dataclass(frozen=True)
class NetAdapter:
    """One `Get-NetAdapter` object, reduced to what the snapshot needs."""

    index: int
    name: str
    description: str
    interface_type: str
    connected: bool
    mac: str | None
    speed_mbps: float | None


def items(value: Any) -> list[dict[str, Any]]:
    """ConvertTo-Json gives one object for a single item and a list for several."""
    if isinstance(value, dict):
        return [value]
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def parse_adapters(value: Any) -> list[NetAdapter]:
    """`Get-NetAdapter | ConvertTo-Json` (parsed JSON) as adapters."""
    return [_adapter(item) for item in items(value) if isinstance(item.get("ifIndex"), int)]


def _adapter(item: dict[str, Any]) -> NetAdapter:
    description = str(item.get("InterfaceDescription") or "")
    kind = MEDIUM.get(item.get("NdisPhysicalMedium") or 0) or PHYSICAL_TYPE.get(
        str(item.get("PhysicalMediaType")), "unknown"
    )
    # NET_IF_MEDIA_CONNECT_STATE (ifdef.h): 1 connected, 2 disconnected, 0 unknown
    state = item.get("MediaConnectState", item.get("MediaConnectionState"))
    connected = state == 1 if isinstance(state, int) else str(item.get("Status")) == "Up"
    speed = item.get("ReceiveLinkSpeed")
    return NetAdapter(
        index=int(item["ifIndex"]),
        name=str(item.get("Name") or ""),
        description=description,
        interface_type=kind,
        connected=connected,
        mac=normalize_mac(str(item.get("MacAddress") or "")),
        speed_mbps=speed / 1e6 if isinstance(speed, int | float) and speed > 0 else None,
    )


def default_route(value: Any) -> tuple[tuple[int, str | None] | None, bool]:
    """((ifIndex, next hop) of the best 0.0.0.0/0 route, split route seen) from
    `Get-NetRoute`. The best route has the lowest RouteMetric + ifMetric (RFC 4191's
    interface metric plus the route's, as Windows adds them); next hop 0.0.0.0 is on-link."""
    routes = items(value)
    split = any(r.get("DestinationPrefix") in ("0.0.0.0/1", "128.0.0.0/1") for r in routes)
    defaults = [r for r in routes if r.get("DestinationPrefix") == "0.0.0.0/0"]
    if split:
        defaults = [r for r in routes if r.get("DestinationPrefix") == "0.0.0.0/1"] or defaults
    if not defaults:
        return None, split
    best = min(defaults, key=lambda r: int(r.get("RouteMetric") or 0) + int(r.get("ifMetric") or 0))
    hop = str(best.get("NextHop") or "")
    return (int(best.get("ifIndex") or 0), None if hop in ("", "0.0.0.0") else hop), split


def parse_snapshot(text: str) -> Snapshot | None:
    """A snapshot from SCRIPT's output; None when it is not that JSON (no PowerShell)."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or "adapters" not in data:
        return None
    adapters = parse_adapters(data.get("adapters"))
    addresses: dict[int, list[str]] = {}
    for item in items(data.get("addresses")):
        addresses.setdefault(int(item.get("ifIndex") or 0), []).append(str(item.get("IPAddress")))
    snap = Snapshot(interfaces=[_interface(a, addresses) for a in adapters])
    best, snap.vpn_route = default_route(data.get("routes"))
    if best is None:
        snap.notes.append("no default route: this machine is offline")
        return snap
    index, gateway = best
    adapter = next((a for a in adapters if a.index == index), None)
    snap.route = DefaultRoute(adapter.name if adapter else str(index), gateway)
    if adapter is not None:
        snap.interface_type, snap.link_speed_mbps = adapter.interface_type, adapter.speed_mbps
    snap.gateway_mac = _neighbor(data.get("neighbors"), gateway)
    return snap


def _interface(adapter: NetAdapter, addresses: dict[int, list[str]]) -> Interface:
    found = tuple(addresses.get(adapter.index, ()))
    return Interface(adapter.name, adapter.connected, found, adapter.description, "")


def _neighbor(value: Any, gateway: str | None) -> str | None:
    for item in items(value):
        if gateway and item.get("IPAddress") == gateway:
            return normalize_mac(str(item.get("LinkLayerAddress") or ""))
    return None
