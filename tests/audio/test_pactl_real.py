"""pactl parsing on real captures from public bug reports (tests/audio/data/real/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentprobe.agent.recording import monitor_indices
from agentprobe.audio.headset import guess_server
from agentprobe.audio.pactl import parse_text_list
from agentprobe.audio.sound_server import SoundServer

REAL = Path(__file__).parent / "data" / "real"


def real(name: str) -> str:
    return (REAL / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name",
    [
        "pipewire-sources-songrec-58.txt",  # device.class "sound" on a PipeWire monitor
        "pipewire-sources-kooha-149.txt",
        "pipewire-sources-noisetorch-159.txt",  # pasted with spaces, not tabs
        "pipewire-sources-monitor-class-split-audio-15.txt",  # newer PipeWire: "monitor"
        "pulseaudio-sources-reco-101.txt",
    ],
)
def test_a_monitor_source_is_never_a_microphone(name: str) -> None:
    source = parse_text_list(real(name), "source")[0]
    assert source.name.endswith(".monitor")
    assert source.is_monitor
    server = SoundServer("PipeWire", [source], [], source, None)
    assert server.microphones == []
    assert guess_server(server).headset is None


def test_pipewire_monitor_keeps_the_sinks_card_facts() -> None:
    source = parse_text_list(real("pipewire-sources-songrec-58.txt"), "source")[0]
    assert (source.description, source.rate, source.prop("device.class")) == (
        "Monitor of GP107GL High Definition Audio Controller Digital Stereo (HDMI 2)",
        48000,
        "sound",
    )


def test_spaces_instead_of_tabs_still_give_the_fields() -> None:
    source = parse_text_list(real("pipewire-sources-noisetorch-159.txt"), "source")[0]
    assert (source.name, source.description, source.rate) == (
        "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
        "Monitor of Built-in Audio Analog Stereo",
        48000,
    )


def test_a_translated_listing_is_read_by_the_place_of_its_fields() -> None:
    """pactl in Brazilian Portuguese: "Fonte #0", "Nome:", "Descrição:"."""
    sources = parse_text_list(real("pulseaudio-sources-pt_BR-bumblebee-662.txt"), "source")
    assert [(s.name, s.description, s.rate, s.is_monitor) for s in sources] == [
        (
            "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor",
            "Monitor of Áudio interno Estéreo analógico",
            48000,
            True,
        )
    ]


def test_a_truncated_paste_keeps_the_blocks_it_has() -> None:
    sources = parse_text_list(real("pulseaudio-sources-reco-101.txt"), "source")
    assert [(s.name, s.bus, s.form_factor) for s in sources] == [
        ("alsa_output.pci-0000_00_1f.3.analog-stereo.monitor", "pci", "internal"),
        ("alsa_input.pci-0000_00_1f.3.analog-stereo", "", ""),
    ]


def test_monitor_indices_from_pactl_short_sources() -> None:
    text = real("pipewire-short-sources-recordaudiooutput-2.txt")
    assert monitor_indices(text) == {"1512", "2453"}


def test_a_virtual_microphone_is_not_a_monitor() -> None:
    """PipeWire's Audio/Duplex virtual mic: "Monitor of Sink: n/a", no .monitor suffix."""
    source = parse_text_list(real("pipewire-sources-duplex-noctalia-4364.txt"), "source")[0]
    assert (source.name, source.is_monitor) == ("audiorelay-virtual-mic-sink", False)


def test_short_sources_with_a_bluetooth_microphone_and_wrapped_lines() -> None:
    text = real("pipewire-short-sources-bluez-hyprwhspr-245.txt")
    assert monitor_indices(text) == {"57", "247"}  # bluez_input 220 is a microphone
