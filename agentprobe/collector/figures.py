"""The key figures of one report, read by name from its checks (pure; for exports and trends).

A report carries dozens of metrics; operations look at a dozen: MOS, the link against its
budget, loss, jitter, bufferbloat, noise, the headset, the Wi-Fi signal, the VPN. A
figure is absent (None) when its check did not run or did not measure it. A call's own
MOS and loss stand in for the voice probe's when the report is a finished call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# (figure, check, metric); the first check that has the metric wins.
FIGURES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("mos", ("voice", "call"), "mos"),
    ("loss_pct", ("voice",), "loss_pct"),
    ("jitter_up_ms", ("voice",), "jitter_up_ms"),
    ("jitter_down_ms", ("voice",), "jitter_down_ms"),
    ("rtt_ms", ("voice", "call"), "rtt_ms"),
    ("download_kbps", ("bandwidth",), "download_kbps"),
    ("upload_kbps", ("bandwidth",), "upload_kbps"),
    ("required_down_kbps", ("bandwidth",), "required_down_kbps"),
    ("required_up_kbps", ("bandwidth",), "required_up_kbps"),
    ("bufferbloat_grade", ("bandwidth",), "bufferbloat_grade"),
    ("noise_floor_dbfs", ("noise",), "noise_floor_dbfs"),
    ("noise_class", ("noise",), "noise_class"),
    ("headset_detected", ("audio_devices",), "headset_detected"),
    ("interface_type", ("network",), "interface_type"),
    ("wifi_rssi_dbm", ("network",), "wifi_rssi_dbm"),
    ("vpn_active", ("network",), "vpn_active"),
)
NUMERIC = (
    "mos",
    "loss_pct",
    "jitter_up_ms",
    "jitter_down_ms",
    "rtt_ms",
    "download_kbps",
    "upload_kbps",
    "noise_floor_dbfs",
    "wifi_rssi_dbm",
)
# The numeric figures kept per report in the store (jitter_ms: the worse direction);
# alert metric rules may watch any of them.
FIGURE_COLUMNS = (
    "mos",
    "loss_pct",
    "jitter_ms",
    "rtt_ms",
    "download_kbps",
    "upload_kbps",
    "noise_floor_dbfs",
    "wifi_rssi_dbm",
)
# The call check reports its loss and jitter under received-direction names.
_CALL_ALIASES = {"loss_pct": "rx_loss_pct", "jitter_down_ms": "rx_jitter_ms"}


def _metrics(checks: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    return {str(c.get("name")): c.get("metrics") or {} for c in checks}


def _scalar(value: Any) -> Any:
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return float(value)
    return None


def key_figures(checks: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """figure -> value (float, bool or str) or None, for one report's `checks` list."""
    by_check = _metrics(checks)
    figures: dict[str, Any] = {}
    for figure, sources, metric in FIGURES:
        figures[figure] = None
        for source in sources:
            value = _scalar(by_check.get(source, {}).get(metric))
            if value is not None:
                figures[figure] = value
                break
    call = by_check.get("call")
    if call:
        for figure, metric in _CALL_ALIASES.items():
            if figures[figure] is None:
                figures[figure] = _scalar(call.get(metric))
    return figures


def worst_jitter(figures: Mapping[str, Any]) -> float | None:
    """The worse direction's jitter, ms."""
    values = (figures.get("jitter_up_ms"), figures.get("jitter_down_ms"))
    numbers = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    return max(numbers) if numbers else None
