"""The `network` check: default-route interface, Wi-Fi signal, gateway, DNS and VPN.

Everything comes from what the OS exposes (see `agentprobe.netinfo`); a value it does not
expose is left out and the summary says why. Locators (SSID, BSSID, gateway MAC) go only
into the inventory, as salted hashes, so a move to another network shows up as a change
event without revealing where the agent is. Where the home router speaks UPnP IGD, its
uptime gives the moment it (or its internet connection) last restarted: in the inventory
as `network.router_uptime`, so a restart becomes a change event on the agent's timeline.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Protocol
from urllib.parse import urlsplit

from agentprobe.checks.base import Check, Environment, Metric
from agentprobe.config.spec import CheckConfig, every, setting
from agentprobe.netinfo.model import Snapshot
from agentprobe.netinfo.probe import Rtt
from agentprobe.netinfo.router import RouterAnswer
from agentprobe.netinfo.vpn import vpn_active
from agentprobe.privacy import hash_locator
from agentprobe.report import CheckResult, MetricValue, Status
from agentprobe.thresholds import Band

FALLBACK_DNS_NAME = "www.google.com"


@dataclass(frozen=True)
class NetworkConfig(CheckConfig):
    interval: float = every(300.0)
    dns_name: str = setting("", "name resolved to time DNS; default: the collector's host")
    probes: int = setting(
        3, "echo requests sent to the gateway (the median counts)", minimum=1, maximum=20
    )
    upnp: bool = setting(
        True, "ask the home router over UPnP (home network only) how long it has been up"
    )


class ProberLike(Protocol):
    """Times the gateway and the resolver; tests pass a fake."""

    def gateway_rtt(self, gateway: str, count: int) -> Rtt: ...
    def resolve(self, name: str) -> Rtt: ...


class RouterLike(Protocol):
    """Asks the home router for its uptime (UPnP IGD); tests pass a fake."""

    def ask(self, gateway: str) -> RouterAnswer: ...


class NetworkCheck(Check[NetworkConfig]):
    """How this PC reaches the internet, and how healthy the first hop is."""

    name = "network"
    description = "Link type, Wi-Fi signal, home router round trip, DNS time and VPN"
    config_class = NetworkConfig
    metrics: ClassVar[dict[str, Metric]] = {
        "interface": Metric("name", "interface carrying the default route"),
        "interface_type": Metric("type", "ethernet, wifi, cellular or unknown"),
        "link_speed_mbps": Metric("Mbit/s", "negotiated speed of a wired link"),
        "wifi_rssi_dbm": Metric("dBm", "Wi-Fi received signal strength"),
        "wifi_signal_pct": Metric("%", "the OS's own 0-100 Wi-Fi signal quality"),
        "wifi_noise_dbm": Metric("dBm", "Wi-Fi noise floor"),
        "wifi_tx_rate_mbps": Metric("Mbit/s", "Wi-Fi transmit link rate"),
        "wifi_rx_rate_mbps": Metric("Mbit/s", "Wi-Fi receive link rate"),
        "wifi_band": Metric("band", "2.4 GHz, 5 GHz or 6 GHz"),
        "wifi_channel": Metric("number", "Wi-Fi channel"),
        "gateway_rtt_ms": Metric("ms", "median round trip to the default gateway"),
        "gateway_probe": Metric("method", "how the gateway was timed: icmp, ping or tcp:PORT"),
        "dns_ms": Metric("ms", "time to resolve [network] dns_name"),
        "vpn_active": Metric("bool", "a VPN tunnel is up or carries the default route"),
        "router_uptime_s": Metric(
            "s", "since the home router or its internet connection last restarted (UPnP)"
        ),
    }
    bands: ClassVar[dict[str, Band]] = {
        "wifi_rssi_dbm": Band(-67, -75, higher_is_better=True),
        "gateway_rtt_ms": Band(20, 50),
        "dns_ms": Band(150, 500),
    }
    headline = ("interface_type", "wifi_rssi_dbm", "gateway_rtt_ms", "dns_ms", "vpn_active")
    ADVICE: ClassVar[dict[str, str]] = {
        "wifi_rssi_dbm": "Wi-Fi signal is weak: move closer to the router or use a network cable.",
        "gateway_rtt_ms": "The home router answers slowly: restart it, and pause big downloads "
        "or video streams on the home network during calls.",
        "dns_ms": "Name lookups are slow: restart the router, or ask IT about the DNS server.",
    }

    def __init__(
        self,
        config: NetworkConfig,
        read: Callable[[], Snapshot],
        prober: ProberLike,
        data_dir: Path,
        dns_name: str = FALLBACK_DNS_NAME,
        router: RouterLike | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(config)
        self.read, self.prober, self.data_dir = read, prober, data_dir
        self.dns_name = config.dns_name or dns_name
        self.router, self.clock = router, clock

    @classmethod
    def create(cls, config: NetworkConfig, env: Environment) -> NetworkCheck:
        from agentprobe.netinfo.probe import Prober
        from agentprobe.netinfo.router import Router
        from agentprobe.netinfo.snapshot import read_snapshot, run_command

        host = urlsplit(env.collector.url).hostname if env.collector.url else None
        return cls(
            config,
            lambda: read_snapshot(sys.platform),
            Prober(run_command),
            env.data_dir,
            host or FALLBACK_DNS_NAME,
            Router() if config.upnp else None,
        )

    def collect(self) -> CheckResult:
        snap = self.read()
        findings = _Findings()
        metrics = self._link(snap, findings)
        metrics.update(self._gateway(snap, findings))
        router, router_inventory = self._router(snap, findings)
        metrics.update(router)
        metrics.update(self._dns(findings))
        active, why = vpn_active(snap.interfaces, snap.route, snap.vpn_route)
        metrics["vpn_active"] = active
        findings.say(f"VPN on ({why})" if active else "no VPN")
        findings.absent.extend(snap.notes)
        result = self.result(findings.summary(), metrics, self.ADVICE, findings.statuses)
        result.advice.extend(findings.advice)
        result.inventory = self._inventory(snap, active)
        result.inventory.update(router_inventory)
        return result

    def _link(self, snap: Snapshot, findings: _Findings) -> dict[str, MetricValue]:
        if snap.route is None:
            findings.fail("no default route", "Connect to the network (cable or Wi-Fi).")
            return {"interface_type": "unknown"}
        metrics: dict[str, MetricValue] = {
            "interface": snap.route.interface,
            "interface_type": snap.interface_type,
        }
        speed = f", {snap.link_speed_mbps:g} Mbit/s" if snap.link_speed_mbps else ""
        if snap.link_speed_mbps:
            metrics["link_speed_mbps"] = snap.link_speed_mbps
        findings.say(f"{snap.route.interface} ({snap.interface_type}{speed})")
        if snap.interface_type == "wifi" and snap.wifi is not None:
            metrics.update(_wifi_metrics(snap, findings))
        elif snap.interface_type == "wifi":
            findings.absent.append("Wi-Fi signal not exposed")
        return metrics

    def _gateway(self, snap: Snapshot, findings: _Findings) -> dict[str, MetricValue]:
        if snap.route is None:
            return {}
        if snap.route.gateway is None:
            findings.absent.append(f"no gateway to time on point-to-point {snap.route.interface}")
            return {}
        rtt = self.prober.gateway_rtt(snap.route.gateway, self.config.probes)
        if rtt.ms is None:
            findings.warn(
                f"gateway did not answer ({rtt.reason})",
                "The home router did not answer: restart it; if this persists, tell IT.",
            )
            return {}
        findings.say(f"gateway {rtt.ms:g} ms ({rtt.method})")
        return {"gateway_rtt_ms": rtt.ms, "gateway_probe": rtt.method}

    def _router(
        self, snap: Snapshot, findings: _Findings
    ) -> tuple[dict[str, MetricValue], dict[str, str]]:
        """The router's uptime as a metric; its make and up-since moment for the inventory."""
        if self.router is None or snap.route is None or snap.route.gateway is None:
            return {}, {}
        answer = self.router.ask(snap.route.gateway)
        if answer.status is None:
            findings.absent.append(f"router uptime ({answer.reason})")
            return {}, {}
        status = answer.status
        inventory = {"network.router_model": status.make} if status.make else {}
        if status.uptime_s is None:
            findings.say(f"router says its internet link is {status.state or 'down'}")
            return {}, inventory
        findings.say(f"router up {_duration(status.uptime_s)}")
        up_since = datetime.fromtimestamp(self.clock() - status.uptime_s, UTC)
        inventory["network.router_uptime"] = up_since.strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"router_uptime_s": status.uptime_s}, inventory

    def _dns(self, findings: _Findings) -> dict[str, MetricValue]:
        rtt = self.prober.resolve(self.dns_name)
        if rtt.ms is None:
            findings.fail(
                rtt.reason,
                "Name lookups fail: restart the router; if that does not help, tell IT.",
            )
            return {}
        findings.say(f"DNS {self.dns_name} {rtt.ms:g} ms")
        return {"dns_ms": rtt.ms}

    def _inventory(self, snap: Snapshot, active: bool) -> dict[str, str]:
        inventory = {"network.interface_type": snap.interface_type, "network.vpn": str(active)}
        if snap.route:
            inventory["network.interface"] = snap.route.interface
        locators = {
            "network.gateway_mac_hash": snap.gateway_mac,
            "network.ssid_hash": snap.wifi.ssid if snap.wifi else None,
            "network.bssid_hash": snap.wifi.bssid if snap.wifi else None,
        }
        for key, value in locators.items():
            if value:
                inventory[key] = hash_locator(value, self.data_dir)
        return inventory


