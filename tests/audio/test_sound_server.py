"""The Linux sound server's device list (pactl), parsed from captured outputs."""

from __future__ import annotations

import json

import pytest

from agentprobe.audio.headset import guess_server
from agentprobe.audio.pactl import parse_info, parse_json_list, parse_text_list
from agentprobe.audio.sound_server import SoundServer, read_sound_server
from agentprobe.checks.audio_devices import AudioDevicesCheck, AudioDevicesConfig
from agentprobe.commands.devices import describe
from agentprobe.report import Status
from tests.audio.fakes import DATA, FakeBackend, PactlFiles, device

# what PortAudio shows on a Linux desktop: the pulse plugin and ALSA's default
PULSE = device(0, "pulse", inputs=32, outputs=32, rate=44100.0)
DEFAULT = device(1, "default", inputs=32, outputs=32, rate=44100.0)


def server(prefix: str) -> SoundServer:
    found = read_sound_server(PactlFiles(prefix))
    assert found is not None
    return found


def test_json_and_text_give_the_same_devices() -> None:
    for kind, what in (("source", "sources"), ("sink", "sinks")):
        from_json = parse_json_list((DATA / f"pactl-rig-{what}.json").read_text(), kind)
        from_text = parse_text_list((DATA / f"pactl-rig-{what}.txt").read_text(), kind)
        assert from_json == from_text
        assert len(from_json) == (5 if kind == "source" else 3)
    mic = next(d for d in from_text if d.description == "Jabra Evolve2 40")
    assert (mic.bus, mic.form_factor, mic.rate) == ("usb", "headset", 48000)


def test_info_names_the_server_and_the_defaults() -> None:
    for name in ("pactl-rig-info.txt", "pactl-rig-info.json"):
        info = parse_info((DATA / name).read_text())
        assert (info.server, info.default_source, info.default_sink) == (
            "pulseaudio 16.1",
            "builtin_mic",
            "builtin_out",
        )


def test_an_old_pactl_without_json_falls_back_to_text() -> None:
    run = PactlFiles("pipewire-bluetooth-hfp")
    found = server_from(run)
    assert ["--format=json", "list", "sources"] in run.calls and ["list", "sources"] in run.calls
    assert found.server == "PulseAudio (on PipeWire 1.0.5) 15.0.0"
    assert [d.description for d in found.microphones] == ["Built-in Audio Analog Stereo",
                                                          "WH-1000XM4"]  # fmt: skip
    assert found.default_source is not None and found.default_source.bus == "pci"


def server_from(run: PactlFiles) -> SoundServer:
    found = read_sound_server(run)
    assert found is not None
    return found


def test_no_pactl_or_no_server_is_none() -> None:
    assert read_sound_server(lambda args: None) is None
    with pytest.raises(ValueError):
        parse_json_list('{"not": "a list"}', "source")


def test_bluetooth_headset_in_hands_free_while_the_laptop_mic_is_default() -> None:
    found = guess_server(server("pipewire-bluetooth-hfp"))
    assert found.headset == "WH-1000XM4" and found.connection == "bluetooth"
    assert found.default_input_builtin and found.bluetooth_hfp


def test_usb_headset_as_default() -> None:
    found = guess_server(server("pipewire-usb-headset"))
    assert found.headset == "Jabra Evolve2 40 Mono" and found.connection == "usb"
    assert not found.default_input_builtin and not found.bluetooth_hfp


def check(prefix: str) -> AudioDevicesCheck:
    backend = FakeBackend([PULSE, DEFAULT], 1, 1)
    return AudioDevicesCheck(AudioDevicesConfig(), lambda: backend, lambda: server(prefix))


def test_the_check_names_the_real_devices_and_warns() -> None:
    result = check("pipewire-bluetooth-hfp").run()
    assert result.status is Status.WARN
    metrics = result.metrics
    assert metrics["default_input"] == "Built-in Audio Analog Stereo"  # not "default"
    assert metrics["headset_name"] == "WH-1000XM4"
    assert metrics["headset_connection"] == "bluetooth"
    assert metrics["sound_server"] == "PulseAudio (on PipeWire 1.0.5) 15.0.0"
    assert any("make the headset the default input" in tip for tip in result.advice)
    assert any("hands-free" in tip for tip in result.advice)
    assert result.inventory["audio.headset"] == "WH-1000XM4"
    assert result.inventory["audio.bluetooth_mode"] == "hands-free"


def test_a_usb_headset_as_default_passes() -> None:
    result = check("pipewire-usb-headset").run()
    assert result.status is Status.PASS, result.summary
    assert result.metrics["default_input"] == "Jabra Evolve2 40 Mono"
    assert result.inventory["audio.headset_connection"] == "usb"


@pytest.mark.parametrize("prefix", ["pipewire-bluetooth-hfp", "pipewire-usb-headset"])
def test_no_serial_numbers_or_addresses_leave(prefix: str) -> None:
    result = check(prefix).run()
    facts = describe(FakeBackend([PULSE, DEFAULT], 1, 1), server(prefix))
    sent = json.dumps([result.metrics, result.inventory, result.summary, facts])
    for secret in ("14:3F:A6", "14_3F_A6", "000000000000", "bluez_card", "alsa_card"):
        assert secret not in sent
