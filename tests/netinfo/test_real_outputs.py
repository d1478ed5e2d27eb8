"""Network parsers on real captures from public sources (tests/netinfo/data/real/SOURCES.md)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from agentprobe.netinfo import linux, macos, vpn, windows
from agentprobe.netinfo.model import DefaultRoute, Interface, WifiLink

REAL = Path(__file__).parent / "data" / "real"


def real(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


NETSH = {
    "de": WifiLink("SSID-1", "fe:dc:ba:09:87:02", -78.5, 43.0, None, 300.0, 300.0, 116,
                   "5 GHz", "Windows signal quality"),
    "fr": WifiLink("SSID-1", "fe:dc:ba:09:87:02", -60.0, 80.0, None, 206.0, 103.0, 11,
                   "2.4 GHz", "Windows signal quality"),
    "es": WifiLink("SSID-1", "fe:dc:ba:09:87:02", -59.5, 81.0, None, 206.0, 69.0, 11,
                   "2.4 GHz", "Windows signal quality"),
    "it": WifiLink("SSID-1", "fe:dc:ba:09:87:02", -57.5, 85.0, None, 130.0, 130.0, 4,
                   "2.4 GHz", "Windows signal quality"),
    "en": WifiLink("SSID-1", "fe:dc:ba:09:87:02", -79.0, 42.0, None, 103.0, 103.0, 44,
                   "5 GHz", "Windows signal quality"),
}  # fmt: skip


@pytest.mark.parametrize("language", sorted(NETSH))
def test_netsh_wlan_interfaces_in_each_display_language(language: str) -> None:
    text = real(f"windows/netsh-interfaces-{language}.txt")
    assert windows.parse_netsh_wlan(text) == NETSH[language]


def test_netsh_of_another_language_reports_nothing_rather_than_wrong_values() -> None:
    text = real("windows/netsh-interfaces-en.txt").replace("connected", "xx-connected")
    assert windows.parse_netsh_wlan(text) is None


def test_ipconfig_windows_11_lists_the_nordvpn_adapters_as_tunnels() -> None:
    adapters = windows.parse_ipconfig(real("windows/ipconfig-all-win11-nordvpn.txt"))
    assert [(a.name, a.header) for a in adapters[:4]] == [
        ("Ethernet", "Ethernet"),
        ("Ethernet 2", "Ethernet"),
        ("OpenVPN Data Channel Offload for NordVPN", "Unknown"),
        ("Local Area Connection", "Unknown"),
    ]
    wifi = next(a for a in adapters if a.name == "Wi-Fi")
    assert (wifi.interface_type, wifi.ipv4, wifi.gateways) == (
        "wifi",
        ["192.168.1.169"],
        ["192.168.1.1"],
    )
    tunnels = [a.description for a in adapters if vpn.is_tunnel(windows._interface(a))]
    assert tunnels == ["OpenVPN Data Channel Offload", "TAP-NordVPN Windows Adapter V9"]


def test_ipconfig_windows_10_tailscale_is_a_vpn_and_the_usb_dongle_is_ethernet() -> None:
    adapters = windows.parse_ipconfig(real("windows/ipconfig-all-win10-tailscale-ax88179.txt"))
    interfaces = [windows._interface(a) for a in adapters]
    assert vpn.vpn_interfaces(interfaces) == ["Tailscale"]
    dongle = next(a for a in adapters if a.name == "Ethernet 2")
    assert (dongle.interface_type, dongle.ipv4, dongle.mac) == (
        "ethernet", ["10.50.13.132"], "f8:e4:3b:ad:f2:6d"
    )  # fmt: skip


def test_ipconfig_windows_7_and_its_isatap_tunnel() -> None:
    adapters = windows.parse_ipconfig(real("windows/ipconfig-all-win7.txt"))
    assert [(a.name, a.interface_type, a.connected) for a in adapters] == [
        ("Local Area Connection", "ethernet", True),
        ("isatap.{E24F3EA8-436E-3B26-8BB9-CED33928744B}", "unknown", False),
    ]


def test_route_print_windows_10_with_a_tap_adapter() -> None:
    best, split = windows.parse_route_print(real("windows/route-print-win10-tap.txt"))
    assert (best, split) == (("192.168.31.1", "192.168.31.221"), False)


@pytest.mark.parametrize(
    ("name", "channel", "band", "rssi"),
    [
        ("wdutil-info-macos12-5ghz-dfs.txt", 144, "5 GHz", -61.0),  # "144 (40 MHz, DFS)"
        ("wdutil-info-macos15-5ghz.txt", 44, "5 GHz", -79.0),  # "5g44/40"
    ],
)
def test_wdutil_channel_formats(name: str, channel: int, band: str, rssi: float) -> None:
    link = macos.parse_wdutil(real(f"macos/{name}"))
    assert link is not None
    assert (link.channel, link.band, link.rssi_dbm) == (channel, band, rssi)


def test_wdutil_macos_15_redacts_ssid_and_bssid() -> None:
    link = macos.parse_wdutil(real("macos/wdutil-info-macos15-5ghz.txt"))
    assert link is not None and (link.ssid, link.bssid, link.noise_dbm) == (None, None, -91.0)


def test_wdutil_newer_channel_spellings() -> None:
    assert macos.wdutil_channel("2g1/20") == (1, "2.4 GHz")
    assert macos.wdutil_channel("5g149/80") == (149, "5 GHz")
    assert macos.wdutil_channel("6g37/160") == (37, "6 GHz")
    assert macos.wdutil_channel("") == (None, None)


def test_airport_captures() -> None:
    assert macos.parse_airport(real("macos/airport-I-10.14.6.txt")) == WifiLink(
        "SnazzleDazzle", "3c:37:86:15:ad:f9", -66.0, None, -90.0, 195.0, None, 48, "5 GHz"
    )
    link = macos.parse_airport(real("macos/airport-I-osx-wifi-cli-4.txt"))
    assert link is not None and (link.rssi_dbm, link.channel, link.tx_rate_mbps) == (
        -53.0, 157, 486.0
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "device", "kind"),
    [
        ("hardware-ports-ax88179a.txt", "en8", "ethernet"),
        ("hardware-ports-ax88179a.txt", "en0", "wifi"),
        ("hardware-ports-usb-lan.txt", "en7", "ethernet"),
        ("hardware-ports-iphone-usb.txt", "en5", "cellular"),
        ("hardware-ports-iphone-usb.txt", "en3", "unknown"),  # Bluetooth PAN
    ],
)
def test_macos_hardware_ports(name: str, device: str, kind: str) -> None:
    ports = macos.parse_hardware_ports(real(f"macos/{name}"))
    assert macos.port_type(ports[device]) == kind


@pytest.mark.parametrize("port", ["RTL8153", "USB 10/100/1G/2.5G LAN", "AX88179A"])
def test_usb_ethernet_chip_names_are_ethernet(port: str) -> None:
    assert macos.port_type(port) == "ethernet"


def test_iw_link_pasted_with_spaces() -> None:
    assert linux.parse_iw_link(real("linux/iw-dev-link-wlp1s0.txt")) == WifiLink(
        ssid="SSID-1", bssid="fe:dc:ba:98:76:02", rssi_dbm=-51.0, tx_rate_mbps=26.0,
        channel=1, band="2.4 GHz",
    )  # fmt: skip


def test_proc_net_route_and_arp_of_one_machine() -> None:
    route, split = linux.default_route(real("linux/proc-net-route-ens33.txt"))
    assert (route, split) == (DefaultRoute("ens33", "192.168.71.2"), False)
    arp = real("linux/proc-net-arp-ens33.txt")
    assert linux.parse_proc_arp(arp, "192.168.71.2") == "00:50:56:f7:4a:fc"


@pytest.mark.parametrize("name", ["tailscale0", "wg0", "zcctun0", "utun4"])
def test_vpn_interface_names(name: str) -> None:
    assert vpn.is_tunnel(Interface(name, True, ("100.64.0.2",)))


@pytest.mark.parametrize(
    "description",
    [
        "TAP-NordVPN Windows Adapter V9",
        "TAP-Windows Adapter V9",
        "OpenVPN Data Channel Offload",
        "Tailscale Tunnel",
        "WireGuard Tunnel",
        "Cisco AnyConnect Secure Mobility Client Virtual Miniport Adapter for Windows x64",
        "PANGP Virtual Ethernet Adapter",
        "Fortinet SSL VPN Virtual Ethernet Adapter",
        "Zscaler Network Adapter 1.0.2.0",
    ],
)
def test_vpn_adapter_descriptions(description: str) -> None:
    assert vpn.is_tunnel(Interface("Ethernet 3", True, ("10.8.0.2",), description))


def test_ordinary_adapters_are_not_vpns() -> None:
    ordinary = (
        "ASIX AX88179 USB 3.0 to Gigabit Ethernet Adapter #2",
        "Intel(R) Wi-Fi 6 AX200 160MHz",
        "Realtek PCIe 2.5GbE Family Controller",
    )
    for description in ordinary:
        assert not vpn.is_tunnel(Interface("Ethernet", True, ("10.0.0.2",), description))


def test_netsh_windows_11_24h2_prefers_rssi_over_signal() -> None:
    link = windows.parse_netsh_wlan(real("windows/netsh-interfaces-en-24h2-rssi.txt"))
    assert link == WifiLink(
        "MCU_ProgrammingFBML", "94:83:c4:06:d0:36", -39.0, 92.0, None, 433.3, 433.3, 36, "5 GHz"
    )


def test_netsh_reads_the_connected_one_of_two_interfaces() -> None:
    first = real("windows/netsh-interfaces-en.txt").replace(": connected", ": disconnected")
    both = first + real("windows/netsh-interfaces-en-24h2-rssi.txt")
    link = windows.parse_netsh_wlan(both)
    assert link is not None and link.ssid == "MCU_ProgrammingFBML"


def test_ipconfig_in_german() -> None:
    adapters = windows.parse_ipconfig(real("windows/ipconfig-all-de.txt"))
    assert [(a.name, a.interface_type, a.connected) for a in adapters] == [
        ("Ethernet", "ethernet", False),
        ("vEthernet (WSL (Hyper-V firewall))", "ethernet", True),
        ("LAN-Verbindung* 3", "wifi", False),
        ("LAN-Verbindung* 4", "wifi", False),
        ("WLAN", "wifi", True),
        ("Bluetooth-Netzwerkverbindung", "ethernet", False),
    ]
    wlan = adapters[4]
    assert (wlan.description, wlan.mac, wlan.ipv4, wlan.gateways) == (
        "MediaTek Wi-Fi 6 MT7921 Wireless LAN Card",
        "d0:39:57:78:a7:c3",
        ["192.168.178.23"],
        ["192.168.178.1"],
    )


@pytest.mark.parametrize(
    ("name", "levels"),
    [
        ("proc-net-wireless-netdata-6333.txt", {"wlp5s0": (-42.0, None)}),
        ("proc-net-wireless-kismet-488.txt", {"wlp2s0": (-47.0, None)}),
        ("proc-net-wireless-procfs-479.txt", {"wlo1": (-31.0, None)}),
        # a driver that reports a relative level (95 of 100), not dBm
        ("proc-net-wireless-rpicheck-16.txt", {"wlan0": (None, None)}),
    ],
)
def test_proc_net_wireless_captures(name: str, levels: dict[str, object]) -> None:
    assert linux.parse_proc_wireless(real(f"linux/{name}")) == levels


@pytest.mark.parametrize(
    ("name", "route"),
    [
        ("ip-route-centos-7.7.txt", DefaultRoute("enp0s3", "10.0.2.2")),
        ("ip-route-wicked-842.txt", DefaultRoute("enp0s25", "192.168.1.1")),  # metric 100 < 500
        ("ip-route-dhcpcd-542.txt", DefaultRoute("enp0s2", "10.0.2.2")),
    ],
)
def test_ip_route_default(name: str, route: DefaultRoute) -> None:
    assert linux.parse_ip_route(real(f"linux/{name}")) == route


def test_ip_route_without_a_next_hop_or_with_flags() -> None:
    text = "default via 10.0.0.1 dev eth0 onlink metric 5\ndefault dev wg0 scope link metric 1\n"
    assert linux.parse_ip_route(text) == DefaultRoute("wg0", None)
    assert linux.parse_ip_route("") is None


def test_macos_route_get_default_and_a_vpn_half_route() -> None:
    assert macos.parse_route_get(real("macos/route-get-0-neofetch-2361.txt")) == DefaultRoute(
        "en0", "10.62.96.1"
    )
    half = macos.parse_route_get(real("macos/route-get-1-utun-neofetch-2361.txt"))
    assert half == DefaultRoute("utun3", "192.168.12.1")
    assert vpn.vpn_active([], half, False) == (True, "default route through utun3")


def test_ipconfig_in_french_with_its_colon_spacing() -> None:
    """French ipconfig writes "Adresse IPv4. . . .: 10.33.72.214", no space before ':'."""
    adapters = windows.parse_ipconfig(real("windows/ipconfig-fr.txt"))
    assert [(a.name, a.interface_type, a.connected) for a in adapters] == [
        ("Ethernet 3", "ethernet", False),
        ("Ethernet", "ethernet", False),
        ("Ethernet 2", "ethernet", True),
        ("Connexion au réseau local* 1", "wifi", False),
        ("Connexion au réseau local* 10", "wifi", False),
        ("Wi-Fi", "wifi", True),
    ]
    assert (adapters[-1].ipv4, adapters[-1].gateways) == (["10.33.72.214"], ["10.33.79.254"])


class Replay:
    """A runner that answers by the command's first two words."""

    def __init__(self, outputs: dict[tuple[str, ...], str]) -> None:
        self.outputs = outputs

    def __call__(self, argv: Sequence[str]) -> str | None:
        return self.outputs.get(tuple(argv[:2]))


