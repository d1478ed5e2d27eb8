"""Linux: the default route from /proc/net/route (or `ip -4 route show default` where /proc/net
is hidden), link type from /sys/class/net, Wi-Fi from /proc/net/wireless, `iw dev IF link`
or `nmcli`, and the gateway's MAC from /proc/net/arp.

Parsers take text; `read` takes a root directory (normally "/") so tests point it at a
fixture tree, and a runner for the two commands.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import struct
from collections.abc import Mapping
from pathlib import Path

from agentprobe.netinfo.model import (
    DefaultRoute,
    Interface,
    Runner,
    Snapshot,
    WifiLink,
    band_of,
    channel_of,
    normalize_mac,
)
from agentprobe.netinfo.text import leading_number

RTF_UP, RTF_GATEWAY = 0x1, 0x2
IFF_UP = 0x1
ARPHRD_ETHER, ARPHRD_PPP, ARPHRD_NONE = 1, 512, 65534


def _ipv4(hex_le: str) -> str:
    """An address as /proc prints it (little-endian hex) in dotted form."""
    return socket.inet_ntoa(struct.pack("<I", int(hex_le, 16)))


def parse_proc_route(text: str) -> list[tuple[str, str, str, int, int, str]]:
    """(interface, destination, gateway, flags, metric, mask) for each IPv4 route."""
    routes = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        flags, metric = int(fields[3], 16), int(fields[6])
        routes.append(
            (fields[0], _ipv4(fields[1]), _ipv4(fields[2]), flags, metric, _ipv4(fields[7]))
        )
    return routes


def default_route(text: str) -> tuple[DefaultRoute | None, bool]:
    """The default route with the lowest metric, and whether a VPN split route (0/1, 128/1)
    exists. A split route wins: it is more specific, so it carries the traffic."""
    routes = [r for r in parse_proc_route(text) if r[3] & RTF_UP]
    split = [r for r in routes if r[5] == "128.0.0.0" and r[1] in ("0.0.0.0", "128.0.0.0")]
    defaults = [r for r in routes if r[1] == "0.0.0.0" and r[5] == "0.0.0.0"]
    defaults.sort(key=lambda r: r[4])
    chosen = split[0] if split else (defaults[0] if defaults else None)
    if chosen is None:
        return None, False
    gateway = chosen[2] if chosen[3] & RTF_GATEWAY else None
    return DefaultRoute(chosen[0], gateway), bool(split)


def parse_ip_route(text: str) -> DefaultRoute | None:
    """The lowest-metric default route in `ip -4 route show` output (no metric is 0)."""
    best: tuple[int, DefaultRoute] | None = None
    for line in text.splitlines():
        words = line.split()
        if not words or words[0] != "default" or "dev" not in words[:-1]:
            continue
        after = {word: words[i + 1] for i, word in enumerate(words[:-1])}  # "via X dev Y"
        metric = int(after["metric"]) if after.get("metric", "").isdigit() else 0
        route = DefaultRoute(after["dev"], after.get("via"))
        if best is None or metric < best[0]:
            best = (metric, route)
    return best[1] if best else None


def parse_proc_wireless(text: str) -> dict[str, tuple[float | None, float | None]]:
    """Interface -> (signal level dBm, noise dBm) from /proc/net/wireless.

    Old drivers print levels as unsigned bytes (198 means -58 dBm); -256 means unknown.
    """
    levels: dict[str, tuple[float | None, float | None]] = {}
    for line in text.splitlines()[2:]:
        name, _, rest = line.partition(":")
        fields = rest.split()
        if len(fields) < 4:
            continue
        levels[name.strip()] = (_dbm(fields[2]), _dbm(fields[3]))
    return levels


def _dbm(field: str) -> float | None:
    """A level in dBm: negative as printed, or an unsigned byte (156..255 is -100..-1 dBm).
    Other positive values are a driver's relative level (wireless.h IW_QUAL_DBM unset)."""
    value = float(field.rstrip("."))
    if -256 < value < 0:
        return value
    return value - 256 if value >= 156 else None


def parse_iw_link(text: str) -> WifiLink | None:
    """`iw dev IF link`: None when not connected."""
    match = re.search(r"^Connected to ([0-9a-fA-F:]{17})", text, re.M)
    if not match:
        return None
    values = dict(re.findall(r"^\s+([a-zA-Z ]+):\s*(.*)$", text, re.M))
    freq = leading_number(values.get("freq", ""))
    return WifiLink(
        ssid=values.get("SSID"),
        bssid=normalize_mac(match.group(1)),
        rssi_dbm=leading_number(values.get("signal", "")),
        tx_rate_mbps=leading_number(values.get("tx bitrate", "")),
        rx_rate_mbps=leading_number(values.get("rx bitrate", "")),
        channel=channel_of(freq) if freq else None,
        band=band_of(freq) if freq else None,
    )


NMCLI_FIELDS = "ACTIVE,SSID,BSSID,CHAN,FREQ,RATE,SIGNAL,DEVICE"


