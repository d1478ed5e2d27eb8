"""Windows: `route print -4` for the default route, `ipconfig /all` for adapters and their
kind, `netsh wlan show interfaces` for Wi-Fi, `arp -a` for the gateway's MAC.

The parsers read the English output of these tools; on other display languages the
labels differ, and the check says which values it could not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from agentprobe.netinfo.model import (
    DefaultRoute,
    Interface,
    Runner,
    Snapshot,
    WifiLink,
    band_of_channel,
    normalize_mac,
)
from agentprobe.netinfo.text import labelled_values, leading_number

_HEADER = re.compile(r"^(\S.*?) adapter (.+):\s*$")
_KINDS = {"Ethernet": "ethernet", "Wireless LAN": "wifi", "Mobile Broadband": "cellular"}


@dataclass
class Adapter:
    """One block of `ipconfig /all`."""

    name: str
    header: str  # "Ethernet", "Wireless LAN", "Mobile Broadband", "PPP", "Unknown", "Tunnel"
    description: str = ""
    mac: str | None = None
    ipv4: list[str] = field(default_factory=list)
    gateways: list[str] = field(default_factory=list)
    connected: bool = True

    @property
    def interface_type(self) -> str:
        return _KINDS.get(self.header, "unknown")


def parse_ipconfig(text: str) -> list[Adapter]:
    adapters: list[Adapter] = []
    label = ""
    for line in text.splitlines():
        header = _HEADER.match(line)
        if header:
            adapters.append(Adapter(header.group(2).strip(), header.group(1)))
            continue
        if not adapters or not line.strip():
            continue
        if " : " in line or line.rstrip().endswith(":"):
            label, _, value = line.partition(":")
            label = label.strip(" .")
        else:
            value = line  # a continuation line under the previous label
        _apply(adapters[-1], label, value.strip())
    return adapters


def _apply(adapter: Adapter, label: str, value: str) -> None:
    if label == "Media State":
        adapter.connected = value != "Media disconnected"
    elif label == "Description":
        adapter.description = value
    elif label == "Physical Address":
        adapter.mac = normalize_mac(value)
    elif label == "IPv4 Address" and value:
        adapter.ipv4.append(value.split("(")[0])
    elif label == "Default Gateway" and re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value):
        adapter.gateways.append(value)


def parse_route_print(text: str) -> tuple[tuple[str, str] | None, bool]:
    """((gateway, interface address) of the lowest-metric default route, split route seen)."""
    defaults: list[tuple[int, str, str]] = []
    split = False
    for line in text.splitlines():
        fields = line.split()
        if len(fields) != 5 or not fields[4].isdigit():
            continue
        destination, mask, gateway, interface, metric = fields
        if destination == "0.0.0.0" and mask == "0.0.0.0":
            defaults.append((int(metric), gateway, interface))
        elif destination in ("0.0.0.0", "128.0.0.0") and mask == "128.0.0.0":
            split = True
    if not defaults:
        return None, split
    _, gateway, interface = min(defaults)
    return (gateway, interface), split


def parse_netsh_wlan(text: str) -> WifiLink | None:
    """The first connected interface of `netsh wlan show interfaces`.

    Windows 11 prints `Rssi` in dBm; older builds print only `Signal` as a percentage,
    which the WLAN API defines as linear from -100 dBm (0%) to -50 dBm (100%).
    """
    values = labelled_values(text, " : ")
    if values.get("State") != "connected":
        return None
    signal = leading_number(values.get("Signal", ""))
    rssi = leading_number(values.get("Rssi", ""))
    source = ""
    if rssi is None and signal is not None:
        rssi, source = signal / 2 - 100, "Windows signal quality"
    channel = leading_number(values.get("Channel", ""))
    band = values.get("Band") or (band_of_channel(int(channel)) if channel else None)
    return WifiLink(
        ssid=values.get("SSID") or None,
        bssid=normalize_mac(values.get("BSSID") or values.get("AP BSSID") or ""),
        rssi_dbm=rssi,
        signal_pct=signal,
        tx_rate_mbps=leading_number(values.get("Transmit rate (Mbps)", "")),
        rx_rate_mbps=leading_number(values.get("Receive rate (Mbps)", "")),
        channel=int(channel) if channel else None,
        band=band,
        rssi_source=source,
    )


def parse_arp(text: str, address: str) -> str | None:
    """The MAC of `address` in `arp -a` output (dash-separated on Windows)."""
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == address:
            return normalize_mac(fields[1])
    return None


def read(run: Runner) -> Snapshot:
    adapters = parse_ipconfig(run(["ipconfig", "/all"]) or "")
    snap = Snapshot(interfaces=[_interface(a) for a in adapters])
    if not adapters:
        snap.notes.append("ipconfig /all gave no adapters")
    best, snap.vpn_route = parse_route_print(run(["route", "print", "-4"]) or "")
    if best is None:
        snap.notes.append("no default route: this machine is offline")
        return snap
    gateway, address = best
    adapter = next((a for a in adapters if address in a.ipv4), None)
    if adapter is None:
        snap.notes.append(f"no adapter in ipconfig holds {address}")
        snap.route = DefaultRoute(address, gateway)
        return snap
    snap.route = DefaultRoute(adapter.name, None if gateway == "On-link" else gateway)
    snap.interface_type = adapter.interface_type
    if snap.route.gateway:
        snap.gateway_mac = parse_arp(run(["arp", "-a"]) or "", snap.route.gateway)
    if snap.interface_type == "wifi":
        snap.wifi = parse_netsh_wlan(run(["netsh", "wlan", "show", "interfaces"]) or "")
        if snap.wifi is None:
            snap.notes.append("netsh reported no connected Wi-Fi interface")
    return snap


def _interface(adapter: Adapter) -> Interface:
    kind = {"PPP": "ppp"}.get(adapter.header, adapter.header.lower())
    return Interface(
        adapter.name, adapter.connected, tuple(adapter.ipv4), adapter.description, kind
    )
