"""Response headers a browser needs to keep the dashboard safe, and /healthz telling the
truth when storage fails (a full disk: 503, and enrolment answers 503, not 500)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.collector.security.client import enroll_body, request
from tests.rigs.collector import RunningCollector, start_collector

pytestmark = pytest.mark.integration
JSON = {"Content-Type": "application/json"}


def test_pages_carry_csp_frame_hsts_and_cache_headers(rig: RunningCollector) -> None:
    page = requests.get(f"{rig.url}/login", verify=str(rig.ca_file), timeout=10)
    assert page.status_code == 200
    headers = page.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["strict-transport-security"] == "max-age=31536000"
    assert headers["cache-control"] == "no-store"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 48 MiB tmpfs (needs root), unmounted afterwards."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_reported_by_healthz_and_writes_answer_503(tiny_disk: Path) -> None:
    rig = start_collector(tiny_disk)
    try:
        filler = tiny_disk / "filler"
        with filler.open("wb") as handle:  # fill what is left, to the last block
            try:
                while True:
                    handle.write(b"\0" * 65536)
                    handle.flush()
            except OSError:
                pass
        health = requests.get(f"{rig.url}/healthz", verify=str(rig.ca_file), timeout=10)
        assert health.status_code == 503 and health.json()["error"] == "unavailable"
        statuses = {
            request(rig, "POST", "/api/v1/enroll", enroll_body(rig, f"full-{n}"), JSON).status
            for n in range(5)
        }
        assert statuses <= {200, 503}  # what still fits is stored; nothing answers 500
        filler.unlink()
        health = requests.get(f"{rig.url}/healthz", verify=str(rig.ca_file), timeout=10)
        assert health.status_code == 200
    finally:
        rig.stop()