def test_windows_text_tools_of_one_machine_give_its_wifi_route() -> None:
    run = Replay(
        {
            ("ipconfig", "/all"): real("windows/ipconfig-mt7921.txt"),
            ("route", "print"): real("windows/route-print-mt7921.txt"),
            ("netsh", "wlan"): real("windows/netsh-interfaces-en-24h2-rssi.txt"),
        }
    )
    snap = windows.read(run, lambda: None)
    assert (snap.route, snap.interface_type) == (DefaultRoute("Wi-Fi", "192.168.0.1"), "wifi")
    assert snap.wifi is not None and snap.wifi.rssi_dbm == -39.0


def test_iw_link_with_rx_and_tx_bitrates() -> None:
    assert linux.parse_iw_link(real("linux/iw-dev-link-cinnamon-9301.txt")) == WifiLink(
        ssid="HOME5", bssid="64:d1:54:68:93:ae", rssi_dbm=-44.0, tx_rate_mbps=866.7,
        rx_rate_mbps=702.0, channel=56, band="5 GHz",
    )  # fmt: skip


def test_airport_with_unpadded_bssid_octets_and_when_not_associated() -> None:
    link = macos.parse_airport(real("macos/airport-I-jc-46.txt"))
    assert link is not None and (link.bssid, link.channel, link.rssi_dbm) == (
        "58:d9:d5:03:40:35", 36, -73.0
    )  # fmt: skip
    assert macos.parse_airport(real("macos/airport-I-init-wifi-name-6.txt")) is None


