"""Cause categories from check metrics: exact inputs, one expected category each."""

from __future__ import annotations

from typing import Any

import pytest

from agentprobe.collector.causes import cause_of, report_causes


def check(name: str, status: str, **metrics: Any) -> dict[str, Any]:
    return {"name": name, "status": status, "metrics": metrics}


WEAK_WIFI = {"interface_type": "wifi", "wifi_rssi_dbm": -78.0}
GOOD_WIFI = {"interface_type": "wifi", "wifi_rssi_dbm": -55.0}
CABLE = {"interface_type": "ethernet"}

CASES = {
    "cpu": (check("system", "fail", cpu_pct=97.0), None, "pc"),
    "softphone-old": (check("software", "warn", apps_outdated=1), None, "softphone"),
    "no-headset": (check("audio_devices", "warn", headset_detected=False), None, "headset"),
    "weak-wifi": (check("network", "fail", **WEAK_WIFI), None, "wifi"),
    "slow-gateway-on-wifi": (
        check("network", "warn", interface_type="wifi", wifi_rssi_dbm=-60.0, gateway_rtt_ms=35.0),
        None,
        "wifi",
    ),
    "slow-dns-on-cable": (check("network", "warn", dns_ms=700.0, **CABLE), None, "home_network"),
    "noisy-room": (
        check("noise", "fail", noise_floor_dbfs=-45.0, noise_class="speech"),
        None,
        "room",
    ),
    "hum": (check("noise", "warn", noise_class="hum", hum_hz=50), None, "headset"),
    "clipping": (check("noise", "warn", clipping_pct=2.0, noise_class="quiet"), None, "headset"),
    "loss-on-weak-wifi": (check("voice", "fail", mos=3.1, loss_pct=4.0), WEAK_WIFI, "wifi"),
    "loss-on-good-wifi": (check("voice", "fail", mos=3.1, loss_pct=4.0), GOOD_WIFI, "home_network"),
    "slow-link": (
        check(
            "bandwidth",
            "fail",
            download_kbps=150.0,
            upload_kbps=90.0,
            required_down_kbps=200.0,
            required_up_kbps=200.0,
        ),
        CABLE,
        "home_network",
    ),
    "bufferbloat-only": (
        check(
            "bandwidth",
            "warn",
            download_kbps=9000.0,
            upload_kbps=900.0,
            required_down_kbps=200.0,
            required_up_kbps=200.0,
            latency_increase_ms=150.0,
        ),
        WEAK_WIFI,
        "home_network",
    ),
    "reflector-unreachable": (check("voice", "error"), None, "collector"),
    "call-poor-on-cable": (check("call", "warn", mos=3.7, rx_loss_pct=2.0), CABLE, "home_network"),
    "pass": (check("voice", "pass", mos=4.3), None, None),
    "skip": (check("bandwidth", "skip"), None, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_cause_of(case: str) -> None:
    result, network, expected = CASES[case]
    assert cause_of(result, network) == expected


def test_report_causes_use_the_same_reports_network_check() -> None:
    checks = [
        check("network", "warn", **{**WEAK_WIFI, "wifi_rssi_dbm": -70.0}),
        check("voice", "fail", mos=3.2),
        check("system", "pass", cpu_pct=20.0),
    ]
    assert report_causes(checks) == [("network", "warn", "wifi"), ("voice", "fail", "wifi")]
