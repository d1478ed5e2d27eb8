"""A real `agentprobe run` in a subprocess, with a config that runs only quick checks.

Every check section the registry knows is written with `enabled = false` except the
ones asked for, so checks added later do not slow these tests down.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from collections.abc import Callable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.checks.registry import config_sections
from tests.rigs.collector import agentprobe_command
from tests.rigs.waiting import wait_until

QUEUED = re.compile(r"queued report ([0-9a-f-]{36})")


def write_config(
    path: Path,
    data_dir: Path,
    collector: Mapping[str, Any] | None = None,
    enabled: Mapping[str, Mapping[str, Any]] | None = None,
    agent_id: str = "test-agent",
) -> Path:
    """A TOML config: only the `enabled` checks run (with their extra keys)."""
    enabled = enabled or {"system": {"interval": 10, "cpu_sample": 1}}
    lines = ["[agent]", f'id = "{agent_id}"', f"data_dir = {json.dumps(str(data_dir))}"]
    lines += ['log_level = "debug"', "[schedule]", "jitter = 0"]
    if collector:
        lines.append("[collector]")
        lines += [f"{key} = {toml(value)}" for key, value in collector.items()]
    for name in config_sections():
        lines.append(f"[{name}]")
        if name in enabled:
            lines += [f"{key} = {toml(value)}" for key, value in enabled[name].items()]
        else:
            lines.append("enabled = false")
    path.write_text("\n".join(lines) + "\n")
    return path


def toml(value: Any) -> str:
    """A TOML value: JSON spelling works for strings, numbers and lists; tables are inline."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key} = {toml(item)}" for key, item in value.items()) + "}"
    return json.dumps(value)


@dataclass
class RunningDaemon:
    config: Path
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def queued_ids(self) -> list[str]:
        return QUEUED.findall(self.log.read_text(errors="replace"))

    def outbox_depth(self) -> int:
        with closing(Outbox.in_dir(self.data_dir)) as outbox:
            return outbox.depth()

    def pending_ids(self) -> list[str]:
        with closing(Outbox.in_dir(self.data_dir)) as outbox:
            return [entry.report_id for entry in outbox.oldest(1000)]

    def status(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.data_dir / "status.json").read_text()))
        except (OSError, ValueError):
            return {}

    def wait_for_upload(self, state: str, timeout: float) -> dict[str, Any]:
        """The status file's `upload` entry, once its state is `state`."""

        def reached() -> dict[str, Any] | None:
            upload: dict[str, Any] = self.status().get("upload", {})
            return upload if upload.get("state") == state else None

        return dict(wait_for(reached, timeout, f"status to show upload {state}", self.tail))

    def request_run(self) -> None:
        (self.data_dir / "run-now.request").touch()

    def stop(self, timeout: float = 40.0) -> int:
        """SIGTERM by PID and wait; SIGKILL only if it does not stop in time."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
            raise AssertionError(f"daemon did not stop on SIGTERM:\n{self.tail()}") from None

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def start_daemon(config: Path, data_dir: Path, log_name: str = "daemon.log") -> RunningDaemon:
    log = config.parent / log_name
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [*agentprobe_command(), "run", "--config", str(config)],
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    return RunningDaemon(config, data_dir, log, process)


def wait_for(
    condition: Callable[[], Any], timeout: float, what: str, tail: Callable[[], str]
) -> Any:
    """Poll `condition` every 0.2 s until it is truthy; fail with `what` and a log tail."""
    return wait_until(condition, timeout, what, tail, interval_s=0.2)