def test_arp_a_in_korean_finds_the_gateway_mac() -> None:
    text = real("windows/arp-a-ko.txt")
    assert windows.parse_arp(text, "172.30.1.254") == "88:3c:1c:cb:90:ce"
    assert windows.parse_arp(text, "10.0.0.1") is None


def test_netsh_with_crlf_line_ends() -> None:
    text = (REAL / "windows/netsh-interfaces-surface-crlf.txt").read_bytes().decode()
    link = windows.parse_netsh_wlan(text)
    assert link is not None and (link.ssid, link.bssid, link.rssi_dbm) == (
        "MEO-7C14A5", "42:aa:06:aa:96:f9", None
    )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "route"),
    [
        ("proc-net-route-wlp4s0-spaces.txt", DefaultRoute("wlp4s0", "192.168.18.1")),
        ("proc-net-route-eth0-netlink-1053.txt", DefaultRoute("eth0", "172.20.64.1")),
    ],
)
def test_proc_net_route_captures(name: str, route: DefaultRoute) -> None:
    assert linux.default_route(real(f"linux/{name}")) == (route, False)


def test_ip_route_prefers_the_wired_default_by_metric() -> None:
    route = linux.parse_ip_route(real("linux/ip-route-cockpit-13557.txt"))
    assert route == DefaultRoute("enp68s0", "192.168.0.1")


def test_netsh_in_chinese_with_rssi() -> None:
    """Simplified Chinese Windows 11: 状态 已连接, 波段, 通道, 接收速率(Mbps), Rssi."""
    assert windows.parse_netsh_wlan(real("windows/netsh-interfaces-zh.txt")) == WifiLink(
        "TP-LINK_5G_D3DA", "58:41:20:c4:d3:dc", -64.0, 80.0, None, 260.0, 390.0, 157, "5 GHz"
    )
    assert windows.parse_netsh_wlan(real("windows/netsh-interfaces-zh-disconnected.txt")) is None


def test_ipconfig_in_chinese_with_the_gateway_on_a_continuation_line() -> None:
    adapters = windows.parse_ipconfig(real("windows/ipconfig-zh-fragment.txt"))
    assert [(a.name, a.interface_type, a.ipv4, a.gateways) for a in adapters] == [
        ("WLAN", "wifi", ["192.168.1.6"], ["192.168.1.1"])
    ]