def parse_nmcli_wifi(text: str, device: str) -> WifiLink | None:
    """`nmcli -t -f ACTIVE,SSID,BSSID,CHAN,FREQ,RATE,SIGNAL,DEVICE device wifi list`.

    NetworkManager gives signal only as a 0-100 quality, so no dBm comes from here.
    """
    for line in text.splitlines():
        fields = [f.replace("\\:", ":") for f in re.split(r"(?<!\\):", line)]
        if len(fields) != 8 or fields[0] != "yes" or fields[7] != device:
            continue
        freq = leading_number(fields[4])
        return WifiLink(
            ssid=fields[1] or None,
            bssid=normalize_mac(fields[2]),
            signal_pct=leading_number(fields[6]),
            tx_rate_mbps=leading_number(fields[5]),
            channel=int(fields[3]) if fields[3].isdigit() else None,
            band=band_of(freq) if freq else None,
        )
    return None


def parse_proc_arp(text: str, address: str) -> str | None:
    """The MAC of `address` in /proc/net/arp, if the entry is complete (flags 0x2)."""
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 6 and fields[0] == address and int(fields[2], 16) & 0x2:
            return normalize_mac(fields[3])
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def _uevent(net: Path) -> dict[str, str]:
    text = _read(net / "uevent") or ""
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def interface_type(net: Path) -> str:
    """ethernet / wifi / cellular / unknown from one /sys/class/net/IF directory."""
    devtype = _uevent(net).get("DEVTYPE", "")
    if devtype == "wlan" or (net / "wireless").exists() or (net / "phy80211").exists():
        return "wifi"
    if devtype == "wwan" or net.name.startswith("ww"):
        return "cellular"
    kind = _read(net / "type")
    if kind is not None and int(kind) == ARPHRD_ETHER and not (net / "tun_flags").exists():
        return "ethernet"
    return "unknown"


def interface_kind(net: Path) -> str:
    """What the kernel says the interface is, for VPN detection."""
    devtype = _uevent(net).get("DEVTYPE", "")
    kind = int(_read(net / "type") or 0)
    if devtype == "wireguard":
        return "wireguard"
    if (net / "tun_flags").exists():
        return "tun" if kind == ARPHRD_NONE else "tap"
    return {ARPHRD_PPP: "ppp", ARPHRD_NONE: "tun"}.get(kind, devtype or "ether")


def list_interfaces(root: Path, addresses: Mapping[str, tuple[str, ...]]) -> list[Interface]:
    interfaces = []
    base = root / "sys/class/net"
    for net in sorted(base.iterdir()) if base.is_dir() else []:
        flags = int(_read(net / "flags") or "0", 16)
        up = bool(flags & IFF_UP)
        interfaces.append(
            Interface(net.name, up, addresses.get(net.name, ()), kind=interface_kind(net))
        )
    return interfaces


def link_speed(net: Path) -> float | None:
    """Negotiated speed in Mbit/s; the kernel says -1 (or refuses) when it does not know."""
    text = _read(net / "speed")
    speed = int(text) if text and text.strip().lstrip("-").isdigit() else -1
    return float(speed) if speed > 0 else None


def read(run: Runner, root: Path, addresses: Mapping[str, tuple[str, ...]]) -> Snapshot:
    """A snapshot from a Linux /proc and /sys under `root`, plus `iw`/`nmcli` via `run`."""
    snap = Snapshot(interfaces=list_interfaces(root, addresses))
    route_text = _read(root / "proc/net/route")
    if route_text is not None:
        snap.route, snap.vpn_route = default_route(route_text)
    else:  # a container or a hardened kernel may hide /proc/net; ask iproute2 instead
        snap.route = parse_ip_route(run(["ip", "-4", "route", "show", "default"]) or "")
        if snap.route is None:
            snap.notes.append("/proc/net/route is not readable")
            return snap
    if snap.route is None:
        snap.notes.append("no default route: this machine is offline")
        return snap
    net = root / "sys/class/net" / snap.route.interface
    snap.interface_type = interface_type(net)
    snap.link_speed_mbps = link_speed(net)
    if snap.route.gateway:
        snap.gateway_mac = parse_proc_arp(_read(root / "proc/net/arp") or "", snap.route.gateway)
    if snap.interface_type == "wifi":
        snap.wifi = _wifi(run, root, snap.route.interface, snap.notes)
    return snap


def _wifi(run: Runner, root: Path, device: str, notes: list[str]) -> WifiLink | None:
    text = run(["iw", "dev", device, "link"])
    link = parse_iw_link(text) if text else None
    if link is None:
        nmcli = run(["nmcli", "-t", "-f", NMCLI_FIELDS, "device", "wifi", "list", "--rescan", "no"])
        link = parse_nmcli_wifi(nmcli, device) if nmcli else None
    if link is None:
        notes.append(f"neither iw nor nmcli reported the Wi-Fi link on {device}")
        return None
    if link.rssi_dbm is None:
        level, noise = parse_proc_wireless(_read(root / "proc/net/wireless") or "").get(
            device, (None, None)
        )
        if level is None:
            notes.append("the driver reports no signal level in dBm")
        link = dataclasses.replace(link, rssi_dbm=level, noise_dbm=noise)
    return link
