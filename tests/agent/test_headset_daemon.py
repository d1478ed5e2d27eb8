"""The daemon starts the headset child when a call turns live and stops it after; the
intake holds finished calls back until the child's record can join them."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from agentprobe.agent.call_intake import HOLD_S, CallIntake, ready
from agentprobe.agent.daemon import CALL_POLL_S, Daemon
from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.agent.link import Link
from agentprobe.calls.merge import HEADSET_WAIT_S
from agentprobe.calls.spool import CallSpool
from agentprobe.config.load import load
from agentprobe.report import Report
from agentprobe.uplink.session import make_session
from tests.agent.fakes import Clock, FakeLaunch
from tests.rigs.daemon import write_config

WALL = 1_800_000_000.0


class Grades:
    """Records which files the intake handed on; grades none of them."""

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def __call__(self, files: Sequence[Path]) -> list[tuple[list[Path], Report | None]]:
        self.seen.append(sorted(path.name for path in files))
        return []


def daemon(
    tmp_path: Path, live: list[bool], clock: Clock, intake: CallIntake | None = None
) -> tuple[Daemon, FakeLaunch]:
    config = load(write_config(tmp_path / "agent.toml", tmp_path / "data"))
    outbox = Outbox.in_dir(config.data_dir)
    launch = FakeLaunch()
    loop = Daemon(config, [], Link(config, outbox, make_session), outbox, lambda *a: None,
                  lambda: live[0], threading.Event(), random.Random(0), clock, calls=intake,
                  headset=launch)  # fmt: skip
    loop.scheduler.start(clock())
    return loop, launch


def test_the_child_runs_exactly_while_the_call_is_live(tmp_path: Path) -> None:
    clock, live = Clock(), [False]
    loop, launch = daemon(tmp_path, live, clock)
    loop.step(clock())
    assert launch.started == []
    live[0] = True
    for _ in range(3):  # live over several polls: one child, started once
        clock.advance(CALL_POLL_S)
        loop.step(clock())
    assert len(launch.started) == 1 and loop.listening()
    live[0] = False
    clock.advance(CALL_POLL_S)
    loop.step(clock())
    assert launch.started[0].stops == 1 and not loop.listening()


def test_a_child_that_died_is_not_restarted_until_the_next_call(tmp_path: Path) -> None:
    clock, live = Clock(), [True]
    loop, launch = daemon(tmp_path, live, clock)
    loop.step(clock())
    launch.started[0].die()
    clock.advance(CALL_POLL_S)
    loop.step(clock())
    assert len(launch.started) == 1 and not loop.listening()
    for state in (False, True):
        live[0] = state
        clock.advance(CALL_POLL_S)
        loop.step(clock())
    assert len(launch.started) == 2 and loop.listening()


def test_stopping_the_daemon_stops_the_child_so_its_record_is_written(tmp_path: Path) -> None:
    clock, live = Clock(), [True]
    loop, launch = daemon(tmp_path, live, clock)
    loop.step(clock())
    loop.stop.set()
    loop.run()
    assert launch.started[0].stops == 1


def test_finished_calls_wait_while_the_child_runs(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    os.utime(CallSpool(spool).put({"call_id": "wire-1"}), (WALL - 10, WALL - 10))
    grades = Grades()
    clock, live = Clock(), [True]
    loop, _ = daemon(tmp_path, live, clock, CallIntake([spool], grades, 5.0, lambda: WALL))
    loop.step(clock())
    assert loop.listening() and grades.seen == []
    live[0] = False
    clock.advance(CALL_POLL_S)
    loop.step(clock())
    assert grades.seen == [["wire-1.json"]]


def paths(*items: tuple[float, str]) -> list[tuple[float, Path]]:
    return [(WALL - age, Path(name)) for age, name in items]


def test_a_headset_record_goes_with_other_records_or_once_it_is_old() -> None:
    young = paths((5.0, "headset-a.json"))
    assert ready(young, WALL, listening=False) == []
    with_call = paths((5.0, "headset-a.json"), (3.0, "wire-1.json"))
    assert ready(with_call, WALL, False) == [Path("headset-a.json"), Path("wire-1.json")]
    old = paths((HEADSET_WAIT_S, "headset-a.json"))
    assert ready(old, WALL, False) == [Path("headset-a.json")]


def test_while_listening_only_records_older_than_the_hold_go() -> None:
    found = paths((HOLD_S + 1, "wire-old.json"), (30.0, "wire-new.json"))
    assert ready(found, WALL, listening=True) == [Path("wire-old.json")]
    assert ready(found, WALL, listening=False) == [Path("wire-old.json"), Path("wire-new.json")]


def test_the_daemon_side_never_loads_numpy_or_an_audio_library() -> None:
    code = (
        "import sys, agentprobe.agent.daemon, agentprobe.agent.headset, "
        "agentprobe.agent.call_intake, agentprobe.agent.call_signal\n"
        "print(sorted(m for m in ('numpy', 'sounddevice', 'pyaudio', 'agentprobe.checks', "
        "'agentprobe.audio.backend') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, check=True)  # fmt: skip
    assert done.stdout.strip() == "[]"
