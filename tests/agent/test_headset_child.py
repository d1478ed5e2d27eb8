"""The headset child's parts: device looks, the capture loop with a fake backend, its record,
and how the worker grades a headset record that found no call."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from agentprobe.agent.headset_child import MAX_CALL_S, DeviceWatch, listen, record_of, watchdog
from agentprobe.agent.worker import grade_calls
from agentprobe.audio.backend import Block
from agentprobe.audio.pactl import ServerDevice
from agentprobe.audio.sound_server import SoundServer
from agentprobe.calls.headset import HeadsetTally
from agentprobe.calls.merge import HEADSET_WAIT_S
from agentprobe.calls.spool import CallSpool
from agentprobe.checks.registry import config_from_dict
from tests.agent.fakes import Clock
from tests.audio.fakes import FakeBackend, device
from tests.audio.signals import at_level, pink

BT = {"device.bus": "bluetooth", "bluetooth.protocol": "headset_head_unit"}


def server(default: str, properties: dict[str, str] | None = None) -> SoundServer:
    source = ServerDevice("source", default, default, 16000, "", properties or {})
    return SoundServer("PulseAudio", [source], [], source, None)


class Servers:
    """Answers each look with the next sound server in the list (None: no answer)."""

    def __init__(self, *answers: SoundServer | None) -> None:
        self.answers = list(answers)

    def __call__(self) -> SoundServer | None:
        return self.answers.pop(0)


def test_looks_count_switches_and_hands_free_time_and_skip_a_silent_server() -> None:
    clock, tally = Clock(0.0), HeadsetTally()
    answers = Servers(server("usb"), server("bt", BT), None, server("usb"))
    watch = DeviceWatch(tally, answers, poll_s=5.0, clock=clock)
    mic = device(1, "pulse")
    for _ in range(4):
        watch.look(mic)
        watch.look(mic)  # too soon: not asked
        clock.advance(5.0)
    watch.finish()
    metrics = tally.metrics()
    assert (metrics["device_changes"], metrics["narrowband_s"]) == (2, 10.0)


def test_without_a_sound_server_the_recorded_device_tells() -> None:
    clock, tally = Clock(0.0), HeadsetTally()
    watch = DeviceWatch(tally, lambda: None, poll_s=1.0, clock=clock)
    watch.look(device(1, "Headset (WH-1000XM4 Hands-Free AG Audio)"))
    clock.advance(4.0)
    watch.look(device(2, "Jabra EVOLVE 20 MS"))
    watch.finish()
    assert (tally.device_changes, tally.narrowband_s) == (1, 4.0)


class OneTake(FakeBackend):
    """Plays its signal once, then sets `stop` as the daemon's SIGTERM would."""

    def __init__(self, signal: np.ndarray, stop: threading.Event) -> None:
        super().__init__([device(0, "Jabra EVOLVE 20 MS")], 0, signal=signal)
        self.stop = stop

    def capture(self, device: int | None, rate: int, seconds: float) -> Iterator[Block]:
        yield from super().capture(device, rate, seconds)
        self.stop.set()


def test_listen_analyses_the_call_until_stopped() -> None:
    stop = threading.Event()
    x = np.concatenate([at_level(pink(3.0, 48000, seed=9), -50.0), np.zeros(2 * 48000)])
    backend = OneTake(x, stop)
    watch = DeviceWatch(HeadsetTally(), lambda: None, poll_s=1.0)
    listen(lambda: backend, "jabra", watch, stop)
    metrics = watch.tally.metrics()
    assert backend.opened == [(0, 48000)]
    assert (metrics["mic_analysed_s"], metrics["mic_muted_s"]) == (5.0, 2.0)


def test_the_record_holds_whole_call_aggregates_only() -> None:
    tally = HeadsetTally()
    tally.add_muted(3.0)
    record = record_of("2026-12-01T10:00:00.000Z", "2026-12-01T10:02:00.000Z", 120.04, tally)
    assert record["call_id"].startswith("headset-") and record["source"] == "headset"
    assert record["duration_s"] == 120.0
    values = [*record.values(), *record["metrics"].values()]
    assert not [value for value in values if isinstance(value, list | tuple)]


def test_a_young_headset_record_alone_stays_and_an_old_one_is_reported(tmp_path: Path) -> None:
    tally = HeadsetTally()
    tally.add_muted(30.0)
    path = CallSpool(tmp_path).put(record_of("2026-12-01T10:00:00Z", "2026-12-01T10:01:00Z",
                                             60.0, tally))  # fmt: skip
    config = config_from_dict({"agent": {"id": "agent-7"}})
    assert grade_calls(config, [str(path)]) == []
    old = time.time() - HEADSET_WAIT_S - 1
    os.utime(path, (old, old))
    (line,) = grade_calls(config, [str(path)])
    check = line["report"]["checks"][0]
    assert check["metrics"]["source"] == "headset" and check["metrics"]["mic_muted_s"] == 30.0
    assert check["summary"] == "1.0 min call heard only at the headset; mic muted 30.0 s"
    assert json.loads(json.dumps(line)) == line


def test_no_microphone_is_said_once_and_retried_until_stopped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stop = threading.Event()
    tries: list[int] = []

    def backend() -> FakeBackend:
        tries.append(1)
        if len(tries) == 3:
            stop.set()  # as SIGTERM would, between two tries
        return FakeBackend([device(1, "Speakers", inputs=0, outputs=2)])

    watch = DeviceWatch(HeadsetTally(), lambda: None)
    with caplog.at_level(logging.WARNING, "agentprobe.audio.headset"):
        listen(backend, "", watch, stop)
    assert len(tries) == 3 and watch.tally.metrics()["mic_analysed_s"] == 0.0
    assert [r.getMessage() for r in caplog.records] == [
        "cannot record the headset: no microphone found"
    ]


@pytest.mark.parametrize(
    ("parent", "limit_s"), [(-1, MAX_CALL_S), (os.getppid(), 0.0)], ids=["orphaned", "too-long"]
)
def test_the_watchdog_stops_an_orphan_or_an_endless_call(parent: int, limit_s: float) -> None:
    stop = threading.Event()
    watchdog(stop, parent, limit_s, every_s=0.01)  # returns only once it has set stop
    assert stop.is_set()
