"""OS parsers on captured outputs: exact values from Linux, Windows and macOS tools."""

from __future__ import annotations

import pytest

from agentprobe.netinfo import linux, macos, windows
from agentprobe.netinfo.icmp import checksum, echo_request, parse_ping, reply_sequence
from agentprobe.netinfo.model import (
    DefaultRoute,
    WifiLink,
    band_of,
    channel_of,
    normalize_mac,
)
from tests.fakes import data


def test_linux_default_route_and_gateway() -> None:
    route, split = linux.default_route(data("linux/proc_net_route_wifi.txt"))
    assert (route, split) == (DefaultRoute("wlp0s20f3", "192.168.1.254"), False)


def test_linux_lowest_metric_default_wins() -> None:
    route, _ = linux.default_route(data("linux/proc_net_route_two_defaults.txt"))
    assert route == DefaultRoute("enp0s31f6", "192.168.1.254")


def test_linux_split_vpn_route_carries_traffic() -> None:
    route, split = linux.default_route(data("linux/proc_net_route_vpn_split.txt"))
    assert (route, split) == (DefaultRoute("tun0", "10.8.0.1"), True)


def test_linux_offline_has_no_default_route() -> None:
    assert linux.default_route(data("linux/proc_net_route_offline.txt")) == (None, False)


def test_linux_proc_net_route_fields() -> None:
    rows = linux.parse_proc_route(data("linux/proc_net_route_vpn_split.txt"))
    assert rows[-1] == ("wlp0s20f3", "203.123.30.42", "192.168.1.254", 7, 600, "255.255.255.255")


def test_linux_proc_net_wireless_signed_and_unsigned_levels() -> None:
    assert linux.parse_proc_wireless(data("linux/proc_net_wireless.txt")) == {
        "wlp0s20f3": (-61.0, None)
    }
    assert linux.parse_proc_wireless(data("linux/proc_net_wireless_unsigned.txt")) == {
        "wlan0": (-58.0, -95.0)
    }


def test_linux_iw_link_5ghz() -> None:
    assert linux.parse_iw_link(data("linux/iw_link_5ghz.txt")) == WifiLink(
        ssid="Kingfisher-5G",
        bssid="9c:53:22:4b:71:e0",
        rssi_dbm=-61.0,
        tx_rate_mbps=780.0,
        rx_rate_mbps=866.7,
        channel=36,
        band="5 GHz",
    )


def test_linux_iw_link_older_iw_on_2ghz() -> None:
    link = linux.parse_iw_link(data("linux/iw_link_2ghz_old.txt"))
    assert link == WifiLink(
        ssid="TALKTALK-5A10F0",
        bssid="04:d4:c4:5a:10:f1",
        rssi_dbm=-78.0,
        tx_rate_mbps=52.0,
        rx_rate_mbps=65.0,
        channel=6,
        band="2.4 GHz",
    )


def test_linux_iw_not_connected() -> None:
    assert linux.parse_iw_link(data("linux/iw_link_not_connected.txt")) is None


def test_linux_nmcli_active_network_has_no_dbm() -> None:
    link = linux.parse_nmcli_wifi(data("linux/nmcli_wifi.txt"), "wlp0s20f3")
    assert link == WifiLink(
        ssid="Kingfisher-5G",
        bssid="9c:53:22:4b:71:e0",
        signal_pct=74.0,
        tx_rate_mbps=540.0,
        channel=36,
        band="5 GHz",
    )
    assert linux.parse_nmcli_wifi(data("linux/nmcli_wifi.txt"), "wlan1") is None


def test_linux_arp_only_complete_entries() -> None:
    text = data("linux/proc_net_arp.txt")
    assert linux.parse_proc_arp(text, "192.168.1.254") == "9c:53:22:4b:71:d8"
    assert linux.parse_proc_arp(text, "192.168.1.23") is None


def test_windows_ipconfig_adapters() -> None:
    adapters = windows.parse_ipconfig(data("windows/ipconfig_all.txt"))
    assert [(a.name, a.interface_type, a.connected) for a in adapters] == [
        ("Ethernet", "ethernet", False),
        ("Ethernet 3", "ethernet", False),
        ("Local Area Connection* 1", "wifi", False),
        ("Wi-Fi", "wifi", True),
        ("Bluetooth Network Connection", "ethernet", False),
    ]
    wifi = adapters[3]
    assert wifi.description == "Intel(R) Wi-Fi 6 AX201 160MHz"
    assert (wifi.mac, wifi.ipv4, wifi.gateways) == (
        "3c:58:c2:11:22:33",
        ["192.168.1.57"],
        ["192.168.1.254"],
    )
    assert adapters[1].description == "TAP-Windows Adapter V9"


def test_windows_route_print_default() -> None:
    assert windows.parse_route_print(data("windows/route_print.txt")) == (
        ("192.168.1.254", "192.168.1.57"),
        False,
    )


def test_windows_netsh_win10_derives_dbm_from_quality() -> None:
    link = windows.parse_netsh_wlan(data("windows/netsh_wlan_interfaces_win10.txt"))
    assert link == WifiLink(
        ssid="Kingfisher-5G",
        bssid="9c:53:22:4b:71:e0",
        rssi_dbm=-58.0,
        signal_pct=84.0,
        tx_rate_mbps=866.7,
        rx_rate_mbps=866.7,
        channel=36,
        band="5 GHz",
        rssi_source="Windows signal quality",
    )


