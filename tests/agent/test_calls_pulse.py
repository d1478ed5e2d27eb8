"""Call detection through a real PulseAudio: a program recording the microphone is a call."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentprobe.agent.call_signal import linux_microphone
from tests.rigs.pulse import SINK, PulseRig, missing_tools, start_pulse

pytestmark = pytest.mark.integration


@pytest.fixture
def pulse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[PulseRig]:
    missing = missing_tools()
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (Debian pulseaudio; CI installs it)")
    rig = start_pulse(tmp_path)
    monkeypatch.setenv("PULSE_SERVER", rig.server)
    yield rig
    rig.stop()


def until(value: bool, exclude: set[int]) -> bool | None:
    """Poll the real signal (at most 10 s) until it reads `value`; return the last reading."""
    reading = linux_microphone(exclude)
    for _ in range(50):
        if reading is value:
            break
        time.sleep(0.2)
        reading = linux_microphone(exclude)
    return reading


def record(pulse: PulseRig, device: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        ["parec", "--raw", f"--device={device}"],
        env=pulse.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_recording_stream_means_in_call_unless_it_is_ours(pulse: PulseRig) -> None:
    pulse.add_card("headset", 'device.description="Headset"')
    assert linux_microphone(set()) is False
    recorder = record(pulse, "headset_mic")
    try:
        assert until(True, set()) is True
        assert linux_microphone({recorder.pid}) is False
    finally:
        recorder.terminate()
        recorder.wait(10)
    assert until(False, set()) is False


def test_recording_the_speakers_monitor_is_not_a_call(pulse: PulseRig) -> None:
    """A screen recorder capturing a sink's monitor (what the speakers play) is no call."""
    recorder = record(pulse, f"{SINK}.monitor")
    try:
        for _ in range(50):  # until the server lists the stream, at most 10 s
            if pulse.pactl("list", "short", "source-outputs").strip():
                break
            time.sleep(0.2)
        assert pulse.pactl("list", "short", "source-outputs").strip()
        assert linux_microphone(set()) is False
    finally:
        recorder.terminate()
        recorder.wait(10)
