"""The `network` check: default-route interface, Wi-Fi signal, gateway, DNS and VPN."""

from __future__ import annotations

from dataclasses import dataclass

from agentprobe.configspec import CheckConfig, every, setting


@dataclass(frozen=True)
class NetworkConfig(CheckConfig):
    interval: float = every(300.0)
    dns_name: str = setting("", "name resolved to time DNS; default: the collector's host")
