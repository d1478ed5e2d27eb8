"""The facts a network snapshot holds: default route, link type, Wi-Fi link, VPN, gateway MAC."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

# Runs a command (argv) and returns its standard output, or None when the tool is
# missing, fails, or times out. Tests pass a fake that replays captured outputs.
Runner = Callable[[Sequence[str]], str | None]

INTERFACE_TYPES = ("ethernet", "wifi", "cellular", "unknown")


@dataclass(frozen=True)
class DefaultRoute:
    """The route packets to the internet take: the interface and the next hop (if any)."""

    interface: str
    gateway: str | None  # None on point-to-point links (ppp, tun) that have no next hop


@dataclass(frozen=True)
class WifiLink:
    """The current Wi-Fi association as the OS reports it. Absent values stay None."""

    ssid: str | None = None
    bssid: str | None = None
    rssi_dbm: float | None = None
    signal_pct: float | None = None  # the OS's own 0-100 quality figure, when it gives one
    noise_dbm: float | None = None
    tx_rate_mbps: float | None = None
    rx_rate_mbps: float | None = None
    channel: int | None = None
    band: str | None = None  # "2.4 GHz", "5 GHz" or "6 GHz"
    rssi_source: str = ""  # how rssi_dbm was obtained when it is derived, e.g. Windows quality


@dataclass(frozen=True)
class Interface:
    """One network interface as the VPN detector sees it."""

    name: str
    up: bool
    addresses: tuple[str, ...] = ()
    description: str = ""  # Windows adapter description (where VPN clients name themselves)
    kind: str = ""  # what the OS says it is: "tun", "ppp", "wireguard", "ether", ...


@dataclass
class Snapshot:
    """Everything read in one pass; `notes` say why a value is absent."""

    route: DefaultRoute | None = None
    interface_type: str = "unknown"
    wifi: WifiLink | None = None
    link_speed_mbps: float | None = None
    gateway_mac: str | None = None
    interfaces: list[Interface] = field(default_factory=list)
    vpn_route: bool = False  # a split default route (0/1 + 128/1) as VPN clients install
    notes: list[str] = field(default_factory=list)


def band_of(frequency_mhz: float) -> str | None:
    """The Wi-Fi band of a channel's centre frequency."""
    if 2400 <= frequency_mhz < 2500:
        return "2.4 GHz"
    if 4900 <= frequency_mhz < 5900:
        return "5 GHz"
    if 5925 <= frequency_mhz <= 7125:
        return "6 GHz"
    return None


def channel_of(frequency_mhz: float) -> int | None:
    """IEEE 802.11 channel number of a centre frequency (2.4, 5 and 6 GHz bands)."""
    mhz = round(frequency_mhz)
    if mhz == 2484:
        return 14
    if 2412 <= mhz <= 2472:
        return (mhz - 2407) // 5
    if 5000 <= mhz < 5900:
        return (mhz - 5000) // 5
    if 5955 <= mhz <= 7115:
        return (mhz - 5950) // 5
    return None


def band_of_channel(channel: int) -> str:
    """Band of a channel number when the OS gives no frequency (1-14 is 2.4 GHz)."""
    return "2.4 GHz" if 1 <= channel <= 14 else "5 GHz"


def normalize_mac(text: str) -> str | None:
    """Lower-case, colon-separated, zero-padded MAC; None for all-zero or malformed ones."""
    parts = text.strip().replace("-", ":").lower().split(":")
    if len(parts) != 6 or not all(1 <= len(p) <= 2 for p in parts):
        return None
    try:
        octets = [int(p, 16) for p in parts]
    except ValueError:
        return None
    if not any(octets):
        return None
    return ":".join(f"{o:02x}" for o in octets)
