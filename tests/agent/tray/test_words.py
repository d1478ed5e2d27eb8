"""The tray's plain words for each failing check, and its hysteresis against blips."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agentprobe.agent.tray.calm import Calm
from agentprobe.agent.tray.icon import calmed, colour_of, menu_lines, title_of
from agentprobe.agent.tray.words import WORDS, message, problem

FAILING: dict[str, tuple[str, dict[str, Any], str]] = {
    "weak-wifi": (
        "network",
        {"interface_type": "wifi", "wifi_rssi_dbm": -80.0, "gateway_rtt_ms": 3.0},
        "wifi",
    ),
    "no-route": ("network", {"interface_type": "unknown"}, "no_network"),
    "slow-router": ("network", {"interface_type": "ethernet", "gateway_rtt_ms": 80.0}, "router"),
    "slow-dns": ("network", {"interface_type": "ethernet", "dns_ms": 900.0}, "dns"),
    "slow-link": (
        "bandwidth",
        {
            "download_kbps": 150.0,
            "upload_kbps": 90.0,
            "required_down_kbps": 200.0,
            "required_up_kbps": 200.0,
        },
        "slow_link",
    ),
    "bufferbloat": (
        "bandwidth",
        {
            "download_kbps": 9000.0,
            "upload_kbps": 900.0,
            "required_down_kbps": 200.0,
            "required_up_kbps": 200.0,
            "latency_increase_ms": 250.0,
        },
        "busy_link",
    ),
    "loss": ("voice", {"mos": 3.2, "loss_pct": 5.0, "jitter_up_ms": 4.0, "rtt_ms": 40.0}, "loss"),
    "jitter": ("voice", {"mos": 3.8, "loss_pct": 0.0, "jitter_down_ms": 70.0}, "jitter"),
    "delay": ("voice", {"mos": 3.9, "loss_pct": 0.0, "rtt_ms": 320.0}, "delay"),
    "reflector": ("voice", {}, "unreachable"),
    "call-loss": ("call", {"mos": 3.1, "rx_loss_pct": 6.0}, "loss"),
    "no-headset": ("audio_devices", {"input_count": 1, "headset_detected": False}, "no_headset"),
    "no-mic": ("audio_devices", {"input_count": 0}, "no_microphone"),
    "hum": ("noise", {"noise_class": "hum", "hum_hz": 50}, "hum"),
    "clipping": ("noise", {"noise_class": "quiet", "clipping_pct": 3.0}, "clipping"),
    "noisy": ("noise", {"noise_class": "speech", "noise_floor_dbfs": -40.0}, "noise"),
    "cpu": ("system", {"cpu_pct": 97.0}, "cpu"),
    "memory": ("system", {"cpu_pct": 10.0, "memory_available_pct": 4.0}, "memory"),
    "disk": ("system", {"disk_free_pct": 2.0}, "disk"),
    "outdated": ("software", {"apps_outdated": 1}, "outdated"),
}
JARGON = re.compile(r"_|\bdBm?\b|dBFS|\bms\b|kbps|MOS|jitter|RSSI|DNS|bufferbloat|SQM")


@pytest.mark.parametrize("case", sorted(FAILING))
def test_each_failing_check_has_plain_words_and_one_thing_to_do(case: str) -> None:
    name, metrics, expected = FAILING[case]
    entry = {"status": "fail", "summary": "technical summary", "metrics": metrics}
    assert problem(name, entry) == expected
    said = message({name: entry})
    assert said == WORDS[expected]
    wrong, _, action = said.partition(": ")
    assert wrong and action, "a problem, then what to do"
    assert JARGON.search(said) is None, said


def test_exact_wifi_sentence_and_the_worst_check_wins() -> None:
    checks = {
        "system": {"status": "warn", "metrics": {"cpu_pct": 85.0}},
        "network": {
            "status": "fail",
            "metrics": {"interface_type": "wifi", "wifi_rssi_dbm": -80.0},
        },
    }
    assert message(checks) == (
        "Your Wi-Fi signal is weak: move closer to the router or plug in a cable."
    )
    assert message({"system": {"status": "pass"}, "noise": {"status": "skip"}}) is None


def _summary(status: str, at: str) -> dict[str, Any]:
    entry = {
        "status": status,
        "summary": "s",
        "at": at,
        "metrics": {
            "interface_type": "wifi",
            "wifi_rssi_dbm": -80.0 if status != "pass" else -50.0,
        },
    }
    return {"daemon": {"running": True}, "overall": status, "checks": {"network": entry}}


def test_one_blip_stays_green_two_in_a_row_turn_red_and_two_passes_clear() -> None:
    calm = Calm()
    seen = []
    for index, status in enumerate(["pass", "fail", "pass", "fail", "fail", "pass", "pass"]):
        shown = calmed(_summary(status, f"t{index}"), calm)
        seen.append(colour_of(shown))
    assert seen == ["green", "green", "green", "green", "red", "red", "green"]


def test_first_result_counts_at_once_and_the_menu_says_what_to_do() -> None:
    shown = calmed(_summary("fail", "t0"), Calm())
    assert colour_of(shown) == "red"
    assert menu_lines(shown)[:2] == [
        "Your Wi-Fi signal is weak",
        "> Move closer to the router or plug in a cable.",
    ]
    assert title_of(shown) == f"agentprobe: {WORDS['wifi']}"
