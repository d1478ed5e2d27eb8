"""The `audio_devices` check: inputs, outputs, defaults, and a headset guess.

It warns when there is no input at all, when the default input is a built-in/laptop
microphone while a headset is connected, when a Bluetooth headset is in hands-free
(narrowband) mode, and when the default input cannot open at 48 kHz (Amazon Connect
notes humming with headsets that lack it). On Linux, where PortAudio sees only "pulse",
the sound server's own list (PulseAudio or PipeWire, through pactl) names the real
defaults and tells USB from Bluetooth and A2DP from hands-free. Device names (never
serial numbers or Bluetooth addresses) go into the inventory, so a changed default or a
new headset becomes a change event in the next report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from agentprobe.audio.backend import AudioBackend, AudioUnavailable, Device, load_backend
from agentprobe.audio.headset import HeadsetGuess, guess, guess_server
from agentprobe.audio.sound_server import SoundServer, read_sound_server
from agentprobe.checks.base import Check, Environment, Metric
from agentprobe.config.spec import CheckConfig, every
from agentprobe.report import CheckResult, MetricValue, Status

WIDEBAND_HZ = 48000
NO_AUDIO_ADVICE = "Install PortAudio (Debian/Ubuntu: libportaudio2) and restart agentprobe."


@dataclass(frozen=True)
class AudioDevicesConfig(CheckConfig):
    interval: float = every(300.0)


class AudioDevicesCheck(Check[AudioDevicesConfig]):
    """Which microphone and speaker will a softphone use, and is it a headset?"""

    name = "audio_devices"
    description = "Audio inputs and outputs, the defaults, and a headset guess"
    config_class = AudioDevicesConfig
    metrics: ClassVar[dict[str, Metric]] = {
        "input_count": Metric("count", "audio inputs (microphones), virtual ones included"),
        "output_count": Metric("count", "audio outputs (speakers, headsets)"),
        "default_input": Metric("name", "the system's default input device"),
        "default_output": Metric("name", "the system's default output device"),
        "headset_detected": Metric("bool", "a headset seems connected (name, vendor, USB/BT)"),
        "headset_name": Metric("name", "the device guessed to be the headset"),
        "default_input_builtin": Metric("bool", "the default input is a built-in microphone"),
        "bluetooth_hfp": Metric("bool", "a Bluetooth headset is in narrowband hands-free mode"),
        "input_48k_ok": Metric("bool", "the default input opens at 48 kHz"),
        "audio_backend": Metric("name", "the audio library in use (sounddevice or pyaudio)"),
        "headset_connection": Metric("name", "usb, bluetooth, ... (Linux: from the sound server)"),
        "sound_server": Metric("name", "Linux sound server and version (PulseAudio, PipeWire)"),
    }
    headline = ("input_count", "default_input", "headset_detected", "input_48k_ok")

    def __init__(
        self,
        config: AudioDevicesConfig,
        backend: Callable[[], AudioBackend] = load_backend,
        server: Callable[[], SoundServer | None] = read_sound_server,
    ) -> None:
        super().__init__(config)
        self.backend, self.server = backend, server

    @classmethod
    def create(cls, config: AudioDevicesConfig, env: Environment) -> AudioDevicesCheck:
        return cls(config)

    def collect(self) -> CheckResult:
        try:
            audio = self.backend()
        except AudioUnavailable as error:
            return self.error(f"no audio library could load ({error})", NO_AUDIO_ADVICE)
        devices = audio.devices()
        default_in, default_out = (_find(devices, i) for i in audio.defaults())
        names = Defaults(
            default_in.name if default_in else None, default_out.name if default_out else None
        )
        found = guess(devices, default_in)
        sound = self.server()
        if sound is not None and (sound.microphones or sound.sinks):
            found, names = guess_server(sound), _server_defaults(sound, names)
        wide = audio.supports_input(None, WIDEBAND_HZ) if default_in else None
        metrics = self._metrics(audio.name, devices, names, found, wide)
        metrics["sound_server"] = sound.server if sound is not None else None
        wrong, advice = _problems(metrics, found)
        status = Status.WARN if wrong else Status.PASS
        result = CheckResult(self.name, status, _summary(metrics, wrong), metrics, advice)
        result.inventory = _inventory(names, found)
        return result

    @staticmethod
    def _metrics(
        backend: str,
        devices: list[Device],
        names: Defaults,
        found: HeadsetGuess,
        wide: bool | None,
    ) -> dict[str, MetricValue]:
        return {
            "input_count": sum(d.is_input for d in devices),
            "output_count": sum(d.is_output for d in devices),
            "default_input": names.input,
            "default_output": names.output,
            "headset_detected": found.headset is not None,
            "headset_name": found.headset,
            "default_input_builtin": found.default_input_builtin,
            "bluetooth_hfp": found.bluetooth_hfp,
            "input_48k_ok": wide,
            "audio_backend": backend,
            "headset_connection": found.connection,
        }


@dataclass(frozen=True)
class Defaults:
    """The default input and output by name (PortAudio's, or the sound server's)."""

    input: str | None
    output: str | None


def _server_defaults(sound: SoundServer, portaudio: Defaults) -> Defaults:
    """The sound server's defaults by description: what the desktop's settings show."""
    source, sink = sound.default_source, sound.default_sink
    return Defaults(
        source.description if source else portaudio.input,
        sink.description if sink else portaudio.output,
    )


def _find(devices: list[Device], index: int | None) -> Device | None:
    return next((d for d in devices if d.index == index), None)


def _problems(metrics: dict[str, MetricValue], found: HeadsetGuess) -> tuple[list[str], list[str]]:
    """(what is wrong, what to do) for each warning the check raises."""
    rules = [
        (
            metrics["default_input"] is None,
            "no input",
            "No microphone was found: plug in the headset and check it is enabled.",
        ),
        (
            bool(found.default_input_builtin and found.headset),
            "built-in default",
            f"The default microphone is the built-in one although "
            f"{found.headset or 'a headset'} is connected: "
            "make the headset the default input.",
        ),
        (
            bool(metrics["bluetooth_hfp"]),
            "hands-free",
            "The Bluetooth headset is in hands-free (narrowband) mode: use a USB or DECT "
            "headset, or the vendor's USB dongle, for wideband calls.",
        ),
        (
            metrics["input_48k_ok"] is False,
            "no 48 kHz",
            "The default input cannot record at 48 kHz; softphones may hum or resample: "
            "use a headset that supports 48 kHz.",
        ),
    ]
    wrong = [what for hit, what, _ in rules if hit]
    return wrong, [tip for hit, _, tip in rules if hit]


def _summary(m: dict[str, MetricValue], wrong: list[str]) -> str:
    headset = f"headset {m['headset_name']}" if m["headset_detected"] else "no headset found"
    problems = f" ({', '.join(wrong)})" if wrong else ""
    return (
        f"{m['input_count']} inputs, {m['output_count']} outputs; "
        f"default input {m['default_input'] or 'none'}, "
        f"default output {m['default_output'] or 'none'}; {headset}{problems}"
    )


def _inventory(names: Defaults, found: HeadsetGuess) -> dict[str, str]:
    """Stable descriptors: a change in any becomes an event in the next report."""
    return {
        "audio.default_input": names.input or "none",
        "audio.default_output": names.output or "none",
        "audio.headset": found.headset or "none",
        "audio.headset_connection": found.connection or "unknown",
        "audio.bluetooth_mode": "hands-free" if found.bluetooth_hfp else "none",
    }
