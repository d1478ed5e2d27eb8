"""The daemon loop with scripted parts: calls hold heavy checks back, run requests, state."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Sequence
from pathlib import Path

from agentprobe.agent.daemon import Daemon
from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.agent.link import Link
from agentprobe.agent.scheduler import Plan
from agentprobe.agent.state import request_run
from agentprobe.agent.tray.icon import colour_of, menu_lines, show_sent
from agentprobe.config.load import load
from agentprobe.report import CheckResult, Context, Report, Status
from agentprobe.uplink.session import make_session
from tests.agent.fakes import Clock
from tests.rigs.daemon import write_config

PLANS = [Plan("system", 300.0, False), Plan("voice", 900.0, True)]


class Cycles:
    """Records each cycle's (names, trigger, in_call) and answers with a passing report."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], str, bool]] = []

    def __call__(self, names: Sequence[str], trigger: str, in_call: bool) -> Report:
        self.calls.append((tuple(names), trigger, in_call))
        results = [CheckResult(name, Status.PASS, f"{name} ok") for name in names]
        return Report("loop", results, trigger, Context(in_call=in_call))


def daemon(tmp_path: Path, in_call: list[bool], clock: Clock) -> tuple[Daemon, Cycles]:
    config = load(write_config(tmp_path / "agent.toml", tmp_path / "data"))
    outbox = Outbox.in_dir(config.data_dir)
    cycles = Cycles()
    link = Link(config, outbox, make_session)
    loop = Daemon(
        config,
        PLANS,
        link,
        outbox,
        cycles,
        lambda: in_call[0],
        threading.Event(),
        random.Random(0),
        clock,
    )
    return loop, cycles


def test_heavy_checks_wait_out_a_call_then_run_with_call_end(tmp_path: Path) -> None:
    clock, in_call = Clock(), [True]
    loop, cycles = daemon(tmp_path, in_call, clock)
    loop.scheduler.start(clock())
    loop.step(clock())
    assert cycles.calls == [(("system",), "schedule", True)]
    assert loop.snapshot()["postponed"] == ["voice"]
    in_call[0] = False
    clock.advance(10.0)
    loop.step(clock())
    assert cycles.calls[-1] == (("voice",), "call_end", False)
    status = json.loads((tmp_path / "data" / "status.json").read_text())
    assert set(status["checks"]) == {"system", "voice"}
    assert status["upload"]["state"] == "local-only"


def test_run_request_runs_everything_now(tmp_path: Path) -> None:
    clock = Clock()
    loop, cycles = daemon(tmp_path, [False], clock)
    loop.scheduler.start(clock())
    loop.step(clock())
    request_run(tmp_path / "data")
    clock.advance(1.0)
    loop.tick(clock())
    assert not (tmp_path / "data" / "run-now.request").exists()
    assert cycles.calls[-1] == (("system", "voice"), "manual", False)


def test_tray_model_colours_lines_and_what_is_sent(tmp_path: Path) -> None:
    summary = {
        "daemon": {"running": True},
        "overall": "warn",
        "checks": {"system": {"status": "warn", "summary": "on battery"}},
    }
    assert colour_of(summary) == "amber"
    assert menu_lines(summary) == ["system: warn - on battery"]
    assert colour_of({**summary, "overall": "fail"}) == "red"
    assert colour_of({**summary, "daemon": {"running": False}}) == "grey"
    assert colour_of({**summary, "overall": "unknown"}) == "grey"
    assert show_sent(tmp_path) is None
    (tmp_path / "last-sent.json").write_text('{"report_id": "r"}')
    shown = show_sent(tmp_path)
    assert shown is not None and json.loads(shown.read_text()) == {"report_id": "r"}
