"""Call detection parsers on captured text, and the Linux signal on fixture trees."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from agentprobe.agent.call_signal import (
    alsa_capture_running,
    consent_in_use,
    linux_microphone,
    recording_apps,
)
from tests.agent.fakes import FakeKey, FakeWinreg

PACTL = """Source Output #41
\tDriver: protocol-native.c
\tOwner Module: 10
\tClient: 12
\tSource: 1
\tCorked: no
\tProperties:
\t\tmedia.name = "RecordStream"
\t\tapplication.name = "Zoiper"
\t\tapplication.process.id = "4242"
\t\tapplication.process.binary = "zoiper"

Source Output #42
\tCorked: yes
\tProperties:
\t\tapplication.name = "Paused Recorder"
\t\tapplication.process.id = "5000"

Source Output #43
\tCorked: no
\tProperties:
\t\tapplication.name = "agentprobe"
\t\tapplication.process.id = "777"
"""


def test_recording_apps_skip_paused_streams_and_ourselves() -> None:
    assert recording_apps(PACTL, exclude_pids={777}) == ["Zoiper"]
    assert recording_apps(PACTL, exclude_pids={777, 4242}) == []
    assert recording_apps("", exclude_pids=set()) == []


def test_alsa_substream_state() -> None:
    running = "state: RUNNING\nowner_pid   : 4242\ntrigger_time: 1.0\n"
    assert alsa_capture_running(["closed\n", running])
    assert not alsa_capture_running(["closed\n", "state: SETUP\n"])


def test_our_own_interpreter_in_the_windows_consent_store_is_not_a_call() -> None:
    ours = r"C:\Program Files\Python311\python.exe".replace("\\", "#")
    recording, done = {"LastUsedTimeStart": 133, "LastUsedTimeStop": 0}, {
        "LastUsedTimeStart": 133, "LastUsedTimeStop": 134}  # fmt: skip
    store = {"NonPackaged": {ours: recording, "C:#Zoiper#zoiper.exe": done}, "Teams": done}
    assert consent_in_use(FakeWinreg(), FakeKey(store)) is True
    assert consent_in_use(FakeWinreg(), FakeKey(store), {ours.lower()}) is False


def test_our_own_alsa_capture_is_not_a_call() -> None:
    ours = "state: RUNNING\nowner_pid   : 4242\ntrigger_time: 1.0\n"
    theirs = "state: RUNNING\nowner_pid   : 99\n"
    assert not alsa_capture_running([ours], exclude_pids={4242})
    assert alsa_capture_running([ours, theirs], exclude_pids={4242})


def write_status(root: Path, text: str) -> None:
    path = root / "card0" / "pcm0c" / "sub0" / "status"
    path.parent.mkdir(parents=True)
    path.write_text(text)


def no_pactl(command: Sequence[str]) -> str | None:
    return None


def test_linux_falls_back_to_alsa_when_pactl_is_missing(tmp_path: Path) -> None:
    write_status(tmp_path, "state: RUNNING\n")
    assert linux_microphone(set(), no_pactl, tmp_path) is True
    assert linux_microphone(set(), no_pactl, tmp_path / "none") is None


def test_linux_prefers_the_sound_server(tmp_path: Path) -> None:
    write_status(tmp_path, "state: RUNNING\n")  # e.g. the sound server itself holds the device
    assert linux_microphone({777}, lambda command: PACTL, tmp_path) is True
    assert linux_microphone({777, 4242}, lambda command: PACTL, tmp_path) is False
