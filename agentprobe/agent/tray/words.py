"""What the tray says to the person at the PC: what is wrong, in plain words, and one thing to do.

Pure: from a check's last result as the daemon keeps it (status, summary, metrics) to one
sentence. Which figure is at fault is decided with the checks' own declared bands (read
from the check classes, imported only when that check is not passing, so an idle tray
stays small); the noise and headset checks are read from their classes of sound and
device flags, which need no numbers. No metric names, units or jargon reach the person.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

ORDER = ("network", "bandwidth", "voice", "call", "audio_devices", "noise", "system", "software")
_RANK = {"fail": 0, "error": 1, "warn": 2}

WORDS = {
    "no_network": "You are not connected to a network: plug in the cable or join your Wi-Fi.",
    "wifi": "Your Wi-Fi signal is weak: move closer to the router or plug in a cable.",
    "router": "Your home router is slow to answer: restart it, and pause big downloads.",
    "dns": "Looking up addresses is slow on this network: restart your home router.",
    "slow_link": "Your internet is too slow for calls: pause downloads and video streaming "
    "at home, or call your internet provider.",
    "busy_link": "Your internet slows down a lot when it is busy: pause big downloads or "
    "uploads while you are on calls.",
    "loss": "Your calls may break up: plug in a network cable or restart your home router.",
    "jitter": "Your calls may sound choppy: pause streaming, uploads and cloud backups at home.",
    "delay": "Your calls would have a delay: turn off any VPN you do not need for calls.",
    "poor_call": "Call sound would be poor right now: plug in a network cable and pause "
    "other internet use at home.",
    "unreachable": "The call test could not reach the company's server: check that you are "
    "online, and tell IT if it keeps happening.",
    "no_headset": "No headset found: plug in your headset before your next call.",
    "no_microphone": "No microphone found: plug in your headset.",
    "hum": "There is a hum on your microphone: check the headset cable or plug it in "
    "straight to the PC.",
    "clipping": "Your microphone is too loud and distorts: turn its input level down.",
    "noise": "There is noise in your room: move away from it or close the door.",
    "cpu": "Your PC is very busy: close programs you do not need (video, games, downloads).",
    "memory": "Your PC is low on memory: close browser tabs and programs you do not need.",
    "disk": "Your disk is nearly full: delete files you do not need, or ask IT.",
    "battery": "Your laptop is on battery: plug in the charger.",
    "outdated": "Your softphone or browser is out of date: install its updates, or ask IT.",
    "other": "Something is not right with this PC's call setup: tell IT if it keeps happening.",
}


def _number(metrics: Mapping[str, Any], name: str) -> float | None:
    value = metrics.get(name)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _bad(bands: Mapping[str, Any], metrics: Mapping[str, Any], name: str) -> bool:
    """The metric is there and its declared band does not grade it pass."""
    value = _number(metrics, name)
    return value is not None and bands[name].grade(value).value != "pass"


def _network(m: Mapping[str, Any]) -> str:
    from agentprobe.checks.network import NetworkCheck

    bands = NetworkCheck.bands
    if m.get("interface_type") == "unknown" and "interface" not in m:
        return "no_network"
    for name, key in (("wifi_rssi_dbm", "wifi"), ("gateway_rtt_ms", "router"), ("dns_ms", "dns")):
        if _bad(bands, m, name):
            return key
    return "other"


def _bandwidth(m: Mapping[str, Any]) -> str:
    from agentprobe.checks.bandwidth import BandwidthCheck

    if _bad(BandwidthCheck.bands, m, "latency_increase_ms"):
        pairs = (("download_kbps", "required_down_kbps"), ("upload_kbps", "required_up_kbps"))
        rates = [(_number(m, have), _number(m, need)) for have, need in pairs]
        if all(have is not None and need is not None and have >= need for have, need in rates):
            return "busy_link"
    return "slow_link"


def _voice(m: Mapping[str, Any]) -> str:
    from agentprobe.checks.voice import VoiceCheck

    bands = VoiceCheck.bands
    if _number(m, "mos") is None:
        return "unreachable"
    for names, key in (
        (("loss_pct",), "loss"),
        (("jitter_up_ms", "jitter_down_ms"), "jitter"),
        (("rtt_ms",), "delay"),
    ):
        if any(_bad(bands, m, name) for name in names):
            return key
    return "poor_call"


def _call(m: Mapping[str, Any]) -> str:
    from agentprobe.checks.voice import VoiceCheck

    bands = VoiceCheck.bands
    loss, jitter = _number(m, "rx_loss_pct"), _number(m, "rx_jitter_ms")
    if loss is not None and bands["loss_pct"].grade(loss).value != "pass":
        return "loss"
    if jitter is not None and bands["jitter_down_ms"].grade(jitter).value != "pass":
        return "jitter"
    return "poor_call"


def _audio(m: Mapping[str, Any]) -> str:
    if m.get("input_count") == 0:
        return "no_microphone"
    return "no_headset" if m.get("headset_detected") is False else "other"


def _noise(m: Mapping[str, Any]) -> str:
    if m.get("noise_class") == "hum":
        return "hum"
    clipping = _number(m, "clipping_pct")
    return "clipping" if clipping is not None and clipping >= 1.0 else "noise"


def _system(m: Mapping[str, Any]) -> str:
    from agentprobe.checks.system import SystemCheck

    bands = SystemCheck.bands
    for names, key in (
        (("cpu_pct", "cpu_freq_mhz"), "cpu"),
        (("memory_available_pct", "memory_total_mb"), "memory"),
        (("disk_free_pct", "disk_free_mb"), "disk"),
    ):
        if any(_bad(bands, m, name) for name in names):
            return key
    return "battery" if m.get("on_battery") is True else "other"


def _software(m: Mapping[str, Any]) -> str:
    return "outdated" if (_number(m, "apps_outdated") or 0) > 0 else "other"


_RULES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "network": _network,
    "bandwidth": _bandwidth,
    "voice": _voice,
    "call": _call,
    "audio_devices": _audio,
    "noise": _noise,
    "system": _system,
    "software": _software,
}


def problem(name: str, entry: Mapping[str, Any]) -> str | None:
    """The key into WORDS for one check's last result, or None when it passes or skipped."""
    status = entry.get("status")
    if status not in _RANK:
        return None
    metrics: Mapping[str, Any] = entry.get("metrics") or {}
    if status == "error" and name in ("voice", "bandwidth", "call"):
        return "unreachable" if name == "voice" else _RULES[name](metrics)
    rule = _RULES.get(name)
    return rule(metrics) if rule else "other"


def message(checks: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The one sentence for the worst check (fail, then error, then warn; then by ORDER)."""
    bad = [(name, entry) for name, entry in checks.items() if entry.get("status") in _RANK]
    if not bad:
        return None

    def rank(item: tuple[str, Mapping[str, Any]]) -> tuple[int, int]:
        name, entry = item
        return _RANK[str(entry["status"])], ORDER.index(name) if name in ORDER else len(ORDER)

    name, entry = min(bad, key=rank)
    key = problem(name, entry)
    return WORDS[key or "other"]
