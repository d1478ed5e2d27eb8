"""The audio backend seam: the only module that imports an audio library, and lazily.

sounddevice (PortAudio) comes first; PyAudio, which wraps the same PortAudio, is the
fallback when sounddevice cannot load. The rest of agentprobe sees one small interface:
`devices()`, `defaults()`, `supports_input()` and `capture()`, which yields mono float32
blocks (full scale = 1.0) that live only in memory. A missing library or PortAudio
raises `AudioUnavailable`; a device that stops delivering raises `DeviceLost`.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

Block = NDArray[np.float32]
FIRST_BLOCK_S = 5.0  # PulseAudio's ALSA plugin can take ~2 s to deliver the first block
STALL_S = 2.0
PREFERRED_RATE = 48000  # IEC 61672-1 A-weighting is accurate well below Nyquist here


class AudioUnavailable(Exception):
    """No audio library or no PortAudio on this machine."""


class DeviceLost(Exception):
    """The input device vanished or stopped delivering audio mid-capture."""


@dataclass(frozen=True)
class Device:
    """One PortAudio device as the OS names it."""

    index: int
    name: str
    host_api: str
    max_input_channels: int
    max_output_channels: int
    default_samplerate: float

    @property
    def is_input(self) -> bool:
        return self.max_input_channels > 0

    @property
    def is_output(self) -> bool:
        return self.max_output_channels > 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class AudioBackend(Protocol):
    """What checks and commands need from an audio library."""

    name: str

    def devices(self) -> list[Device]: ...
    def defaults(self) -> tuple[int | None, int | None]: ...
    def supports_input(self, device: int | None, rate: int) -> bool: ...
    def capture(self, device: int | None, rate: int, seconds: float) -> Iterator[Block]: ...


def choose_input(audio: AudioBackend, wanted: str = "") -> Device:
    """The first input whose name holds `wanted` (any case), else the default input.

    Raises LookupError naming the inputs when none matches or there is no input at all.
    """
    inputs = [d for d in audio.devices() if d.is_input]
    if not inputs:
        raise LookupError("no microphone found")
    if wanted:
        match = [d for d in inputs if wanted.lower() in d.name.lower()]
        if not match:
            names = ", ".join(d.name for d in inputs)
            raise LookupError(f"no input device matches {wanted!r} (inputs: {names})")
        return match[0]
    default = audio.defaults()[0]
    return next((d for d in inputs if d.index == default), inputs[0])


def input_rate(audio: AudioBackend, device: Device, preferred: int = PREFERRED_RATE) -> int:
    """`preferred` Hz when the device takes it (A-weighting is exact at 48 kHz), else its own."""
    if audio.supports_input(device.index, preferred):
        return preferred
    return int(device.default_samplerate)


def load_backend() -> AudioBackend:
    """sounddevice if it loads, else PyAudio; AudioUnavailable when neither does."""
    reasons = []
    for factory in (SoundDeviceBackend, PyAudioBackend):
        try:
            return factory()
        except (ImportError, OSError) as error:  # no module, or no libportaudio to load
            reasons.append(f"{factory.name}: {error}")
    raise AudioUnavailable("; ".join(reasons))


def _drain(
    blocks: queue.Queue[Block | None], rate: int, seconds: float, alive: Callable[[], bool]
) -> Iterator[Block]:
    """Yield captured blocks until `seconds` of audio; DeviceLost if the device goes quiet."""
    wanted, got, wait = round(rate * seconds), 0, FIRST_BLOCK_S
    while got < wanted:
        try:
            block = blocks.get(timeout=wait)
        except queue.Empty:
            block = None
        if block is None:
            state = "stopped" if not alive() else f"delivered nothing for {wait:g} s"
            raise DeviceLost(f"the input device {state} after {got / rate:.1f} s")
        wait = STALL_S
        block = block[: wanted - got]
        got += len(block)
        yield block


def _offer(blocks: queue.Queue[Block | None], block: Block | None) -> None:
    """Queue a block from the audio thread; drop it if the reader has fallen far behind."""
    with contextlib.suppress(queue.Full):
        blocks.put_nowait(block)


class SoundDeviceBackend:
    """PortAudio through sounddevice. Re-scans devices on creation (hot-plugged headsets)."""

    name = "sounddevice"

    def __init__(self) -> None:
        import sounddevice

        self.sd: Any = sounddevice
        with contextlib.suppress(Exception):  # a fresh device list; harmless if it fails
            self.sd._terminate()
            self.sd._initialize()

    def devices(self) -> list[Device]:
        apis = [api["name"] for api in self.sd.query_hostapis()]
        return [
            Device(
                index=int(info["index"]),
                name=str(info["name"]),
                host_api=apis[info["hostapi"]],
                max_input_channels=int(info["max_input_channels"]),
                max_output_channels=int(info["max_output_channels"]),
                default_samplerate=float(info["default_samplerate"]),
            )
            for info in self.sd.query_devices()
        ]

    def defaults(self) -> tuple[int | None, int | None]:
        found: list[int | None] = []
        for kind in ("input", "output"):
            try:
                found.append(int(self.sd.query_devices(kind=kind)["index"]))
            except Exception:  # PortAudioError or ValueError: there is no such default
                found.append(None)
        return found[0], found[1]

    def supports_input(self, device: int | None, rate: int) -> bool:
        try:
            self.sd.check_input_settings(
                device=device, channels=1, dtype="float32", samplerate=rate
            )
        except Exception:  # PortAudioError: the device refuses this rate
            return False
        return True

    def capture(self, device: int | None, rate: int, seconds: float) -> Iterator[Block]:
        blocks: queue.Queue[Block | None] = queue.Queue(maxsize=max(50, int(seconds * 60)))

        def callback(data: Any, frames: int, time: Any, status: Any) -> None:
            _offer(blocks, np.array(data[:, 0], dtype=np.float32))

        stream = self.sd.InputStream(
            device=device,
            channels=1,
            samplerate=rate,
            dtype="float32",
            callback=callback,
            finished_callback=lambda: _offer(blocks, None),
        )
        with stream:
            yield from _drain(blocks, rate, seconds, lambda: bool(stream.active))


class PyAudioBackend:
    """PortAudio through PyAudio, when sounddevice is not installed."""

    name = "pyaudio"

    def __init__(self) -> None:
        import pyaudio

        self.pa: Any = pyaudio
        self.audio: Any = pyaudio.PyAudio()

    def devices(self) -> list[Device]:
        found = []
        for index in range(self.audio.get_device_count()):
            info = self.audio.get_device_info_by_index(index)
            api = self.audio.get_host_api_info_by_index(info["hostApi"])["name"]
            found.append(
                Device(
                    index=index,
                    name=str(info["name"]),
                    host_api=str(api),
                    max_input_channels=int(info["maxInputChannels"]),
                    max_output_channels=int(info["maxOutputChannels"]),
                    default_samplerate=float(info["defaultSampleRate"]),
                )
            )
        return found

    def defaults(self) -> tuple[int | None, int | None]:
        found: list[int | None] = []
        for getter in (
            self.audio.get_default_input_device_info,
            self.audio.get_default_output_device_info,
        ):
            try:
                found.append(int(getter()["index"]))
            except (OSError, ValueError):  # PyAudio raises IOError when there is none
                found.append(None)
        return found[0], found[1]

    def supports_input(self, device: int | None, rate: int) -> bool:
        if device is None:
            device = self.defaults()[0]
        try:
            return bool(
                self.audio.is_format_supported(
                    rate, input_device=device, input_channels=1, input_format=self.pa.paFloat32
                )
            )
        except (ValueError, OSError):
            return False

    def capture(self, device: int | None, rate: int, seconds: float) -> Iterator[Block]:
        blocks: queue.Queue[Block | None] = queue.Queue(maxsize=max(50, int(seconds * 60)))

        def callback(data: bytes, frames: int, time: Any, status: int) -> tuple[None, int]:
            _offer(blocks, np.frombuffer(data, dtype=np.float32).copy())
            return None, self.pa.paContinue

        stream = self.audio.open(
            format=self.pa.paFloat32,
            channels=1,
            rate=rate,
            input=True,
            input_device_index=device,
            stream_callback=callback,
        )
        try:
            yield from _drain(blocks, rate, seconds, stream.is_active)
        finally:
            with contextlib.suppress(OSError):
                stream.stop_stream()
            stream.close()