def test_windows_netsh_win11_reports_rssi_and_band() -> None:
    link = windows.parse_netsh_wlan(data("windows/netsh_wlan_interfaces_win11.txt"))
    assert link == WifiLink(
        ssid="Kingfisher",
        bssid="9c:53:22:4b:71:df",
        rssi_dbm=-72.0,
        signal_pct=62.0,
        tx_rate_mbps=86.0,
        rx_rate_mbps=143.4,
        channel=11,
        band="2.4 GHz",
    )


def test_windows_netsh_disconnected() -> None:
    assert windows.parse_netsh_wlan(data("windows/netsh_wlan_interfaces_disconnected.txt")) is None


def test_windows_arp() -> None:
    assert windows.parse_arp(data("windows/arp_a.txt"), "192.168.1.254") == "9c:53:22:4b:71:d8"
    assert windows.parse_arp(data("windows/arp_a.txt"), "192.168.1.1") is None


def test_macos_route_get() -> None:
    assert macos.parse_route_get(data("macos/route_get_default.txt")) == DefaultRoute(
        "en0", "192.168.1.254"
    )
    assert macos.parse_route_get(data("macos/route_get_default_utun.txt")) == DefaultRoute(
        "utun4", None
    )


def test_macos_hardware_ports_and_types() -> None:
    ports = macos.parse_hardware_ports(data("macos/networksetup_listallhardwareports.txt"))
    assert ports == {
        "en4": "Ethernet Adapter (en4)",
        "en5": "Ethernet Adapter (en5)",
        "bridge0": "Thunderbolt Bridge",
        "en0": "Wi-Fi",
        "en7": "USB 10/100/1000 LAN",
        "en8": "iPhone USB",
        "en1": "Thunderbolt 1",
    }
    kinds = {device: macos.port_type(port) for device, port in ports.items()}
    assert kinds == {
        "en4": "ethernet",
        "en5": "ethernet",
        "bridge0": "ethernet",
        "en0": "wifi",
        "en7": "ethernet",
        "en8": "cellular",
        "en1": "ethernet",
    }


def test_macos_wdutil() -> None:
    assert macos.parse_wdutil(data("macos/wdutil_info.txt")) == WifiLink(
        ssid="Kingfisher-5G",
        bssid="9c:53:22:4b:71:e0",
        rssi_dbm=-58.0,
        noise_dbm=-93.0,
        tx_rate_mbps=702.0,
        channel=36,
        band="5 GHz",
    )


def test_macos_wdutil_redacted_locators_are_absent() -> None:
    assert macos.parse_wdutil(data("macos/wdutil_info_redacted.txt")) == WifiLink(
        rssi_dbm=-71.0, noise_dbm=-95.0, tx_rate_mbps=288.0, channel=37, band="6 GHz"
    )


def test_macos_airport() -> None:
    assert macos.parse_airport(data("macos/airport_I.txt")) == WifiLink(
        ssid="Kingfisher",
        bssid="9c:53:22:4b:71:df",
        rssi_dbm=-66.0,
        noise_dbm=-90.0,
        tx_rate_mbps=144.0,
        channel=11,
        band="2.4 GHz",
    )


def test_macos_arp() -> None:
    assert macos.parse_arp(data("macos/arp_n.txt")) == "9c:53:22:4b:71:d8"
    assert macos.parse_arp("192.168.1.254 (192.168.1.254) -- no entry\n") is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("linux/ping.txt", [3.82, 2.91, 4.47]),
        ("macos/ping.txt", [5.118, 3.904, 4.262]),
        ("windows/ping.txt", [4.0, 2.0, 1.0]),
    ],
)
def test_ping_outputs(name: str, expected: list[float]) -> None:
    assert parse_ping(data(name)) == expected


def test_icmp_echo_request_checksum_and_reply() -> None:
    packet = echo_request(0x1234, 7, b"abcd")
    # 0800 + 1234 + 0007 + 6162 + 6364 = df01, whose one's complement is 20fe
    assert packet.hex() == "080020fe12340007" + b"abcd".hex()
    assert checksum(packet) == 0  # a packet with its checksum in place sums to zero
    reply = b"\x00" + packet[1:]
    assert reply_sequence(reply) == 7
    ip_header = bytes([0x45]) + bytes(19)  # macOS prepends the IPv4 header
    assert reply_sequence(ip_header + reply) == 7
    assert reply_sequence(packet) is None  # a request is not a reply


@pytest.mark.parametrize(
    ("mhz", "channel", "band"),
    [(2412, 1, "2.4 GHz"), (2484, 14, "2.4 GHz"), (5180, 36, "5 GHz"), (5745, 149, "5 GHz"),
     (5955, 1, "6 GHz"), (6135, 37, "6 GHz"), (3000, None, None)],
)  # fmt: skip
def test_channels_and_bands(mhz: int, channel: int | None, band: str | None) -> None:
    assert (channel_of(mhz), band_of(mhz)) == (channel, band)


def test_normalize_mac() -> None:
    assert normalize_mac("4c:43:41:4:1c:bc") == "4c:43:41:04:1c:bc"
    assert normalize_mac("9C-53-22-4B-71-D8") == "9c:53:22:4b:71:d8"
    assert normalize_mac("00:00:00:00:00:00") is None
    assert normalize_mac("<redacted>") is None
