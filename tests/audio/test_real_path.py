"""The noise and audio_devices checks through a real audio path.

Signals are played into a PulseAudio null sink whose monitor is the default source;
`agentprobe check` runs as a subprocess and records it through sounddevice ->
PortAudio -> ALSA's pulse plugin, exactly as on an agent's PC. The rig's own gain is
measured first with a 1 kHz tone (A-weighting is 0 dB there) and taken off.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agentprobe.audio.dsp import NoiseAnalyser, NoiseMetrics
from tests.audio.signals import at_level, hum, pink, sine
from tests.rigs.dsp import p56
from tests.rigs.pulse import RATE, PulseRig, missing_tools, start_pulse
from tests.rigs.speech import espeak_speech, have_speech_tools

pytestmark = pytest.mark.integration
if missing_tools():
    pytest.skip(f"PulseAudio tools missing: {missing_tools()}", allow_module_level=True)

AGENTPROBE = [sys.executable, "-c", "from agentprobe.cli import main; main()"]
LEAD_S = 6.0  # played signals outlast the capture, which starts 1–3 s after launch


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PulseRig]:
    running = start_pulse(tmp_path_factory.mktemp("audio"))
    try:
        yield running
    finally:
        running.stop()


def config(folder: Path, seconds: float = 2.0) -> Path:
    path = folder / "agentprobe.toml"
    data = folder / "data"
    path.write_text(f'[agent]\nid = "rig"\ndata_dir = "{data}"\n\n[noise]\nseconds = {seconds}\n')
    return path


def run_check(
    rig: PulseRig, folder: Path, *names: str, seconds: float = 2.0
) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    only = [arg for name in names for arg in ("--only", name)]
    done = subprocess.run(
        [*AGENTPROBE, "check", *only, "--json", "--config", str(config(folder, seconds))],
        env=rig.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout), done


def noise_of(rig: PulseRig, folder: Path, samples: np.ndarray | None) -> dict[str, Any]:
    """Play `samples` (or nothing) and return the noise check's result."""
    if samples is not None:
        rig.play(rig.write_wav(f"signal-{time.monotonic_ns()}.wav", samples))
    try:
        report, _ = run_check(rig, folder, "noise")
    finally:
        rig.stop_players()
    (result,) = report["checks"]
    assert result["name"] == "noise"
    return dict(result)


def analysed(x: np.ndarray) -> NoiseMetrics:
    analyser = NoiseAnalyser(RATE, max_seconds=len(x) / RATE + 1)
    analyser.feed(x)
    return analyser.result()


@pytest.fixture(scope="module")
def offset_db(rig: PulseRig, tmp_path_factory: pytest.TempPathFactory) -> float:
    """The rig's gain: a 1 kHz tone at −20 dBFS as recorded, minus −20."""
    result = noise_of(rig, tmp_path_factory.mktemp("offset"), sine(1000, 8, RATE, 0.1414))
    offset = float(result["metrics"]["leq_dbfs"]) + 20.0
    assert abs(offset) < 6.0, "the virtual microphone should be close to unity gain"
    return offset


def test_pink_noise_reads_its_a_weighted_l90(
    rig: PulseRig, offset_db: float, tmp_path: Path
) -> None:
    x = at_level(pink(2 + LEAD_S, RATE, seed=5), -35.0)
    truth = analysed(x).noise_floor_dbfs
    result = noise_of(rig, tmp_path, x)
    measured = float(result["metrics"]["noise_floor_dbfs"]) - offset_db
    assert measured == pytest.approx(truth, abs=2.0)
    assert result["metrics"]["noise_class"] == "steady"


@pytest.mark.parametrize("mains", [60, 50])
def test_hum_is_found_at_its_frequency(rig: PulseRig, tmp_path: Path, mains: int) -> None:
    x = hum(mains, 2 + LEAD_S, RATE, -40) + at_level(pink(2 + LEAD_S, RATE), -70)
    result = noise_of(rig, tmp_path, x)
    assert result["metrics"]["hum_hz"] == mains
    assert result["metrics"]["noise_class"] == "hum"
    assert result["status"] == "warn"
    assert any(f"{mains} Hz hum" in tip for tip in result["advice"])


