"""Running one cycle of checks in a short-lived child process.

The daemon stays small because the checks' heavy libraries (numpy, scipy, audio) are
only ever imported here, in a child that exits when the report is made. The child
prints the report as JSON on stdout; progress and errors go to stderr (the daemon's log).

    python -m agentprobe.agent.worker --trigger schedule [--in-call] [--config FILE] NAME...
    python -m agentprobe.agent.worker --describe [--config FILE]
    python -m agentprobe.agent.worker --calls [--config FILE] SPOOL_FILE...

`--describe` validates the whole config (every check's section) and prints the schedule
the daemon needs, so the daemon itself never imports the check modules. `--calls`
grades finished call records from the spool and prints one line per report,
`{"files": [...], "report": {...}}`, or `{"files": [...], "error": "..."}`.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentprobe.agent.scheduler import Plan
from agentprobe.config.sections import Config
from agentprobe.report import Report

INVENTORY_FILE = "inventory.json"
CALL_SPOOL_DIR = "calls"


class ConfigRejected(Exception):
    """The child found the config invalid (it printed the reason); exit code 3."""


@dataclass(frozen=True)
class Schedule:
    """What the daemon needs to know about the checks, without importing them."""

    plans: list[Plan]
    timeouts: dict[str, float]
    softphones: list[str]
    call_spools: list[str] = field(default_factory=list)  # empty: no finished calls reported
    capture_spool: str = ""  # the capture service's spool, whose live.state says "in call"
    headset: bool = False  # measure the microphone while a call is live ([call] headset)


def command(config: Config, names: Sequence[str], trigger: str, in_call: bool) -> list[str]:
    """The child's command line for this config and selection."""
    argv = [sys.executable, "-m", "agentprobe.agent.worker", "--trigger", trigger]
    if in_call:
        argv.append("--in-call")
    if config.source is not None:
        argv += ["--config", str(config.source)]
    return [*argv, *names]


def describe_in_child(config_path: str | None) -> Schedule:
    """Validate the config and read the enabled checks' schedule in a child process."""
    argv = [sys.executable, "-m", "agentprobe.agent.worker", "--describe"]
    if config_path:
        argv += ["--config", config_path]
    done = subprocess.run(argv, stdout=subprocess.PIPE, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise ConfigRejected()
    data = json.loads(done.stdout)
    plans = [Plan(p["name"], p["interval_s"], p["heavy"]) for p in data["plans"]]
    timeouts = {name: float(t) for name, t in data["timeouts"].items()}
    spools = list(data.get("call_spools", []))
    capture = str(data.get("capture_spool", ""))
    headset = bool(data.get("headset"))
    return Schedule(plans, timeouts, list(data["softphones"]), spools, capture, headset)


def describe(config: Config) -> dict[str, Any]:
    from agentprobe.checks.registry import CHECKS

    enabled = [c for c in CHECKS if config.check(c.name).enabled and c.scheduled]
    return {
        "plans": [
            {"name": c.name, "interval_s": config.check(c.name).interval, "heavy": c.heavy}
            for c in enabled
        ],
        "timeouts": {c.name: config.check(c.name).timeout for c in enabled},
        "softphones": softphone_processes(config),
        "call_spools": call_spools(config),
        "capture_spool": capture_spool(config),
        "headset": headset_enabled(config),
    }


def capture_spool(config: Config) -> str:
    """The capture service's spool, or "" when packet capture is not set up."""
    from agentprobe.checks.call import CallCheck, CallConfig

    section = config.checks.get(CallCheck.name)
    return section.capture_spool if isinstance(section, CallConfig) else ""


def call_spools(config: Config) -> list[str]:
    """Where finished calls wait: the browser host's in the data dir, the capture service's."""
    from agentprobe.checks.call import CallCheck, CallConfig

    section = config.checks.get(CallCheck.name)
    if not isinstance(section, CallConfig) or not section.enabled:
        return []
    own, capture = str(config.data_dir / CALL_SPOOL_DIR), capture_spool(config)
    return [own, capture] if capture else [own]


def headset_enabled(config: Config) -> bool:
    """`[call] headset`, when the call check itself is on."""
    from agentprobe.checks.call import CallCheck, CallConfig

    section = config.checks.get(CallCheck.name)
    return isinstance(section, CallConfig) and section.enabled and section.headset


def grade_calls(config: Config, files: Sequence[str]) -> list[dict[str, Any]]:
    """One line per call_end report made of these spool files (merged where one call was
    seen by capture, the browser or the headset), or per file that is not a call record.
    A young headset record that matched no call gets no line: it stays in the spool."""
    from agentprobe.calls.merge import merge_calls, waiting
    from agentprobe.calls.spool import read_record
    from agentprobe.checks.call import CallCheck, CallConfig, call_report

    section = config.check(CallCheck.name)
    check = CallCheck(section if isinstance(section, CallConfig) else CallConfig())
    lines: list[dict[str, Any]] = []
    records = []
    for name in files:
        record = read_record(Path(name))
        if record is None:
            lines.append({"files": [name], "error": "not a call record"})
        else:
            records.append((name, record))
    now = time.time()
    for names, record in merge_calls(records):
        if waiting(record, now - _mtime(names[0], now)):
            continue
        lines.append({"files": names, "report": call_report(config, record, check).to_dict()})
    return lines


def _mtime(name: str, default: float) -> float:
    try:
        return Path(name).stat().st_mtime
    except OSError:
        return default


def softphone_processes(config: Config) -> list[str]:
    """Process names of the softphones listed in `[software] apps` (for call detection)."""
    from agentprobe.checks.software import SoftwareCheck, SoftwareConfig

    section = config.checks.get(SoftwareCheck.name)
    return section.softphone_processes() if isinstance(section, SoftwareConfig) else []


def run_in_child(
    config: Config,
    timeouts: Mapping[str, float],
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
    timeout = sum(timeouts.get(name, 60.0) for name in names) + 30.0
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
    from agentprobe.checks.changes import InventoryStore
    from agentprobe.checks.registry import load_config
    from agentprobe.checks.runner import environment, run_checks, select
    from agentprobe.config.spec import ConfigError
    from agentprobe.uplink.identity import read_token

    parser = argparse.ArgumentParser(prog="agentprobe-worker")
    parser.add_argument("--trigger", default="schedule")
    parser.add_argument("--in-call", action="store_true")
    parser.add_argument("--config")
    parser.add_argument("--describe", action="store_true")
    parser.add_argument("--calls", action="store_true")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    # The daemon decides when to stop us; a terminal's Ctrl-C must not cut a check short.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print(f"agentprobe: config error: {error}", file=sys.stderr)
        return 3
    if args.describe:
        print(json.dumps(describe(config)))
        return 0
    if args.calls:
        for line in grade_calls(config, args.names):
            print(json.dumps(line, allow_nan=False))
        return 0
    env = environment(config, token=read_token(config.data_dir), options={"trigger": args.trigger})
    inventory = InventoryStore(config.data_dir / INVENTORY_FILE)
    report = run_checks(config, env, select(args.names), args.trigger, args.in_call, inventory)
    sys.stdout.write(report.to_json())
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