def _duration(seconds: int) -> str:
    """3 d 4 h, 5 h 12 min, 40 min, 30 s: two units at most, as people say it."""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{secs} s"


def _wifi_metrics(snap: Snapshot, findings: _Findings) -> dict[str, MetricValue]:
    wifi = snap.wifi
    assert wifi is not None
    values: dict[str, float | int | str | None] = {
        "wifi_rssi_dbm": wifi.rssi_dbm,
        "wifi_signal_pct": wifi.signal_pct,
        "wifi_noise_dbm": wifi.noise_dbm,
        "wifi_tx_rate_mbps": wifi.tx_rate_mbps,
        "wifi_rx_rate_mbps": wifi.rx_rate_mbps,
        "wifi_band": wifi.band,
        "wifi_channel": wifi.channel,
    }
    if wifi.rssi_dbm is None:
        findings.absent.append("Wi-Fi signal in dBm not exposed")
    else:
        source = f" from {wifi.rssi_source}" if wifi.rssi_source else ""
        band = f" on {wifi.band}" if wifi.band else ""
        findings.say(f"Wi-Fi {wifi.rssi_dbm:g} dBm{source}{band}")
    return {name: value for name, value in values.items() if value is not None}


class _Findings:
    """The summary's phrases, absent-value reasons and the statuses they imply."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.absent: list[str] = []
        self.statuses: list[Status] = []
        self.advice: list[str] = []

    def say(self, text: str) -> None:
        self.parts.append(text)

    def warn(self, text: str, advice: str) -> None:
        self.parts.append(text)
        self.statuses.append(Status.WARN)
        self.advice.append(advice)

    def fail(self, text: str, advice: str) -> None:
        self.parts.append(text)
        self.statuses.append(Status.FAIL)
        self.advice.append(advice)

    def summary(self) -> str:
        text = "; ".join(self.parts)
        if self.absent:
            text += "; not measured: " + "; ".join(self.absent)
        return text