@pytest.mark.skipif(not have_speech_tools(), reason="no espeak-ng or sox")
def test_speech_over_a_quiet_bed(rig: PulseRig, offset_db: float, tmp_path: Path) -> None:
    speech = at_level(espeak_speech(tmp_path, RATE), -30.0)
    speech = speech * 10 ** ((-26.0 - (p56(speech, RATE)[0] or 0.0)) / 20)  # active at −26
    bed = at_level(pink(len(speech) / RATE, RATE, seed=6), -56.0)
    result = noise_of(rig, tmp_path, speech + bed)
    metrics = result["metrics"]
    assert metrics["noise_class"] == "speech"
    assert metrics["snr_db"] == pytest.approx(-26.0 - -56.0, abs=4.0)


def test_barking_is_impulsive_in_the_default_window(rig: PulseRig, tmp_path: Path) -> None:
    """Generated barks (bench/noise_classes.py) recorded for the check's default 5 s."""
    from bench.noise_classes import barks

    x = np.concatenate([barks(RATE, seed) for seed in range(3)])  # 15 s: outlasts the start
    rig.play(rig.write_wav(f"barks-{time.monotonic_ns()}.wav", x))
    try:
        report, _ = run_check(rig, tmp_path, "noise", seconds=5.0)
    finally:
        rig.stop_players()
    metrics = report["checks"][0]["metrics"]
    assert metrics["noise_class"] == "impulsive"
    assert metrics["invalid_samples"] == 0
    assert any("Knocks or clicks" in tip for tip in report["checks"][0]["advice"])


def test_clipping_is_flagged(rig: PulseRig, tmp_path: Path) -> None:
    x = np.clip(2.0 * sine(440, 2 + LEAD_S, RATE), -1.0, 1.0)
    result = noise_of(rig, tmp_path, x)
    assert result["metrics"]["clipping_pct"] > 1.0
    assert result["status"] == "fail"
    assert any("clipping" in tip for tip in result["advice"])


def test_digital_silence_is_a_dead_microphone(rig: PulseRig, tmp_path: Path) -> None:
    result = noise_of(rig, tmp_path, None)
    assert result["metrics"]["mic_dead"] is True
    assert result["status"] == "fail"
    assert "muted or dead" in result["summary"]


def test_devices_are_listed_with_the_virtual_microphone_as_default(
    rig: PulseRig, tmp_path: Path
) -> None:
    listing = subprocess.run(
        [*AGENTPROBE, "devices", "--json"], env=rig.env, capture_output=True, text=True, timeout=30
    )
    assert listing.returncode == 0, listing.stderr
    facts = json.loads(listing.stdout)
    assert facts["backend"] == "sounddevice"
    assert facts["default_input"] in {d["name"] for d in facts["devices"]}
    report, _ = run_check(rig, tmp_path, "audio_devices")
    metrics = report["checks"][0]["metrics"]
    assert metrics["input_count"] >= 1 and metrics["input_48k_ok"] is True
    # PortAudio sees "default"; the sound server names the real default source
    assert facts["sound_server"]["default_source"] == "Monitor of Null Output"
    assert metrics["default_input"] == facts["sound_server"]["default_source"]


PYAUDIO_CAPTURE = """
import json, numpy as np
from agentprobe.audio.backend import PyAudioBackend
audio = PyAudioBackend()
blocks = list(audio.capture(None, 48000, 1.0))
x = np.concatenate(blocks)
print(json.dumps({"n": int(x.size), "rms_db": float(10 * np.log10(np.mean(x**2) + 1e-30)),
                  "inputs": sum(d.is_input for d in audio.devices())}))
"""


