"""The shipped haproxy configuration is one haproxy accepts (`haproxy -c`)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agentprobe.collector.tls import ensure_certificate
from tests.rigs.haproxy import binary

SHIPPED = Path(__file__).parents[3] / "packaging" / "haproxy" / "agentprobe-collector.cfg"


def test_shipped_haproxy_config_is_valid(tmp_path: Path) -> None:
    command = binary()
    if command is None:
        pytest.skip("haproxy absent (Debian package `haproxy`)")
    cert, _ = ensure_certificate(tmp_path / "tls", "127.0.0.1")
    config = tmp_path / "haproxy.cfg"
    text = SHIPPED.read_text().replace("/etc/agentprobe/tls/cert.pem", str(cert))
    config.write_text(text.replace("log /dev/log local0", "log stderr local0"))
    checked = subprocess.run(
        [command, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
