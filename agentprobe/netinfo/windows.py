"""Windows: PowerShell's network objects and the Native Wifi API first (`powershell`,
`wlanapi`), which no display language changes; else the text of `route print -4` for the
default route, `ipconfig /all` for adapters and their kind, `netsh wlan show interfaces`
for Wi-Fi and `arp -a` for the gateway's MAC.

Those tools print labels, headers and values in the display language and no locale
variable changes that, so the text parsers match labels by keywords (`labels`) and read
what has no words (addresses, numbers) by its shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from agentprobe.netinfo import labels, powershell, wlanapi
from agentprobe.netinfo.model import (
    DefaultRoute,
    Interface,
    Runner,
    Snapshot,
    WifiLink,
    band_of_channel,
    normalize_mac,
)
from agentprobe.netinfo.text import leading_number

_HEADER = re.compile(r"^(\S.*?)\s*:\s*$")  # an unindented line ending in a colon
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
            adapters.append(_adapter(header.group(1)))
            continue
        if not adapters or not line.strip():
            continue
        if _LABELLED.search(line):  # " : ", or ".: " as French ipconfig prints it
            label, _, value = line.partition(":")
            label = label.strip(" .")
        else:
            value = line  # a continuation line under the previous label
        _apply(adapters[-1], label, value.strip())
    return adapters


def _adapter(header: str) -> Adapter:
    """An adapter from its header, in any language: "Drahtlos-LAN-Adapter WLAN"."""
    prefix = labels.ADAPTER_PREFIX.match(header)
    kind_text = prefix.group(0) if prefix else header
    name = header[prefix.end() :].strip() if prefix else header
    for kind, words in (
        ("Wireless LAN", labels.WIFI_HEADER),
        ("Mobile Broadband", labels.CELLULAR_HEADER),
        ("PPP", labels.PPP_HEADER),
        ("Tunnel", labels.TUNNEL_HEADER),
        ("Ethernet", labels.ETHERNET_HEADER),
    ):
        if labels.has(kind_text, words):
            return Adapter(name or header, kind)
    return Adapter(name or header, "Unknown")


def _apply(adapter: Adapter, label: str, value: str) -> None:
    if labels.has(label, labels.MEDIA):
        adapter.connected = not labels.has(value, labels.DISCONNECTED)
    elif labels.has(label, labels.DESCRIPTION):
        adapter.description = value
    elif labels.has(label, labels.PHYSICAL):
        adapter.mac = normalize_mac(value)
    elif labels.has(label, labels.IPV4) and (address := _IPV4.match(value)):
        adapter.ipv4.append(address.group(0))
    elif labels.has(label, labels.GATEWAY) and _IPV4.fullmatch(value):
        adapter.gateways.append(value)


_IPV4 = re.compile(r"\d+\.\d+\.\d+\.\d+")
_LABELLED = re.compile(r":(\s|$)")


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
    """The first connected interface of `netsh wlan show interfaces`, in any language.

    Windows 11 24H2 prints `Rssi` in dBm beside `Signal`, which is preferred; older builds
    print only `Signal` as a percentage, which the WLAN API defines as linear from -100 dBm
    (0%) to -50 dBm (100%). 24H2 also names the BSSID "AP BSSID" and adds `Band`.
    """
    block = next((b for b in netsh_blocks(text) if _connected(b)), None)
    if block is None:
        return None
    signal, rssi = _pick(block, labels.SIGNAL), _pick(block, labels.RSSI)
    source = ""
    if rssi is None and signal is not None:
        rssi, source = signal / 2 - 100, "Windows signal quality"
    channel = _pick(block, labels.CHANNEL)
    return WifiLink(
        ssid=next((v for k, v in block if labels.normal(k) == "ssid" and v), None),
        bssid=_bssid(block),
        rssi_dbm=rssi,
        signal_pct=signal,
        tx_rate_mbps=_pick(block, labels.TRANSMIT),
        rx_rate_mbps=_pick(block, labels.RECEIVE),
        channel=int(channel) if channel else None,
        band=_band(block) or (band_of_channel(int(channel)) if channel else None),
        rssi_source=source,
    )


_NETSH_LINE = re.compile(r"^\s*([^:\s][^:]*?)\s*:(?:\s+(.*))?$")


def netsh_blocks(text: str) -> list[list[tuple[str, str]]]:
    """`label : value` pairs, one list per interface (a label seen twice starts the next)."""
    blocks: list[list[tuple[str, str]]] = [[]]
    for line in text.splitlines():
        found = _NETSH_LINE.match(line)
        if not found or not line[:1].isspace():
            continue
        label, value = found.group(1), (found.group(2) or "").strip()
        if any(labels.normal(label) == labels.normal(seen) for seen, _ in blocks[-1]):
            blocks.append([])
        blocks[-1].append((label, value))
    return [block for block in blocks if block]


def _connected(block: list[tuple[str, str]]) -> bool:
    state = next((v for k, v in block if labels.has(k, labels.STATE)), "")
    return state.strip().lower() in labels.CONNECTED


def _pick(block: list[tuple[str, str]], words: tuple[str, ...]) -> float | None:
    """The number in the first value whose label has one of `words` ("960,7" is 960.7)."""
    for label, value in block:
        if labels.has(label, words):
            return leading_number(value.replace(",", "."))
    return None


def _bssid(block: list[tuple[str, str]]) -> str | None:
    for label, value in block:
        if labels.has(label, labels.BSSID) and normalize_mac(value):
            return normalize_mac(value)
    return None


def _band(block: list[tuple[str, str]]) -> str | None:
    ghz = _pick(block, labels.BAND)
    return {2.4: "2.4 GHz", 5.0: "5 GHz", 6.0: "6 GHz"}.get(ghz) if ghz else None


def parse_arp(text: str, address: str) -> str | None:
    """The MAC of `address` in `arp -a` output (dash-separated on Windows)."""
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 2 and fields[0] == address:
            return normalize_mac(fields[1])
    return None


def read(run: Runner, wifi: Callable[[], WifiLink | None] = wlanapi.read_wifi) -> Snapshot:
    """PowerShell's objects where PowerShell answers, else the text tools; Wi-Fi from the
    Native Wifi API, else `netsh`. Only the text tools depend on the display language."""
    snap = powershell.parse_snapshot(run(powershell.ARGV) or "")
    if snap is None:
        snap = _read_text(run)
    if snap.interface_type == "wifi":
        snap.wifi = wifi() or parse_netsh_wlan(run(["netsh", "wlan", "show", "interfaces"]) or "")
        if snap.wifi is None:
            snap.notes.append("neither the WLAN API nor netsh reported a connected interface")
    return snap


def _read_text(run: Runner) -> Snapshot:
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
    on_link = not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", gateway)  # "On-link", "Auf Verbindung"
    snap.route = DefaultRoute(adapter.name, None if on_link else gateway)
    snap.interface_type = adapter.interface_type
    if snap.route.gateway:
        snap.gateway_mac = parse_arp(run(["arp", "-a"]) or "", snap.route.gateway)
    return snap


def _interface(adapter: Adapter) -> Interface:
    kind = {"PPP": "ppp"}.get(adapter.header, adapter.header.lower())
    return Interface(
        adapter.name, adapter.connected, tuple(adapter.ipv4), adapter.description, kind
    )