def test_the_pyaudio_fallback_records_too(rig: PulseRig, offset_db: float) -> None:
    rig.play(rig.write_wav("tone.wav", sine(1000, LEAD_S, RATE, 0.1414)))
    try:
        done = subprocess.run(
            [sys.executable, "-c", PYAUDIO_CAPTURE],
            env=rig.env,
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        rig.stop_players()
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["n"] == RATE and found["inputs"] >= 1
    assert found["rms_db"] - offset_db == pytest.approx(-20.0, abs=1.0)


def test_unloading_the_device_mid_check_is_an_error_not_a_crash(
    rig: PulseRig, tmp_path: Path
) -> None:
    command = [*AGENTPROBE, "check", "--only", "noise", "--json"]
    command += ["--config", str(config(tmp_path, seconds=8))]
    check = subprocess.Popen(command, env=rig.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        time.sleep(3.5)  # startup plus the first blocks
        rig.unload_sink()
        out, err = check.communicate(timeout=30)
    finally:
        if check.poll() is None:
            os.kill(check.pid, 9)
            check.wait()
        rig.load_sink()
    assert b"Traceback" not in err
    assert check.returncode == 3
    result = json.loads(out)["checks"][0]
    assert result["status"] == "error"
    assert "could not record" in result["summary"]
    assert result["advice"]


AUDIO_LIKE = (
    re.compile(rb"RIFF....WAVE", re.DOTALL),  # a WAV header
    re.compile(rb"(?:-?\d+(?:\.\d+)?(?:e-?\d+)?\s*,\s*){32,}"),  # a long run of numbers
)


def assert_nothing_audio_like(name: str, data: bytes) -> None:
    for pattern in AUDIO_LIKE:
        assert not pattern.search(data), f"{name} holds something audio-like"
    if not data.startswith(b"SQLite format 3"):  # databases are binary by nature
        assert b"\x00\x00\x00\x00" not in data, f"{name} holds raw binary"


def scan_tree(folder: Path) -> int:
    """Scan every file under `folder`; return how many there were."""
    files = [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []
    for path in files:
        if path.suffix in {".pem", ".key"}:
            continue
        assert_nothing_audio_like(str(path), path.read_bytes())
    assert not [path for path in files if path.suffix in {".wav", ".raw", ".pcm"}]
    return len(files)


def test_no_audio_leaves_memory(rig: PulseRig, tmp_path: Path) -> None:
    """A full run, uploaded to a real collector, leaves only window aggregates anywhere."""
    from tests.rigs.collector import start_collector

    collector = start_collector(tmp_path / "collector")
    settings = config(tmp_path)
    settings.write_text(
        settings.read_text()
        + f'\n[collector]\nurl = "{collector.url}"\nca_file = "{collector.ca_file}"\n'
        + f'enroll_secret = "{collector.enroll_secret}"\n'
    )
    rig.play(rig.write_wav("loud.wav", at_level(pink(2 + LEAD_S, RATE, seed=8), -30)))
    try:
        done = subprocess.run(
            [*AGENTPROBE, "check", "--only", "audio_devices", "--only", "noise", "--json",
             "--upload", "--config", str(settings)],
            env=rig.env, capture_output=True, text=True, timeout=90,
        )  # fmt: skip
    finally:
        rig.stop_players()
        collector.stop()
    report = json.loads(done.stdout)
    assert "upload:" in done.stderr and "Traceback" not in done.stderr
    assert report["checks"][1]["metrics"]["analysed_s"] >= 1.9
    for check in report["checks"]:
        for name, value in check["metrics"].items():
            assert value is None or isinstance(value, str | int | float | bool), name
    assert_nothing_audio_like("the report", done.stdout.encode())
    assert_nothing_audio_like("stderr", done.stderr.encode())
    assert (tmp_path / "data" / "last-sent.json").exists()  # it did reach the collector
    assert scan_tree(tmp_path / "data") >= 1  # the outbox and the token at least
    assert scan_tree(collector.data_dir) >= 1  # the stored report and the server log
