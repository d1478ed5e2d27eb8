"""The `noise` check: microphone background noise as level metrics, never audio.

It records `seconds` from the configured input (a name substring) or the default one,
analyses every block as it arrives (`agentprobe.audio.dsp.NoiseAnalyser`, bounded
memory) and drops it: no sample reaches disk, logs, the report or the network (the
privacy rules in docs/architecture.md). Levels are dBFS = 20·log10(RMS), full scale 1.0,
so a full-scale sine reads −3.01 dBFS; the noise floor is A-weighted (dBFS(A)).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import ClassVar

from agentprobe.audio.backend import (
    AudioBackend,
    AudioUnavailable,
    Device,
    choose_input,
    input_rate,
    load_backend,
)
from agentprobe.audio.dsp import NoiseAnalyser, NoiseMetrics
from agentprobe.audio.dsp.vad import VoiceDetector, WebRtcVad
from agentprobe.checks.audio_devices import NO_AUDIO_ADVICE
from agentprobe.checks.base import Check, Environment, Metric, Skipped
from agentprobe.config.spec import CheckConfig, every, setting
from agentprobe.report import CheckResult, MetricValue, Status
from agentprobe.thresholds import Band

CLASS_ADVICE = {
    "speech": "Speech or TV in the background: move away from it or close the door.",
    "music": "Music in the background: turn it down while you are on calls.",
    "impulsive": "Knocks or clicks in the background (typing, a desk, a pet): "
    "a noise-cancelling headset microphone helps.",
}


INVALID_ADVICE = (
    "The audio driver delivered invalid samples (NaN or infinite values; they were zeroed "
    "before the analysis): update the audio driver or try another USB port."
)


def load_vad() -> VoiceDetector | None:
    """The WebRTC VAD, or None (the analyser's own energy rule) when it cannot load."""
    try:
        return WebRtcVad()
    except ImportError:
        return None


@dataclass(frozen=True)
class NoiseConfig(CheckConfig):
    interval: float = every(600.0)
    device: str = setting("", "substring of the input device name; default: system default input")
    seconds: float = setting(5.0, "capture length", duration=True, minimum=1, maximum=60)


class NoiseCheck(Check[NoiseConfig]):
    """Background noise at the agent's microphone: level metrics, never audio."""

    name = "noise"
    description = "Microphone background noise, speech level, hum and clipping (never audio)"
    config_class = NoiseConfig
    metrics: ClassVar[dict[str, Metric]] = {
        "noise_floor_dbfs": Metric("dBFS(A)", "A-weighted L90 of 20 ms frame levels"),
        "leq_dbfs": Metric("dBFS(A)", "A-weighted average level over the window"),
        "spread_db": Metric("dB", "L10 − L90 of A-weighted frame levels: how much it varies"),
        "speech_level_dbfs": Metric("dBFS", "ITU-T P.56 active speech level, when speech"),
        "snr_db": Metric(
            "dB",
            "P.56 speech level minus the background (energy mean of the VAD's "
            "non-speech frames and the talker's pauses)",
        ),
        "speech_ratio": Metric("ratio", "share of 20 ms frames the VAD calls speech (0–1)"),
        "hum_db": Metric("dB", "strongest 50/60 Hz harmonic above its neighbouring bins"),
        "hum_hz": Metric("Hz", "mains frequency of the hum (50 or 60), null when none"),
        "clipping_pct": Metric("%", "samples within 0.01 dB of full scale"),
        "invalid_samples": Metric(
            "count", "non-finite samples (NaN, ±inf) from the driver, zeroed before analysis"
        ),
        "level_std_pct": Metric("%", "standard deviation of 1 s levels, % of full scale"),
        "mic_dead": Metric("bool", "the microphone delivers digital silence (muted or dead)"),
        "tonal_ratio": Metric("ratio", "share of frames dominated by tones (0–1)"),
        "noise_class": Metric(
            "class",
            "quiet, steady, hum, impulsive, speech or music: what the mic hears "
            "(impulsive: barks, door slams, typing; speech: voices, TV, babble)",
        ),
        "analysed_s": Metric("s", "audio analysed"),
        "sample_rate_hz": Metric("Hz", "capture sample rate"),
        "input_device": Metric("name", "the input device recorded"),
    }
    headline = ("noise_floor_dbfs", "snr_db", "noise_class", "hum_hz")
    bands: ClassVar[dict[str, Band]] = {
        "noise_floor_dbfs": Band(-60, -50),
        "snr_db": Band(20, 10, higher_is_better=True),
        "clipping_pct": Band(0.1, 1.0),
    }
    ADVICE: ClassVar[dict[str, str]] = {
        "noise_floor_dbfs": "The room is noisy (fan, traffic, appliances): move away from "
        "the noise or use a noise-cancelling headset.",
        "snr_db": "Your voice is not far above the background: bring the microphone "
        "closer to your mouth or reduce the noise.",
        "clipping_pct": "Your microphone is clipping: lower its input gain.",
    }

    def __init__(
        self,
        config: NoiseConfig,
        backend: Callable[[], AudioBackend] = load_backend,
        progress: Callable[[str, float], None] = lambda label, fraction: None,
        vad: Callable[[], VoiceDetector | None] = load_vad,
    ) -> None:
        super().__init__(config)
        self.backend, self.progress, self.vad = backend, progress, vad

    @classmethod
    def create(cls, config: NoiseConfig, env: Environment) -> NoiseCheck:
        return cls(config, load_backend, env.progress)

    def collect(self) -> CheckResult:
        try:
            audio = self.backend()
        except AudioUnavailable as error:
            return self.error(f"no audio library could load ({error})", NO_AUDIO_ADVICE)
        try:
            device = self._device(audio)
        except LookupError as error:
            return self.error(
                str(error), "Set [noise] device to part of one of these names, or leave it empty."
            )
        rate = input_rate(audio, device)
        try:
            found = self._analyse(audio, device, rate)
        except Exception as error:  # DeviceLost, or PortAudio refusing to open the device
            return self.error(
                f"could not record from {device.name}: {error}",
                "The microphone disconnected or is busy: reconnect it and check the cable.",
            )
        metrics: dict[str, MetricValue] = {**asdict(found), "sample_rate_hz": rate}
        metrics["input_device"] = device.name
        return self._grade(found, metrics)

    def _device(self, audio: AudioBackend) -> Device:
        if not any(d.is_input for d in audio.devices()):
            raise Skipped("no microphone found", ["Plug in the headset and check it is enabled."])
        return choose_input(audio, self.config.device)

    def _analyse(self, audio: AudioBackend, device: Device, rate: int) -> NoiseMetrics:
        seconds = self.config.seconds
        quiet = self.band("noise_floor_dbfs").pass_limit  # "quiet" means this check passes
        analyser = NoiseAnalyser(rate, max_seconds=seconds + 1, vad=self.vad(), quiet_dbfs=quiet)
        got = 0
        for block in audio.capture(device.index, rate, seconds):
            analyser.feed(block)  # analysed, then dropped: audio never outlives this loop
            got += len(block)
            self.progress("noise", got / (rate * seconds))
        return analyser.result()

    def _grade(self, found: NoiseMetrics, metrics: dict[str, MetricValue]) -> CheckResult:
        if found.mic_dead:
            return CheckResult(
                self.name,
                Status.FAIL,
                f"{metrics['input_device']} delivers digital silence: muted or dead microphone",
                metrics,
                ["Unmute the microphone (a switch on the headset cable, or the system's "
                 "mute) or replace it if it is broken."],
            )  # fmt: skip
        extra = [Status.WARN] if found.noise_class == "hum" else []
        result = self.result(_summary(found, metrics), metrics, self.ADVICE, extra)
        if found.noise_class == "hum":
            what = f"A steady {found.hum_hz} Hz hum" if found.hum_hz else "A steady tone"
            result.advice.append(
                f"{what}: check the headset cable or USB hub (a ground loop), "
                "and keep the cable away from power adapters."
            )
        if found.noise_class in CLASS_ADVICE:
            result.advice.append(CLASS_ADVICE[found.noise_class])
        if found.invalid_samples:
            result.advice.append(INVALID_ADVICE)
        return result


def _summary(found: NoiseMetrics, metrics: dict[str, MetricValue]) -> str:
    snr = f"SNR {found.snr_db:g} dB" if found.snr_db is not None else "no speech heard"
    hum = f"{found.hum_hz} Hz hum" if found.hum_hz else "no hum"
    clip = f", clipping {found.clipping_pct:g}%" if found.clipping_pct > 0 else ""
    invalid = f", {found.invalid_samples} invalid samples zeroed" if found.invalid_samples else ""
    return (
        f"noise floor {found.noise_floor_dbfs:g} dBFS(A), {found.noise_class}; {snr}; {hum}"
        f"{clip}{invalid} ({found.analysed_s:g} s from {metrics['input_device']} "
        f"at {metrics['sample_rate_hz']} Hz)"
    )
