"""The language-independent Windows sources: PowerShell's JSON and the Native Wifi API.

No public capture of the agent's own PowerShell script exists, so the JSON here is built
from the property names and values the cmdlets document (MSFT_NetAdapter, MSFT_NetRoute,
MSFT_NetIPAddress, MSFT_NetNeighbor); the WLAN buffer is packed by wlanapi.h's layout.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence

from agentprobe.netinfo import powershell, windows, wlanapi
from agentprobe.netinfo.model import DefaultRoute, WifiLink

ADAPTERS = [
    {"Name": "WLAN", "InterfaceDescription": "Intel(R) Wi-Fi 6 AX201 160MHz", "ifIndex": 12,
     "Status": "Up", "MacAddress": "A8-7E-EA-55-26-B0", "MediaConnectState": 1,
     "NdisPhysicalMedium": 9, "PhysicalMediaType": "Native 802.11",
     "ReceiveLinkSpeed": 866700000, "TransmitLinkSpeed": 866700000},
    {"Name": "Ethernet 2",
     "InterfaceDescription": "ASIX AX88179A USB 3.2 Gen1 to Gigabit Ethernet Adapter",
     "ifIndex": 16, "Status": "Disconnected", "MacAddress": "F8-E4-3B-AD-F2-6D",
     "MediaConnectState": 2, "NdisPhysicalMedium": 14, "PhysicalMediaType": "802.3",
     "ReceiveLinkSpeed": 0, "TransmitLinkSpeed": 0},
    {"Name": "Tailscale", "InterfaceDescription": "Tailscale Tunnel", "ifIndex": 8,
     "Status": "Up", "MacAddress": "", "MediaConnectState": 1, "NdisPhysicalMedium": 0,
     "PhysicalMediaType": "Unspecified", "ReceiveLinkSpeed": 100000000000},
]  # fmt: skip
SNAPSHOT = {
    "adapters": ADAPTERS,
    "routes": [
        {"DestinationPrefix": "0.0.0.0/0", "ifIndex": 12, "InterfaceAlias": "WLAN",
         "NextHop": "192.168.1.1", "RouteMetric": 0, "ifMetric": 35},
        {"DestinationPrefix": "0.0.0.0/0", "ifIndex": 16, "InterfaceAlias": "Ethernet 2",
         "NextHop": "10.50.13.1", "RouteMetric": 0, "ifMetric": 50},
    ],
    "addresses": [{"ifIndex": 12, "IPAddress": "192.168.1.169"},
                  {"ifIndex": 8, "IPAddress": "100.115.71.66"}],
    "neighbors": [{"ifIndex": 12, "IPAddress": "192.168.1.1",
                   "LinkLayerAddress": "9C-53-22-4B-71-D8"}],
}  # fmt: skip


def test_powershell_snapshot_picks_the_lowest_metric_default_route() -> None:
    snap = powershell.parse_snapshot(json.dumps(SNAPSHOT))
    assert snap is not None
    assert (snap.route, snap.interface_type, snap.link_speed_mbps, snap.gateway_mac) == (
        DefaultRoute("WLAN", "192.168.1.1"), "wifi", 866.7, "9c:53:22:4b:71:d8"
    )  # fmt: skip
    assert [(i.name, i.up, i.addresses) for i in snap.interfaces] == [
        ("WLAN", True, ("192.168.1.169",)),
        ("Ethernet 2", False, ()),
        ("Tailscale", True, ("100.115.71.66",)),
    ]


def test_a_single_adapter_is_an_object_not_a_list() -> None:
    adapters = powershell.parse_adapters(ADAPTERS[1])
    assert [(a.name, a.interface_type, a.connected) for a in adapters] == [
        ("Ethernet 2", "ethernet", False)
    ]


def test_split_vpn_route_and_on_link_next_hop() -> None:
    routes = [
        {"DestinationPrefix": "0.0.0.0/0", "ifIndex": 12, "NextHop": "192.168.1.1",
         "RouteMetric": 0, "ifMetric": 35},
        {"DestinationPrefix": "0.0.0.0/1", "ifIndex": 30, "NextHop": "0.0.0.0",
         "RouteMetric": 0, "ifMetric": 5},
    ]  # fmt: skip
    assert powershell.default_route(routes) == ((30, None), True)
    assert powershell.default_route([]) == (None, False)


def test_text_is_not_powershell_json() -> None:
    assert powershell.parse_snapshot("") is None
    assert powershell.parse_snapshot("Der Befehl wurde nicht gefunden.") is None


def connection(state: int, ssid: bytes, quality: int, rx: int, tx: int) -> bytes:
    """A WLAN_CONNECTION_ATTRIBUTES buffer laid out as wlanapi.h declares it."""
    head = struct.pack("<II", state, 0) + b"\0" * 512
    association = struct.pack("<I32sI6s2xIIIII", len(ssid), ssid, 1,
                              bytes.fromhex("9c53224b71e0"), 7, 0, quality, rx, tx)  # fmt: skip
    return head + association + b"\0" * 16


def test_wlan_api_connection_attributes() -> None:
    data = connection(1, b"Kingfisher-5G", 78, 866700, 780000)
    assert len(data) == wlanapi.CONNECTION_SIZE
    assert wlanapi.parse_connection(data, channel=36, rssi=-61) == WifiLink(
        "Kingfisher-5G", "9c:53:22:4b:71:e0", -61.0, 78.0, None, 780.0, 866.7, 36, "5 GHz"
    )
    derived = wlanapi.parse_connection(data)
    assert derived is not None and (derived.rssi_dbm, derived.rssi_source) == (
        -61.0, "Windows signal quality"
    )  # fmt: skip
    assert wlanapi.parse_connection(connection(4, b"x", 0, 0, 0)) is None
    assert wlanapi.parse_connection(b"") is None


class Runner:
    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs

    def __call__(self, argv: Sequence[str]) -> str | None:
        return self.outputs.get(argv[0])


def test_windows_read_prefers_powershell_and_the_wlan_api() -> None:
    link = WifiLink("Kingfisher-5G", rssi_dbm=-61.0)
    snap = windows.read(Runner({"powershell.exe": json.dumps(SNAPSHOT)}), lambda: link)
    assert (snap.route, snap.wifi) == (DefaultRoute("WLAN", "192.168.1.1"), link)


def test_windows_read_falls_back_to_the_text_tools() -> None:
    snap = windows.read(Runner({"ipconfig": "", "route": ""}), lambda: None)
    assert snap.route is None
    assert snap.notes == [
        "ipconfig /all gave no adapters",
        "no default route: this machine is offline",
    ]
