"""`agentprobe check --upload` keeps the data dir and outbox owner-only, as the daemon does."""

from __future__ import annotations

import stat
from pathlib import Path

from click.testing import CliRunner

from agentprobe.cli import cli
from agentprobe.collector.ports import free_port


def test_check_upload_creates_the_data_dir_0700_and_the_outbox_0600(tmp_path: Path) -> None:
    data = tmp_path / "nested" / "data"
    config = tmp_path / "agent.toml"
    port = free_port("127.0.0.1")  # nothing listens: the upload stays queued
    config.write_text(
        f'[agent]\nid = "pc-7"\ndata_dir = "{data}"\n[system]\ncpu_sample = 1\n'
        f'[collector]\nurl = "https://127.0.0.1:{port}"\nenroll_secret = "ape_x"\n'
    )
    result = CliRunner().invoke(
        cli, ["check", "--only", "system", "--upload", "--config", str(config)]
    )
    assert "queued" in result.stderr, result.output
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    outboxes = [p for p in data.iterdir() if p.suffix == ".db" or "outbox" in p.name]
    assert outboxes
    for path in outboxes:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
