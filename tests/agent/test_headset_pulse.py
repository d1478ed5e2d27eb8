"""The headset child through a real PulseAudio: known signals in, one whole-call record out.

The child records the default source (a remapped virtual microphone that hears what is
played into the rig's null sink) through sounddevice -> PortAudio -> ALSA's pulse
plugin, exactly as on an agent's PC, and is stopped with SIGTERM as the daemon does.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agentprobe.agent.call_signal import linux_microphone
from agentprobe.audio.dsp import NoiseAnalyser
from agentprobe.checks.call import CallCheck, CallConfig, call_report
from agentprobe.checks.registry import config_from_dict
from tests.audio.signals import at_level, pink, sine
from tests.audio.test_real_path import assert_nothing_audio_like
from tests.rigs.dsp import p56
from tests.rigs.pulse import RATE, PulseRig, missing_tools, start_pulse
from tests.rigs.speech import TEXT, espeak_speech, have_speech_tools

pytestmark = pytest.mark.integration
if missing_tools():
    pytest.skip(f"PulseAudio tools missing: {missing_tools()}", allow_module_level=True)

HEADSET = 'device.description="Evolve2 40" device.bus=usb device.form_factor=headset'
LAPTOP = 'device.description="Built-in Microphone" device.bus=pci'
BLUETOOTH = (
    "device.description=WH-1000XM4 device.bus=bluetooth bluetooth.protocol=headset_head_unit"
)
AGGREGATES = {"mic_analysed_s", "mic_muted_s", "device_changes", "narrowband_s",
              "noise_floor_dbfs", "clipping_pct", "speech_level_dbfs"}  # fmt: skip


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseRig]:
    running = start_pulse(tmp_path_factory.mktemp("headset"))
    try:
        for name, properties in (("headset", HEADSET), ("laptop", LAPTOP), ("bt", BLUETOOTH)):
            running.add_card(name, properties)
        yield running
    finally:
        running.stop()


@dataclass
class Child:
    process: subprocess.Popen[bytes]
    spool: Path
    log: Path


def start_child(rig: PulseRig, folder: Path) -> Child:
    """The child on the headset microphone, once its stream is on the server (10 s at most)."""
    rig.pactl("set-default-source", "headset_mic")
    config = folder / "agent.toml"
    config.write_text(f'[agent]\nid = "rig"\ndata_dir = "{folder / "data"}"\n')
    spool, log = folder / "data" / "calls", folder / "headset.log"
    argv = [sys.executable, "-m", "agentprobe.agent.headset_child", "--out-spool", str(spool),
            "--config", str(config), "--poll-s", "0.5"]  # fmt: skip
    with log.open("wb") as err:
        process = subprocess.Popen(argv, env=rig.env, stdout=subprocess.DEVNULL, stderr=err)
    child = Child(process, spool, log)
    for _ in range(100):
        if f'application.process.id = "{process.pid}"' in rig.pactl("list", "source-outputs"):
            return child
        if process.poll() is not None:
            break
        time.sleep(0.1)
    stop_child(child)
    raise AssertionError(f"the child never recorded: {log.read_text(errors='replace')}")


def stop_child(child: Child) -> dict[str, Any]:
    """SIGTERM, as the daemon sends; the one record it wrote (removed from the spool)."""
    if child.process.poll() is None:
        os.kill(child.process.pid, signal.SIGTERM)
    try:
        assert child.process.wait(timeout=20) == 0
    finally:
        if child.process.poll() is None:
            os.kill(child.process.pid, signal.SIGKILL)
            child.process.wait(timeout=10)
    files = sorted(child.spool.glob("*")) if child.spool.exists() else []
    assert [path.suffix for path in files] == [".json"]
    data = files[0].read_bytes()
    assert_nothing_audio_like("the record", data)
    assert_nothing_audio_like("the child's log", child.log.read_bytes())
    files[0].unlink()
    return dict(json.loads(data))


def play_through(rig: PulseRig, samples: np.ndarray) -> None:
    """Play `samples` into the sink and wait for the player to finish (bounded)."""
    path = rig.write_wav("call.wav", samples)
    try:
        rig.play(path).wait(timeout=len(samples) / RATE + 10)
    finally:
        rig.stop_players()
        path.unlink()


def floor_of(x: np.ndarray) -> float:
    analyser = NoiseAnalyser(RATE, len(x) / RATE + 1)
    analyser.feed(x.astype(np.float32))
    return analyser.result().noise_floor_dbfs


@pytest.mark.skipif(not have_speech_tools(), reason="no espeak-ng or sox")
def test_speech_over_a_noise_bed_reads_its_level_and_background(
    rig: PulseRig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    speech = espeak_speech(tmp_path, RATE, TEXT)
    speech *= 10 ** ((-26.0 - (p56(speech, RATE)[0] or 0.0)) / 20)  # active level −26 dBFS
    bed = at_level(pink(len(speech) / RATE + 2.0, RATE, seed=6), -50.0)
    call = bed.copy()
    call[RATE : RATE + len(speech)] += speech
    child = start_child(rig, tmp_path)
    monkeypatch.setenv("PULSE_SERVER", rig.server)
    try:  # its own recording is no call; anyone else's would be
        assert linux_microphone({child.process.pid}) is False
        assert linux_microphone(set()) is True
        play_through(rig, call)
    finally:
        record = stop_child(child)
    metrics = record["metrics"]
    assert record["source"] == "headset" and set(metrics) == AGGREGATES
    assert metrics["speech_level_dbfs"] == pytest.approx(-26.0, abs=1.5)
    assert metrics["noise_floor_dbfs"] == pytest.approx(floor_of(bed), abs=1.5)
    assert metrics["clipping_pct"] == 0.0
    assert metrics["device_changes"] == 0 and metrics["narrowband_s"] == 0.0
    assert metrics["mic_analysed_s"] >= len(call) / RATE - 0.5
    report = call_report(config_from_dict({}), record, CallCheck(CallConfig()))
    assert_nothing_audio_like("the report", report.to_json().encode())


def test_muting_clipping_and_switching_microphones_are_counted(
    rig: PulseRig, tmp_path: Path
) -> None:
    bed = at_level(pink(7.5, RATE, seed=7), -45.0)
    tone = np.clip(2.0 * sine(440, 1.0, RATE), -1.0, 1.0)  # a third of its samples clip
    clipped_s = np.count_nonzero(np.abs(np.round(tone * 32767) / 32768) >= 0.999) / RATE
    call = np.concatenate([bed[: 2 * RATE], tone, np.zeros(4 * RATE), bed[2 * RATE :]])
    child = start_child(rig, tmp_path)
    try:
        rig.play(rig.write_wav("call.wav", call))
        time.sleep(2.0 + 1.0 + 4.0 + 1.0)  # into the last stretch of noise
        rig.pactl("set-default-source", "bt_mic")  # a Bluetooth headset in hands-free mode
        time.sleep(2.5)
        rig.pactl("set-default-source", "laptop_mic")
        time.sleep(1.0)
    finally:
        record = stop_child(child)
        rig.stop_players()
        (rig.root / "call.wav").unlink()
    metrics = record["metrics"]
    assert metrics["mic_muted_s"] == pytest.approx(4.0, abs=0.5)
    live_s = metrics["mic_analysed_s"] - metrics["mic_muted_s"]
    assert metrics["clipping_pct"] * live_s / 100 == pytest.approx(clipped_s, rel=0.05)
    assert metrics["device_changes"] == 2
    assert metrics["narrowband_s"] == pytest.approx(2.5, abs=1.0)
    assert metrics["noise_floor_dbfs"] == pytest.approx(floor_of(bed), abs=1.5)  # mute kept out
