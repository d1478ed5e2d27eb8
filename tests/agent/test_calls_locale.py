"""Call detection in any language: pactl in the C locale, and parsers that do not need it."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from agentprobe.agent.call_signal import linux_microphone, recording_apps, run_command
from agentprobe.agent.recording import parse_json, parse_text
from agentprobe.config.environ import c_locale

REAL = Path(__file__).parents[1] / "audio" / "data" / "real"
ITALIAN = (REAL / "source-outputs-it-easyeffects-547.txt").read_text(encoding="utf-8")
WEBRTC = (REAL / "source-outputs-webrtc-pulseaudiojs-4.txt").read_text(encoding="utf-8")
SLOVAK = (REAL / "source-outputs-sk-easyeffects-760.txt").read_text(encoding="utf-8")


def test_tools_run_in_the_c_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LC_ALL", "sk_SK.UTF-8")
    monkeypatch.setenv("LANG", "sk_SK.UTF-8")
    monkeypatch.setenv("LANGUAGE", "sk")
    shown = run_command(["sh", "-c", 'printf "%s %s %s" "$LC_ALL" "$LANG" "${LANGUAGE-none}"'])
    assert shown == "C C none"


def test_c_locale_keeps_the_rest_of_the_environment() -> None:
    env = c_locale({"PATH": "/usr/bin", "LANG": "it_IT.UTF-8", "LANGUAGE": "it:en"})
    assert env == {"PATH": "/usr/bin", "LANG": "C", "LC_ALL": "C"}


def test_italian_source_outputs_are_read() -> None:
    """Real Italian pactl: "Sorgente d'uscita #4", "Sorgente: 1", "Corked: no"."""
    assert [(s.source, s.corked) for s in parse_text(ITALIAN)] == [("1", False)]
    assert recording_apps(ITALIAN, exclude_pids=set()) == ["PulseEffects"]


def test_a_raspberry_pi_recording_through_the_alsa_plugin() -> None:
    text = (REAL / "source-outputs-pi-home-assistant-134959.txt").read_text(encoding="utf-8")
    assert [(s.source, s.corked) for s in parse_text(text)] == [("1", False)]
    assert recording_apps(text, exclude_pids=set()) == ["ALSA plug-in [aplay]"]


def test_english_source_output_of_a_webrtc_call() -> None:
    assert recording_apps(WEBRTC, exclude_pids=set()) == ["WEBRTC VoiceEngine"]
    assert recording_apps(WEBRTC, exclude_pids={2662}) == []


def test_a_slovak_corked_stream_is_paused() -> None:
    """Real Slovak pactl: labels in English, values translated ("Corked: áno")."""
    streams = parse_text(SLOVAK)
    assert [(s.source, s.corked) for s in streams][:1] == [("2", True)]
    assert recording_apps(SLOVAK.split("\n\nSource Output #3")[0], exclude_pids=set()) == []
    italian_paused = ITALIAN.replace("Corked: no", "Corked: sì")
    assert recording_apps(italian_paused, exclude_pids=set()) == []


def test_recording_the_speakers_is_not_a_call() -> None:
    # Source 3 is a monitor: a screen recorder capturing what the speakers play
    assert recording_apps(WEBRTC, exclude_pids=set(), monitors={"3"}) == []
    pipewire = WEBRTC.replace(
        '\t\tmedia.name = "recStream"\n',
        '\t\tmedia.name = "recStream"\n\t\tstream.capture.sink = "true"\n',
    )
    assert recording_apps(pipewire, exclude_pids=set()) == []
    targeted = WEBRTC.replace(
        '\t\tmedia.name = "recStream"\n',
        '\t\tmedia.name = "recStream"\n'
        '\t\ttarget.object = "alsa_output.pci-0000_00_1f.3.analog-stereo.monitor"\n',
    )
    assert recording_apps(targeted, exclude_pids=set()) == []


JSON_OUTPUTS = [
    {"index": 41, "source": 1, "corked": False,
     "properties": {"application.name": "Zoiper", "application.process.id": "4242"}},
    {"index": 42, "source": 2, "corked": False,
     "properties": {"application.name": "OBS", "application.process.id": "5000"}},
    {"index": 43, "source": 1, "corked": True,
     "properties": {"application.name": "Paused", "application.process.id": "5001"}},
]  # fmt: skip
SHORT_SOURCES = (
    "1\talsa_input.usb-Jabra_Evolve2_40.mono-fallback\tPipeWire\ts16le 1ch 16000Hz\tRUNNING\n"
    "2\talsa_output.usb-Jabra_Evolve2_40.analog-stereo.monitor\tPipeWire\ts16le 2ch 48000Hz\tIDLE\n"
)


class Pactl:
    """Answers `pactl --format=json list source-outputs` and `pactl list short sources`."""

    def __init__(self, outputs: list[dict[str, object]]) -> None:
        self.outputs = outputs
        self.calls: list[tuple[str, ...]] = []

    def __call__(self, command: Sequence[str]) -> str | None:
        self.calls.append(tuple(command))
        if "--format=json" in command:
            return json.dumps(self.outputs)
        return SHORT_SOURCES if "short" in command else None


def test_json_source_outputs_need_no_translation() -> None:
    streams = parse_json(json.dumps(JSON_OUTPUTS))
    assert [(s.source, s.corked) for s in streams] == [("1", False), ("2", False), ("1", True)]


def test_linux_microphone_from_pactl_json_ignores_monitor_captures(tmp_path: Path) -> None:
    pactl = Pactl(JSON_OUTPUTS)
    assert linux_microphone(set(), pactl, tmp_path) is True
    assert linux_microphone({4242}, pactl, tmp_path) is False  # only OBS, on a monitor, is left
    assert ("pactl", "list", "short", "sources") in pactl.calls
    assert linux_microphone(set(), Pactl([]), tmp_path) is False
