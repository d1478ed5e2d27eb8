"""A real collector for integration tests: `agentprobe collector serve` in a subprocess.

`start_collector(tmp_path)` starts the server (optionally inside `ip netns exec NAME`),
waits until `/healthz` answers over HTTPS with the generated certificate, then creates an
enrol secret and an admin token through the CLI, exactly as an operator would.
The returned `RunningCollector` stops, kills and restarts the process by its PID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import requests

from agentprobe.collector.ports import free_port
from tests.rigs.waiting import wait_until

START_TIMEOUT_S = 60.0  # a loaded 2-core machine, or a supervisor starting its workers


def agentprobe_command() -> list[str]:
    """The installed `agentprobe` script next to this interpreter, else `python -m`."""
    script = Path(sys.executable).with_name("agentprobe")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from agentprobe.cli import main; main()"]


def run_cli(*args: str) -> str:
    """Run an `agentprobe` command, return its stdout; raise with stderr when it fails."""
    done = subprocess.run(
        [*agentprobe_command(), *args], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"agentprobe {' '.join(args)} exited {done.returncode}: {done.stderr}")
    return done.stdout


@dataclass
class RunningCollector:
    """A collector process started by `start_collector`; `pid` is the server's own PID."""

    url: str
    host: str
    port: int
    ca_file: Path
    data_dir: Path
    enroll_secret: str
    admin_token: str
    pid: int
    netns: str | None = None
    db: str | None = None
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log_file(self) -> Path:
        return self.data_dir / "collector-test.log"

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM by PID and wait; SIGKILL if it does not exit in time. Returns the exit code."""
        return self._signal(signal.SIGTERM, timeout)

    def kill(self) -> int | None:
        """SIGKILL by PID (a crash: nothing is flushed) and reap it."""
        return self._signal(signal.SIGKILL, 10.0)

    def restart(self) -> RunningCollector:
        """Stop and start again on the same port, data dir and database."""
        self.stop()
        self.process = _spawn(self)
        self.pid = self.process.pid
        _wait_healthy(self)
        return self

    def enroll(self, agent_id: str, host: str = "test-host") -> str:
        """POST /api/v1/enroll with the rig's secret; returns the agent token."""
        response = requests.post(
            f"{self.url}/api/v1/enroll",
            json={"enroll_secret": self.enroll_secret, "agent_id": agent_id, "host": host},
            verify=str(self.ca_file),
            timeout=10,
        )
        response.raise_for_status()
        token: str = response.json()["agent_token"]
        return token

    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def cli_args(self) -> list[str]:
        """`--data-dir` (and `--db`) for CLI commands that act on this collector's store."""
        return ["--data-dir", str(self.data_dir), *(["--db", self.db] if self.db else [])]

    def _signal(self, signum: int, timeout: float) -> int | None:
        process = self.process
        if process is None or process.poll() is not None:
            return None if process is None else process.returncode
        os.kill(process.pid, signum)
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            return process.wait(10)


def start_collector(
    tmp_path: Path,
    host: str = "127.0.0.1",
    port: int | None = None,
    netns: str | None = None,
    db: str | None = None,
    extra_args: tuple[str, ...] = (),
) -> RunningCollector:
    """Start `agentprobe collector serve` on host:port (a free port when None) and wait for it."""
    data_dir = tmp_path / "collector"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port(host if netns is None else "127.0.0.1")
    rig = RunningCollector(
        url=f"https://{_url_host(host)}:{port}",
        host=host,
        port=port,
        ca_file=data_dir / "tls" / "cert.pem",
        data_dir=data_dir,
        enroll_secret="",
        admin_token="",
        pid=0,
        netns=netns,
        db=db,
        extra_args=extra_args,
    )
    rig.process = _spawn(rig)
    rig.pid = rig.process.pid
    try:
        _wait_healthy(rig)
        rig.enroll_secret, rig.admin_token = _credentials(rig)
    except BaseException:
        rig.stop()
        raise
    return rig


def _credentials(rig: RunningCollector) -> tuple[str, str]:
    """An enrol secret and an admin token, made by the store calls `collector secret
    create` and `collector admin-token create` make, in this process: two CLI runs cost
    three seconds a collector (tests/collector/test_flow.py runs the CLI itself)."""
    from agentprobe.collector.options import open_store
    from agentprobe.collector.store.credentials import Credentials
    from agentprobe.collector.store.kpis import create_token

    engine = open_store(rig.data_dir, rig.db)
    try:
        return Credentials(engine).create_secret(), create_token(engine, "ops")
    finally:
        engine.dispose()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _spawn(rig: RunningCollector) -> subprocess.Popen[bytes]:
    command = [
        *agentprobe_command(),
        "collector",
        "serve",
        *rig.cli_args(),
        "--listen",
        f"{_url_host(rig.host)}:{rig.port}",
        *rig.extra_args,
    ]
    if rig.netns:
        # `ip netns exec` execs the command, so the PID we hold is the server's own.
        command = ["ip", "netns", "exec", rig.netns, *command]
    with rig.log_file.open("ab") as log:
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)


def _wait_healthy(rig: RunningCollector) -> None:
    last_error = ["not started"]

    def healthy() -> bool:
        assert rig.process is not None
        if rig.process.poll() is not None:
            raise RuntimeError(f"collector exited {rig.process.returncode}:\n{_tail(rig)}")
        if not rig.ca_file.exists():
            return False
        try:
            # "close": a pooled keep-alive connection left behind would make the
            # server wait out its graceful-shutdown timeout on stop().
            answer = requests.get(
                f"{rig.url}/healthz",
                verify=str(rig.ca_file),
                timeout=2,
                headers={"Connection": "close"},
            )
        except requests.RequestException as error:
            last_error[0] = str(error)
            return False
        last_error[0] = f"HTTP {answer.status_code}"
        return answer.status_code == 200

    wait_until(
        healthy,
        START_TIMEOUT_S,
        "the collector's /healthz",
        lambda: f"({last_error[0]})\n{_tail(rig)}",
    )


def _tail(rig: RunningCollector) -> str:
    try:
        return rig.log_file.read_text(errors="replace")[-3000:]
    except OSError:
        return "(no log)"
