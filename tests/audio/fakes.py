"""Small fake audio backends for unit tests of the checks' logic."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from agentprobe.audio.backend import AudioUnavailable, Block, Device, DeviceLost


def device(
    index: int, name: str, inputs: int = 1, outputs: int = 0, rate: float = 48000.0
) -> Device:
    return Device(index, name, "Test API", inputs, outputs, rate)


class FakeBackend:
    """Devices and defaults as given; `capture` plays `signal` in 1024-sample blocks."""

    name = "fake"

    def __init__(
        self,
        devices: list[Device],
        default_input: int | None = None,
        default_output: int | None = None,
        signal: np.ndarray | None = None,
        rates: tuple[int, ...] = (16000, 44100, 48000),
        lose_after_blocks: int | None = None,
    ) -> None:
        self._devices, self._defaults = devices, (default_input, default_output)
        self.signal = signal if signal is not None else np.zeros(48000)
        self.rates, self.lose_after_blocks = rates, lose_after_blocks
        self.opened: list[tuple[int | None, int]] = []

    def devices(self) -> list[Device]:
        return list(self._devices)

    def defaults(self) -> tuple[int | None, int | None]:
        return self._defaults

    def supports_input(self, device: int | None, rate: int) -> bool:
        return rate in self.rates

    def capture(self, device: int | None, rate: int, seconds: float) -> Iterator[Block]:
        self.opened.append((device, rate))
        wanted = min(len(self.signal), round(seconds * rate))
        for number, start in enumerate(range(0, wanted, 1024)):
            if self.lose_after_blocks is not None and number >= self.lose_after_blocks:
                raise DeviceLost("the input device stopped after 0.1 s")
            yield self.signal[start : min(start + 1024, wanted)].astype(np.float32)


def unavailable() -> FakeBackend:
    raise AudioUnavailable("sounddevice: PortAudio library not found")


DATA = Path(__file__).parent / "data"


class PactlFiles:
    """Answers pactl commands from captured outputs: `<prefix>-info.txt|json`,
    `<prefix>-sources.json|txt`, `<prefix>-sinks.json|txt`. Without JSON files it
    answers `--format=json` as an old pactl would (an error: None)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.calls: list[list[str]] = []

    def __call__(self, args: Sequence[str]) -> str | None:
        self.calls.append(list(args))
        as_json = "--format=json" in args
        what = "info" if args[-1] == "info" else args[-1]
        path = DATA / f"{self.prefix}-{what}.{'json' if as_json else 'txt'}"
        if what == "info" and not path.exists():
            path = DATA / f"{self.prefix}-info.json"
        return path.read_text() if path.exists() else None
