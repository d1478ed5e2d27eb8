"""The network check for real, in a namespace whose default route is a veth to a router
namespace we own (so no traffic leaves the machine), through the `agentprobe` script."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import jsonschema
import pytest

from agentprobe.checks.network import FALLBACK_DNS_NAME
from agentprobe.report import Report, Status, json_schema
from tests.rigs.router import GATEWAY, in_ns, namespaces, usable

pytestmark = [
    pytest.mark.integration,
    pytest.mark.root,
    pytest.mark.skipif(usable() is not None, reason=str(usable())),
]
SCRIPT = str(Path(sys.executable).with_name("agentprobe"))


def _env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    return {
        "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local/share"),
        "LANG": "C.UTF-8",
    }


def test_check_with_no_config_in_a_namespace(tmp_path: Path) -> None:
    """`agentprobe check --json` with no config file: every check runs or says why not."""
    with namespaces("nc") as rig:
        sysctl = in_ns(rig.client, "sysctl", "-w", "net.ipv4.ping_group_range=0 2147483647")
        assert sysctl.returncode == 0, sysctl.stderr
        speed = in_ns(rig.client, "cat", f"/sys/class/net/{rig.client_if}/speed").stdout.strip()
        done = in_ns(rig.client, SCRIPT, "check", "--json", env=_env(tmp_path))
    assert "Traceback" not in done.stderr, done.stderr
    data = json.loads(done.stdout)
    jsonschema.validate(data, json_schema())
    report = Report.from_dict(data)
    assert done.returncode == report.status.exit_code
    results = {r.name: r for r in report.checks}
    for result in results.values():
        assert result.summary, f"{result.name} gave no reason"
    network = results["network"]
    assert network.status is Status.PASS, network.summary
    metrics = network.metrics
    assert (metrics["interface"], metrics["interface_type"]) == (rig.client_if, "ethernet")
    assert metrics["gateway_probe"] == "icmp"  # ping_group_range allows the datagram socket
    assert isinstance(metrics["gateway_rtt_ms"], float) and metrics["gateway_rtt_ms"] > 0
    assert isinstance(metrics["dns_ms"], float) and metrics["dns_ms"] > 0
    assert metrics["vpn_active"] is False
    assert "wifi_rssi_dbm" not in metrics
    if speed.isdigit() and int(speed) > 0:
        assert metrics["link_speed_mbps"] == float(speed)
    assert GATEWAY not in done.stdout  # the summary carries no addresses
    assert network.summary.startswith(f"{rig.client_if} (ethernet")
    assert network.summary.endswith(
        " ms; no VPN; not measured: router uptime (the router did not answer UPnP)"
    )
    assert f"; DNS {FALLBACK_DNS_NAME} " in network.summary  # no collector: the fallback name


def test_fallbacks_and_a_failing_lookup(tmp_path: Path) -> None:
    """Without ping_group_range the system ping times the gateway; NXDOMAIN fails plainly."""
    config = tmp_path / "config.toml"
    config.write_text('[network]\ndns_name = "missing.test"\n')
    with namespaces("fb") as rig:
        done = in_ns(rig.client, SCRIPT, "check", "--only", "network", "--json",
                     "--config", str(config), env=_env(tmp_path))  # fmt: skip
    report = Report.from_json(done.stdout)
    (network,) = report.checks
    assert (network.status, done.returncode) == (Status.FAIL, 2)
    assert network.metrics["gateway_probe"] == "ping"
    assert "dns_ms" not in network.metrics
    assert "could not resolve missing.test: " in network.summary
    assert network.advice == [
        "Name lookups fail: restart the router; if that does not help, tell IT."
    ]
