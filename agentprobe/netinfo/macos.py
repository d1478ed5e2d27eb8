"""macOS: `route -n get default`, `networksetup -listallhardwareports` for the link type,
`wdutil info` (macOS 13+) or the older `airport -I` for Wi-Fi, `arp -n` for the gateway MAC.

Recent macOS redacts SSID and BSSID in `wdutil info` unless run as root; a redacted value
is treated as absent, never hashed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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

AIRPORT = (
    "/System/Library/PrivateFrameworks/Apple80211.framework/Versions/Current/Resources/airport"
)


def parse_route_get(text: str) -> DefaultRoute | None:
    values = labelled_values(text)
    interface = values.get("interface")
    if not interface:
        return None
    gateway = values.get("gateway")
    return DefaultRoute(interface, gateway if gateway and "." in gateway else None)


def parse_hardware_ports(text: str) -> dict[str, str]:
    """Device (en0) -> hardware port name (Wi-Fi, Ethernet, iPhone USB, ...)."""
    ports = {}
    port = ""
    for line in text.splitlines():
        if line.startswith("Hardware Port:"):
            port = line.split(":", 1)[1].strip()
        elif line.startswith("Device:") and port:
            ports[line.split(":", 1)[1].strip()] = port
    return ports


# USB Ethernet adapters whose driver names the port after the chip or the product:
# "AX88179A", "RTL8153", "USB 10/100/1000 LAN", "USB 10/100/1G/2.5G LAN", "LAN9512".
USB_ETHERNET = re.compile(r"\b(AX88\d{3}\w*|RTL81\d{2}\w*|LAN\d{4}|USB\b.*\bLAN)\b|Gigabit", re.I)


def port_type(port: str) -> str:
    if port in ("Wi-Fi", "AirPort"):
        return "wifi"
    if port.startswith("iPhone") or port.startswith("iPad") or "WWAN" in port:
        return "cellular"
    if "Ethernet" in port or "LAN" in port or port.startswith("Thunderbolt"):
        return "ethernet"
    if USB_ETHERNET.search(port):
        return "ethernet"
    return "unknown"


def _present(value: str | None) -> str | None:
    return None if not value or value in ("<redacted>", "None") else value


def parse_wdutil(text: str) -> WifiLink | None:
    """The WIFI section of `wdutil info`. Channel reads like "5g149/80" (band, number, width)."""
    section = text.split("\nWIFI\n", 1)[-1].split("\nBLUETOOTH", 1)[0]
    values = labelled_values(section)
    rssi = leading_number(values.get("RSSI", ""))
    if rssi is None or values.get("Op Mode") != "STA":
        return None
    channel, band = wdutil_channel(values.get("Channel", ""))
    return WifiLink(
        ssid=_present(values.get("SSID")),
        bssid=normalize_mac(_present(values.get("BSSID")) or ""),
        rssi_dbm=rssi,
        noise_dbm=leading_number(values.get("Noise", "")),
        tx_rate_mbps=leading_number(values.get("Tx Rate", "")),
        channel=channel,
        band=band,
    )


_BANDS = {"2": "2.4 GHz", "5": "5 GHz", "6": "6 GHz"}


def wdutil_channel(text: str) -> tuple[int | None, str | None]:
    """(channel, band) from wdutil's Channel: "5g149/80", "2g1/20" (band, number, width;
    macOS 13 and later) or "144 (40 MHz, DFS)" (macOS 12, number then width)."""
    tagged = re.match(r"\s*([256])g(\d+)", text)
    if tagged:
        return int(tagged.group(2)), _BANDS[tagged.group(1)]
    plain = re.match(r"\s*(\d+)\b", text)
    if plain:
        return int(plain.group(1)), band_of_channel(int(plain.group(1)))
    return None, None


def parse_airport(text: str) -> WifiLink | None:
    """`airport -I` (macOS 14.3 and earlier). Channel reads like "149,80"."""
    values = labelled_values(text)
    rssi = leading_number(values.get("agrCtlRSSI", ""))
    if rssi is None or values.get("state") != "running":
        return None
    channel = leading_number(values.get("channel", ""))
    return WifiLink(
        ssid=_present(values.get("SSID")),
        bssid=normalize_mac(values.get("BSSID", "")),
        rssi_dbm=rssi,
        noise_dbm=leading_number(values.get("agrCtlNoise", "")),
        tx_rate_mbps=leading_number(values.get("lastTxRate", "")),
        channel=int(channel) if channel else None,
        band=band_of_channel(int(channel)) if channel else None,
    )


def parse_arp(text: str) -> str | None:
    """`arp -n ADDRESS`: "? (192.168.1.1) at a0:b1:c2:d3:e4:f5 on en0 ifscope [ethernet]"."""
    match = re.search(r" at ([0-9a-fA-F:]+) on ", text)
    return normalize_mac(match.group(1)) if match else None


def read(run: Runner, interfaces: Sequence[Interface]) -> Snapshot:
    snap = Snapshot(interfaces=list(interfaces))
    snap.route = parse_route_get(run(["route", "-n", "get", "default"]) or "")
    if snap.route is None:
        snap.notes.append("no default route: this machine is offline")
        return snap
    ports = parse_hardware_ports(run(["networksetup", "-listallhardwareports"]) or "")
    port = ports.get(snap.route.interface, "")
    snap.interface_type = port_type(port) if port else "unknown"
    if snap.route.gateway:
        snap.gateway_mac = parse_arp(run(["arp", "-n", snap.route.gateway]) or "")
    if snap.interface_type == "wifi":
        snap.wifi = parse_wdutil(run(["wdutil", "info"]) or "") or parse_airport(
            run([AIRPORT, "-I"]) or ""
        )
        if snap.wifi is None:
            snap.notes.append("neither wdutil nor airport reported the Wi-Fi link")
    return snap
