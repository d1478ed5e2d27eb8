"""Running one cycle of checks in a short-lived child process.

The daemon stays small because the checks' heavy libraries (numpy, scipy, audio) are
only ever imported here, in a child that exits when the report is made. The child
prints the report as JSON on stdout; progress and errors go to stderr (the daemon's log).

    python -m agentprobe.agent.worker --trigger schedule [--in-call] [--config FILE] NAME...
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence

from agentprobe.config import Config
from agentprobe.report import Report

INVENTORY_FILE = "inventory.json"


def command(config: Config, names: Sequence[str], trigger: str, in_call: bool) -> list[str]:
    """The child's command line for this config and selection."""
    argv = [sys.executable, "-m", "agentprobe.agent.worker", "--trigger", trigger]
    if in_call:
        argv.append("--in-call")
    if config.source is not None:
        argv += ["--config", str(config.source)]
    return [*argv, *names]


def run_in_child(
    config: Config,
    names: Sequence[str],
    trigger: str,
    in_call: bool,
    stop: threading.Event,
    grace_s: float = 15.0,
) -> Report | None:
    """Run `names` in a child and return its report; None if it failed or was stopped.

    When `stop` is set the child gets `grace_s` more seconds to finish, then is killed:
    an unfinished measurement is not a report, so nothing stored is lost.
    """
    timeout = sum(config.check(name).timeout for name in names) + 30.0
    child = subprocess.Popen(
        command(config, names, trigger, in_call), stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            out, _ = child.communicate(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            if stop.is_set():
                deadline = min(deadline, time.monotonic() + grace_s)
            if time.monotonic() > deadline:
                child.kill()
                child.communicate()
                return None
    if child.returncode != 0:
        return None
    try:
        return Report.from_json(out)
    except (ValueError, KeyError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    from agentprobe.agent.identity import read_token
    from agentprobe.changes import InventoryStore
    from agentprobe.checks.base import Environment
    from agentprobe.config import load
    from agentprobe.runner import run_checks, select

    parser = argparse.ArgumentParser(prog="agentprobe-worker")
    parser.add_argument("--trigger", default="schedule")
    parser.add_argument("--in-call", action="store_true")
    parser.add_argument("--config")
    parser.add_argument("names", nargs="+")
    args = parser.parse_args(argv)
    # The daemon decides when to stop us; a terminal's Ctrl-C must not cut a check short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    config = load(args.config)
    env = Environment(config, config.data_dir, token=read_token(config.data_dir))
    inventory = InventoryStore(config.data_dir / INVENTORY_FILE)
    report = run_checks(config, env, select(args.names), args.trigger, args.in_call, inventory)
    sys.stdout.write(report.to_json())
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
