"""Why a check did not pass: one cause category per failing or warning result, by rules.

Pure functions of a report's checks (name, status, metrics): no I/O, tested on exact
inputs. The categories are where the fix lies, so operations know whom to call: the
agent's home network or ISP, their Wi-Fi, the PC, the headset, the room, the softphone,
or our own side (the collector and its reflector). Limits come from the checks' declared
bands, never from numbers written here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agentprobe.checks.bandwidth import BandwidthCheck
from agentprobe.checks.network import NetworkCheck
from agentprobe.report import Status

HOME_NETWORK = "home_network"
WIFI = "wifi"
PC = "pc"
HEADSET = "headset"
ROOM = "room"
SOFTPHONE = "softphone"
COLLECTOR = "collector"

LABELS = {
    HOME_NETWORK: "home network / ISP",
    WIFI: "Wi-Fi",
    PC: "the PC",
    HEADSET: "the headset",
    ROOM: "the room",
    SOFTPHONE: "the softphone",
    COLLECTOR: "collector / relay",
}
_NOT_PASSING = (Status.WARN.value, Status.FAIL.value, Status.ERROR.value)
_BY_CHECK = {"system": PC, "software": SOFTPHONE, "audio_devices": HEADSET}
_PATH_CHECKS = ("voice", "call", "bandwidth")
_ROOM_CLASSES = ("speech", "music", "impulsive", "steady", "babble")


def _number(metrics: Mapping[str, Any], name: str) -> float | None:
    value = metrics.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def wifi_is_weak(network: Mapping[str, Any] | None) -> bool:
    """The report's network check saw a Wi-Fi signal below its pass limit."""
    if not network:
        return False
    rssi = _number(network, "wifi_rssi_dbm")
    if rssi is None or network.get("interface_type") != "wifi":
        return False
    return NetworkCheck.bands["wifi_rssi_dbm"].grade(rssi) is not Status.PASS


def _network(metrics: Mapping[str, Any]) -> str:
    rssi = _number(metrics, "wifi_rssi_dbm")
    if rssi is not None and NetworkCheck.bands["wifi_rssi_dbm"].grade(rssi) is not Status.PASS:
        return WIFI
    if metrics.get("interface_type") == "wifi":
        gateway = _number(metrics, "gateway_rtt_ms")
        band = NetworkCheck.bands["gateway_rtt_ms"]
        if gateway is not None and band.grade(gateway) is not Status.PASS:
            return WIFI  # the first hop is the radio link: a slow gateway is the Wi-Fi
    return HOME_NETWORK


def _noise(metrics: Mapping[str, Any]) -> str:
    if metrics.get("noise_class") == "hum":
        return HEADSET  # a ground loop or a cable near a power adapter, not the room
    clipping = _number(metrics, "clipping_pct")
    if clipping is not None and clipping > 0 and metrics.get("noise_class") not in _ROOM_CLASSES:
        return HEADSET
    return ROOM


def _path(check: Mapping[str, Any], network: Mapping[str, Any] | None) -> str:
    """Voice, call and bandwidth results: our relay when nothing was measured, else the link."""
    metrics: Mapping[str, Any] = check.get("metrics") or {}
    if check.get("status") == Status.ERROR.value and not _measured(check["name"], metrics):
        return COLLECTOR
    if check["name"] == "bandwidth" and _only_bufferbloat(metrics):
        return HOME_NETWORK
    return WIFI if wifi_is_weak(network) else HOME_NETWORK


def _measured(name: str, metrics: Mapping[str, Any]) -> bool:
    wanted = {"voice": "mos", "call": "mos", "bandwidth": "download_kbps"}[name]
    return _number(metrics, wanted) is not None


def _only_bufferbloat(metrics: Mapping[str, Any]) -> bool:
    down, up = _number(metrics, "download_kbps"), _number(metrics, "upload_kbps")
    need_down, need_up = (
        _number(metrics, "required_down_kbps"),
        _number(metrics, "required_up_kbps"),
    )
    if None in (down, up, need_down, need_up):
        return False
    assert down is not None and up is not None and need_down is not None and need_up is not None
    rates = (BandwidthCheck.rate_band(need_down, 1.0), BandwidthCheck.rate_band(need_up, 1.0))
    return rates[0].grade(down) is Status.PASS and rates[1].grade(up) is Status.PASS


def cause_of(check: Mapping[str, Any], network: Mapping[str, Any] | None = None) -> str | None:
    """The cause category of one check result (a report's check object), None if it passed.

    `network` is the same report's network check metrics, when it ran: it tells a weak
    Wi-Fi apart from the rest of the home link for voice, call and bandwidth results.
    """
    if check.get("status") not in _NOT_PASSING:
        return None
    name = str(check.get("name", ""))
    metrics: Mapping[str, Any] = check.get("metrics") or {}
    if name in _BY_CHECK:
        return _BY_CHECK[name]
    if name == "network":
        return _network(metrics)
    if name == "noise":
        return _noise(metrics)
    if name in _PATH_CHECKS:
        return _path(check, network)
    return None


def report_causes(checks: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str]]:
    """(check name, status, cause) for each not-passing check of one report."""
    network = next((c.get("metrics") for c in checks if c.get("name") == "network"), None)
    found = []
    for check in checks:
        cause = cause_of(check, network)
        if cause is not None:
            found.append((str(check["name"]), str(check["status"]), cause))
    return found
