"""The network check end to end through the real OS readers, with a fake runner, a fake
/proc+/sys tree and a fake prober: exact metrics, summaries, statuses and hashed locators."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from agentprobe.checks.network import NetworkCheck, NetworkConfig
from agentprobe.checks.registry import config_from_dict
from agentprobe.checks.runner import environment
from agentprobe.netinfo.model import Interface, Snapshot
from agentprobe.netinfo.probe import Rtt
from agentprobe.netinfo.router import RouterAnswer, RouterStatus
from agentprobe.netinfo.snapshot import read_snapshot
from agentprobe.privacy import hash_locator
from agentprobe.report import CheckResult, Status
from tests.fakes import FakeProber, FakeRunner, data, sys_net, write_tree

IW = ("iw", "dev", "wlp0s20f3", "link")
GOOD = FakeProber(Rtt(3.1, "icmp"), Rtt(12.5, "getaddrinfo"))


def linux_root(tmp_path: Path, route: str = "linux/proc_net_route_wifi.txt", **extra: str) -> Path:
    files = {
        "proc/net/route": data(route),
        "proc/net/arp": data("linux/proc_net_arp.txt"),
        **sys_net("lo", kind=772),
        **sys_net("wlp0s20f3", uevent="DEVTYPE=wlan\n", **{"wireless/": ""}),
        **extra,
    }
    return write_tree(tmp_path / "root", files)


def run_check(
    tmp_path: Path,
    platform: str,
    runner: FakeRunner,
    prober: FakeProber = GOOD,
    root: Path | None = None,
    interfaces: Callable[[], list[Interface]] = list,
    config: NetworkConfig | None = None,
) -> CheckResult:
    def read() -> Snapshot:
        return read_snapshot(platform, runner, root or tmp_path, interfaces)

    check = NetworkCheck(config or NetworkConfig(), read, prober, tmp_path / "data", "cc.example")
    return check.run()


def test_linux_wifi_pass_with_hashed_locators(tmp_path: Path) -> None:
    runner = FakeRunner({IW: data("linux/iw_link_5ghz.txt")})
    result = run_check(tmp_path, "linux", runner, root=linux_root(tmp_path))
    assert result.status is Status.PASS
    assert result.metrics == {
        "interface": "wlp0s20f3",
        "interface_type": "wifi",
        "wifi_rssi_dbm": -61.0,
        "wifi_tx_rate_mbps": 780.0,
        "wifi_rx_rate_mbps": 866.7,
        "wifi_band": "5 GHz",
        "wifi_channel": 36,
        "gateway_rtt_ms": 3.1,
        "gateway_probe": "icmp",
        "dns_ms": 12.5,
        "vpn_active": False,
    }
    assert result.summary == (
        "wlp0s20f3 (wifi); Wi-Fi -61 dBm on 5 GHz; gateway 3.1 ms (icmp); "
        "DNS cc.example 12.5 ms; no VPN"
    )
    assert result.advice == []
    data_dir = tmp_path / "data"
    assert result.inventory == {
        "network.interface_type": "wifi",
        "network.vpn": "False",
        "network.interface": "wlp0s20f3",
        "network.gateway_mac_hash": hash_locator("9c:53:22:4b:71:d8", data_dir),
        "network.ssid_hash": hash_locator("Kingfisher-5G", data_dir),
        "network.bssid_hash": hash_locator("9c:53:22:4b:71:e0", data_dir),
    }
    uploaded = json.dumps(result.to_dict())
    for locator in ("Kingfisher", "9c:53:22", "192.168.1.254"):
        assert locator not in uploaded and locator not in result.summary
    assert GOOD.asked[-2:] == [("192.168.1.254", 3), ("cc.example", None)]


def test_linux_weak_wifi_fails_with_advice(tmp_path: Path) -> None:
    root = linux_root(tmp_path, **sys_net("wlan0", uevent="DEVTYPE=wlan\n"))
    route = data("linux/proc_net_route_wifi.txt").replace("wlp0s20f3", "wlan0")
    (root / "proc/net/route").write_text(route)
    runner = FakeRunner({("iw", "dev", "wlan0", "link"): data("linux/iw_link_2ghz_old.txt")})
    result = run_check(tmp_path, "linux", runner, root=root)
    assert result.status is Status.FAIL
    assert (result.metrics["wifi_rssi_dbm"], result.metrics["wifi_band"]) == (-78.0, "2.4 GHz")
    assert result.advice == [NetworkCheck.ADVICE["wifi_rssi_dbm"]]


def test_linux_nmcli_fallback_leaves_dbm_absent_with_reason(tmp_path: Path) -> None:
    nmcli = (
        "nmcli", "-t", "-f", "ACTIVE,SSID,BSSID,CHAN,FREQ,RATE,SIGNAL,DEVICE",
        "device", "wifi", "list", "--rescan", "no",
    )  # fmt: skip
    runner = FakeRunner({nmcli: data("linux/nmcli_wifi.txt")})
    result = run_check(tmp_path, "linux", runner, root=linux_root(tmp_path))
    assert "wifi_rssi_dbm" not in result.metrics
    assert result.metrics["wifi_signal_pct"] == 74.0
    assert result.summary.endswith(
        "; not measured: Wi-Fi signal in dBm not exposed; the driver reports no signal level in dBm"
    )
    assert result.status is Status.PASS  # nothing measured is held against the agent


def test_linux_rssi_from_proc_net_wireless_when_iw_lacks_it(tmp_path: Path) -> None:
    root = linux_root(tmp_path, **{"proc/net/wireless": data("linux/proc_net_wireless.txt")})
    no_signal = data("linux/iw_link_5ghz.txt").replace("\tsignal: -61 dBm\n", "")
    result = run_check(tmp_path, "linux", FakeRunner({IW: no_signal}), root=root)
    assert result.metrics["wifi_rssi_dbm"] == -61.0


def test_linux_vpn_split_route(tmp_path: Path) -> None:
    tun = sys_net("tun0", kind=65534, tun_flags="0x1001\n")
    root = linux_root(tmp_path, "linux/proc_net_route_vpn_split.txt", **tun)
    tunnel = Interface("tun0", True, ("10.8.0.2",))
    result = run_check(tmp_path, "linux", FakeRunner({}), root=root, interfaces=lambda: [tunnel])
    assert result.metrics["vpn_active"] is True
    assert result.metrics["interface_type"] == "unknown"
    assert result.summary == (
        "tun0 (unknown); gateway 3.1 ms (icmp); DNS cc.example 12.5 ms; "
        "VPN on (default route through tun0)"
    )


def test_linux_ethernet_with_speed(tmp_path: Path) -> None:
    eth = sys_net("enp0s31f6", speed="1000\n", **{"device/": ""})
    root = linux_root(tmp_path, "linux/proc_net_route_two_defaults.txt", **eth)
    result = run_check(tmp_path, "linux", FakeRunner({}), root=root)
    assert result.metrics["interface_type"] == "ethernet"
    assert result.metrics["link_speed_mbps"] == 1000.0
    assert result.summary.startswith("enp0s31f6 (ethernet, 1000 Mbit/s); gateway 3.1 ms")


def test_offline_fails_plainly(tmp_path: Path) -> None:
    root = linux_root(tmp_path, "linux/proc_net_route_offline.txt")
    failure = "could not resolve cc.example: Temporary failure in name resolution"
    prober = FakeProber(Rtt(3.1, "icmp"), Rtt(None, "getaddrinfo", failure))
    result = run_check(tmp_path, "linux", FakeRunner({}), prober, root=root)
    assert result.status is Status.FAIL
    assert result.metrics == {"interface_type": "unknown", "vpn_active": False}
    assert result.summary == (
        "no default route; could not resolve cc.example: Temporary failure in name resolution; "
        "no VPN; not measured: no default route: this machine is offline"
    )
    assert result.advice == [
        "Connect to the network (cable or Wi-Fi).",
        "Name lookups fail: restart the router; if that does not help, tell IT.",
    ]


def test_silent_gateway_warns(tmp_path: Path) -> None:
    prober = FakeProber(Rtt(None, "", "ICMP echo got no reply"), Rtt(8.0, "getaddrinfo"))
    runner = FakeRunner({IW: data("linux/iw_link_5ghz.txt")})
    result = run_check(tmp_path, "linux", runner, prober, root=linux_root(tmp_path))
    assert result.status is Status.WARN
    assert "gateway_rtt_ms" not in result.metrics
    assert "gateway did not answer (ICMP echo got no reply)" in result.summary


def test_slow_gateway_graded_by_band_and_override(tmp_path: Path) -> None:
    prober = FakeProber(Rtt(35.0, "tcp:53"), Rtt(8.0, "getaddrinfo"))
    runner = FakeRunner({IW: data("linux/iw_link_5ghz.txt")})
    root = linux_root(tmp_path)
    assert run_check(tmp_path, "linux", runner, prober, root=root).status is Status.WARN
    relaxed = NetworkConfig(thresholds={"gateway_rtt_ms": (40.0, 80.0)})
    assert run_check(tmp_path, "linux", runner, prober, root, config=relaxed).status is Status.PASS


def test_windows_wifi_from_captures(tmp_path: Path) -> None:
    runner = FakeRunner(
        {
            ("ipconfig", "/all"): data("windows/ipconfig_all.txt"),
            ("route", "print", "-4"): data("windows/route_print.txt"),
            ("arp", "-a"): data("windows/arp_a.txt"),
            ("netsh", "wlan", "show", "interfaces"): data(
                "windows/netsh_wlan_interfaces_win10.txt"
            ),
        }
    )
    result = run_check(tmp_path, "win32", runner)
    assert result.status is Status.PASS
    assert result.metrics == {
        "interface": "Wi-Fi",
        "interface_type": "wifi",
        "wifi_rssi_dbm": -58.0,
        "wifi_signal_pct": 84.0,
        "wifi_tx_rate_mbps": 866.7,
        "wifi_rx_rate_mbps": 866.7,
        "wifi_band": "5 GHz",
        "wifi_channel": 36,
        "gateway_rtt_ms": 3.1,
        "gateway_probe": "icmp",
        "dns_ms": 12.5,
        "vpn_active": False,  # the TAP adapter is present but disconnected
    }
    assert "Wi-Fi -58 dBm from Windows signal quality on 5 GHz" in result.summary
    assert result.inventory["network.gateway_mac_hash"] == hash_locator(
        "9c:53:22:4b:71:d8", tmp_path / "data"
    )


def test_macos_redacted_wdutil_warns_and_hashes_only_what_it_has(tmp_path: Path) -> None:
    runner = FakeRunner(
        {
            ("route", "-n", "get", "default"): data("macos/route_get_default.txt"),
            ("networksetup", "-listallhardwareports"): data(
                "macos/networksetup_listallhardwareports.txt"
            ),
            ("wdutil", "info"): data("macos/wdutil_info_redacted.txt"),
            ("arp", "-n", "192.168.1.254"): data("macos/arp_n.txt"),
        }
    )
    system_utuns = [Interface(f"utun{n}", True, (f"fe80::{n}%utun{n}",)) for n in range(4)]
    result = run_check(tmp_path, "darwin", runner, interfaces=lambda: system_utuns)
    assert result.status is Status.WARN
    assert (result.metrics["wifi_rssi_dbm"], result.metrics["wifi_band"]) == (-71.0, "6 GHz")
    assert result.metrics["vpn_active"] is False
    assert set(result.inventory) == {
        "network.interface_type",
        "network.vpn",
        "network.interface",
        "network.gateway_mac_hash",
    }


def test_macos_vpn_default_route_through_utun(tmp_path: Path) -> None:
    runner = FakeRunner(
        {("route", "-n", "get", "default"): data("macos/route_get_default_utun.txt")}
    )
    result = run_check(tmp_path, "darwin", runner)
    assert result.metrics["vpn_active"] is True
    assert "no gateway to time on point-to-point utun4" in result.summary
    assert GOOD.asked[-1] == ("cc.example", None)


def test_configured_dns_name_and_collector_default(tmp_path: Path) -> None:
    prober = FakeProber(Rtt(1.0, "icmp"), Rtt(2.0, "getaddrinfo"))
    runner = FakeRunner({IW: data("linux/iw_link_5ghz.txt")})
    config = NetworkConfig(dns_name="sip.example.net")
    run_check(tmp_path, "linux", runner, prober, linux_root(tmp_path), config=config)
    assert prober.asked[-1] == ("sip.example.net", None)
    loaded = config_from_dict({"collector": {"url": "https://collector.example:8443"}}, None)
    env = environment(loaded, tmp_path)
    check = NetworkCheck.create(NetworkConfig(), env)
    assert isinstance(check, NetworkCheck) and check.dns_name == "collector.example"


class FakeRouter:
    """Answers for the router at the gateway; records which address was asked."""

    def __init__(self, answer: RouterAnswer) -> None:
        self.answer, self.asked = answer, []

    def ask(self, gateway: str) -> RouterAnswer:
        self.asked.append(gateway)
        return self.answer


def _with_router(tmp_path: Path, router: FakeRouter, now: float = 1_764_633_600.0) -> CheckResult:
    root = linux_root(tmp_path)
    runner = FakeRunner({IW: data("linux/iw_link_5ghz.txt")})

    def read() -> Snapshot:
        return read_snapshot("linux", runner, root, list)

    check = NetworkCheck(
        NetworkConfig(), read, GOOD, tmp_path / "data", "cc.example", router, lambda: now
    )
    return check.run()


def test_router_uptime_from_upnp_becomes_its_up_since_moment(tmp_path: Path) -> None:
    router = FakeRouter(RouterAnswer(RouterStatus("Sagemcom Livebox", "Connected", 273_600)))
    result = _with_router(tmp_path, router)  # 2025-12-02T00:00:00Z, up 3 d 4 h
    assert router.asked == ["192.168.1.254"]  # the default route's gateway, nobody else
    assert result.metrics["router_uptime_s"] == 273_600
    assert "; gateway 3.1 ms (icmp); router up 3 d 4 h; DNS " in result.summary
    assert result.inventory["network.router_uptime"] == "2025-11-28T20:00:00Z"
    assert result.inventory["network.router_model"] == "Sagemcom Livebox"
    assert result.status is Status.PASS


def test_a_router_with_its_link_down_or_without_upnp_says_so(tmp_path: Path) -> None:
    down = _with_router(
        tmp_path, FakeRouter(RouterAnswer(RouterStatus("ACME", "Connecting", None)))
    )
    assert "router_uptime_s" not in down.metrics
    assert "router says its internet link is Connecting" in down.summary
    assert "network.router_uptime" not in down.inventory
    silent = _with_router(
        tmp_path, FakeRouter(RouterAnswer(None, "the router did not answer UPnP"))
    )
    assert silent.summary.endswith("; not measured: router uptime (the router did not answer UPnP)")
    assert silent.status is Status.PASS  # a router without UPnP is no fault of the agent's


@pytest.mark.parametrize(
    ("seconds", "said"),
    [(30, "30 s"), (2_460, "41 min"), (18_720, "5 h 12 min"), (90_000, "1 d 1 h")],
)
def test_router_uptime_is_said_as_people_say_it(tmp_path: Path, seconds: int, said: str) -> None:
    router = FakeRouter(RouterAnswer(RouterStatus("", "Connected", seconds)))
    result = _with_router(tmp_path, router)
    assert f"router up {said};" in result.summary
    assert "network.router_model" not in result.inventory
