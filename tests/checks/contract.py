"""Metric names the report contract requires of the bandwidth and voice checks."""

REQUIRED_BANDWIDTH = frozenset(
    [
        "download_kbps",
        "upload_kbps",
        "required_down_kbps",
        "required_up_kbps",
        "idle_latency_ms",
        "loaded_latency_ms",
        "bytes_used",
    ]
)
REQUIRED_VOICE = frozenset(
    [
        "rtt_ms",
        "rtt_p95_ms",
        "jitter_up_ms",
        "jitter_down_ms",
        "loss_up_pct",
        "loss_down_pct",
        "loss_pct",
        "max_burst_loss",
        "r_factor",
        "mos",
        "packets_sent",
    ]
)
