"""The audio_devices and noise checks' logic, with fake backends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agentprobe.checks.audio_devices import AudioDevicesCheck, AudioDevicesConfig
from agentprobe.checks.changes import InventoryStore
from agentprobe.checks.noise import NoiseCheck, NoiseConfig
from agentprobe.report import Status
from tests.audio.fakes import FakeBackend, device, unavailable
from tests.audio.signals import at_level, hum, pink

MIC = device(0, "Microphone Array (Realtek High Definition Audio)")
SPEAKER = device(1, "Speakers (Realtek High Definition Audio)", inputs=0, outputs=2)
JABRA = device(2, "Headset Microphone (Jabra EVOLVE 20 MS)", inputs=1, outputs=0)
BT_HFP = device(3, "Headset (WH-1000XM4 Hands-Free AG Audio)", inputs=1, outputs=1, rate=16000)


def devices_check(backend: FakeBackend) -> AudioDevicesCheck:
    """The check on a machine without a sound server (Windows, macOS): names only."""
    return AudioDevicesCheck(AudioDevicesConfig(), lambda: backend, lambda: None)


def test_a_headset_as_default_input_passes() -> None:
    result = devices_check(FakeBackend([MIC, SPEAKER, JABRA], 2, 1)).run()
    assert result.status is Status.PASS
    assert result.metrics["headset_detected"] is True
    assert result.metrics["headset_name"] == JABRA.name
    assert result.metrics["input_48k_ok"] is True
    assert (result.metrics["input_count"], result.metrics["output_count"]) == (2, 1)


def test_the_laptop_mic_as_default_while_a_headset_is_connected_warns() -> None:
    result = devices_check(FakeBackend([MIC, SPEAKER, JABRA], 0, 1)).run()
    assert result.status is Status.WARN
    assert result.metrics["default_input_builtin"] is True
    assert any("make the headset the default input" in tip for tip in result.advice)


def test_bluetooth_hands_free_and_no_48k_warn() -> None:
    backend = FakeBackend([SPEAKER, BT_HFP], 3, 3, rates=(16000,))
    result = devices_check(backend).run()
    assert result.status is Status.WARN
    assert result.metrics["bluetooth_hfp"] is True and result.metrics["input_48k_ok"] is False
    assert len(result.advice) == 2


def test_no_input_at_all_warns() -> None:
    result = devices_check(FakeBackend([SPEAKER], None, 1)).run()
    assert result.status is Status.WARN
    assert result.metrics["default_input"] is None and result.metrics["input_48k_ok"] is None


def test_no_audio_library_is_an_error_with_advice() -> None:
    result = AudioDevicesCheck(AudioDevicesConfig(), unavailable, lambda: None).run()
    assert result.status is Status.ERROR and "libportaudio2" in result.advice[0]


def test_a_changed_default_input_becomes_a_change_event(tmp_path: Path) -> None:
    store = InventoryStore(tmp_path / "inventory.json")
    first = devices_check(FakeBackend([MIC, SPEAKER, JABRA], 2, 1)).run()
    assert store.update(first.inventory) == []
    second = devices_check(FakeBackend([MIC, SPEAKER, JABRA], 0, 1)).run()
    events = store.update(second.inventory)
    assert [(e.what, e.from_, e.to) for e in events] == [
        ("audio.default_input", JABRA.name, MIC.name)
    ]


def noise_check(backend: FakeBackend, **settings: object) -> NoiseCheck:
    return NoiseCheck(NoiseConfig(seconds=2.0, **settings), lambda: backend)  # type: ignore[arg-type]


def test_a_hum_warns_with_plain_advice() -> None:
    signal = hum(60, 2, 48000, -45) + at_level(pink(2, 48000), -70)
    result = noise_check(FakeBackend([JABRA], 2, None, signal)).run()
    assert result.status is Status.WARN
    assert result.metrics["hum_hz"] == 60 and result.metrics["noise_class"] == "hum"
    assert any("60 Hz hum: check the headset cable or USB hub" in tip for tip in result.advice)


def test_a_quiet_room_passes_and_the_rate_falls_back_to_the_device_default() -> None:
    backend = FakeBackend([BT_HFP], 3, 3, at_level(pink(2, 16000), -72), rates=(16000,))
    result = noise_check(backend).run()
    assert result.status is Status.PASS, result.summary
    assert result.metrics["sample_rate_hz"] == 16000 and backend.opened == [(3, 16000)]
    assert result.metrics["snr_db"] is None  # no speech, nothing to compare
    assert result.metrics["analysed_s"] == pytest.approx(2.0, abs=0.03)


def test_the_configured_device_is_found_by_name_substring() -> None:
    backend = FakeBackend([MIC, JABRA], 0, None, at_level(pink(2, 48000), -72))
    assert noise_check(backend, device="jabra").run().metrics["input_device"] == JABRA.name
    missing = noise_check(backend, device="plantronics").run()
    assert missing.status is Status.ERROR and "no input device matches" in missing.summary


def test_a_device_lost_mid_capture_is_an_error() -> None:
    backend = FakeBackend([JABRA], 2, None, np.zeros(96000), lose_after_blocks=5)
    result = noise_check(backend).run()
    assert result.status is Status.ERROR and "stopped" in result.summary
    assert result.advice


def test_no_microphone_skips() -> None:
    assert noise_check(FakeBackend([SPEAKER], None, 1)).run().status is Status.SKIP


def test_no_audio_library_is_an_error() -> None:
    result = NoiseCheck(NoiseConfig(), unavailable).run()
    assert result.status is Status.ERROR and result.advice


def test_invalid_samples_from_the_driver_are_counted_named_and_harmless() -> None:
    signal = at_level(pink(2, 48000), -72)
    signal[[1000, 50000, 70000]] = [np.nan, np.inf, np.nan]
    result = noise_check(FakeBackend([JABRA], 2, None, signal)).run()
    assert result.metrics["invalid_samples"] == 3
    assert result.metrics["hum_hz"] is None and result.metrics["noise_class"] == "quiet"
    assert "3 invalid samples zeroed" in result.summary
    assert any("invalid samples" in tip for tip in result.advice)
