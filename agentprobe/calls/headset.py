"""The headset during one call: window figures of the microphone folded into whole-call totals.

While a call is live the microphone is analysed in windows of live audio (see
`agentprobe.calls.microphone`) and the sound server is asked now and then which
microphone is the default. This tally keeps only running sums of fixed size, so a
two-hour call costs what a two-minute one does, and its `metrics()` are whole-call
aggregates, never a series: the speech level is the time-weighted energy mean of the
windows' ITU-T P.56 active levels, the noise floor the time-weighted median of the
windows' A-weighted L90 (IEC 61672-1), clipping the share of clipped samples over all
live audio, muted time the seconds the analyser called a dead microphone. Levels are
dBFS = 20·log10(RMS), full scale 1.0 (a full-scale sine reads −3.01 dBFS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BIN_DB = 0.1  # the analyser rounds levels to 0.1 dB, so a 0.1 dB histogram loses nothing
LOWEST_DBFS = -150.0  # what digital silence reads
BINS = round(-LOWEST_DBFS / BIN_DB) + 1


@dataclass(frozen=True)
class Window:
    """One analysed stretch of live (not muted) microphone audio; levels in dBFS."""

    analysed_s: float
    noise_floor_dbfs: float  # A-weighted L90 of 20 ms frames
    speech_level_dbfs: float | None  # P.56 active level; None when too little speech
    clipping_pct: float  # samples at full scale, % of the window's samples


class HeadsetTally:
    """Whole-call totals of the microphone and its device, in fixed memory."""

    def __init__(self) -> None:
        self.live_s = 0.0
        self.muted_s = 0.0
        self.device_changes = 0
        self.narrowband_s = 0.0
        self._floor_s = [0.0] * BINS  # seconds of windows per noise-floor bin
        self._speech_energy = 0.0  # Σ seconds · 10^(level/10)
        self._speech_s = 0.0
        self._clipped_s = 0.0  # Σ seconds · clipping_pct / 100
        self._device: str | None = None
        self._last: tuple[float, bool] | None = None  # (when, narrowband) of the last look

    def add(self, window: Window) -> None:
        """Fold one window of live audio in."""
        seconds = window.analysed_s
        if seconds <= 0:
            return
        self.live_s += seconds
        self._floor_s[_bin(window.noise_floor_dbfs)] += seconds
        if window.speech_level_dbfs is not None:
            self._speech_energy += seconds * 10.0 ** (window.speech_level_dbfs / 10.0)
            self._speech_s += seconds
        self._clipped_s += seconds * window.clipping_pct / 100.0

    def add_muted(self, seconds: float) -> None:
        """Audio the analyser called a dead or muted microphone (digital silence)."""
        self.muted_s += max(0.0, seconds)

    def observe(self, at_s: float, device: str | None, narrowband: bool) -> None:
        """What was the default microphone at `at_s` seconds into the call (None: unknown),
        and was it a Bluetooth headset in hands-free mode. The narrowband time counts
        from each look to the next."""
        if self._last is not None and self._last[1]:
            self.narrowband_s += max(0.0, at_s - self._last[0])
        if device is not None:
            if self._device is not None and device != self._device:
                self.device_changes += 1
            self._device = device
        self._last = (at_s, narrowband)

    def finish(self, at_s: float) -> None:
        """The call ended `at_s` seconds in: close the narrowband time of the last look."""
        if self._last is not None:
            self.observe(at_s, None, False)

    def metrics(self) -> dict[str, float | int]:
        """The call check's headset metrics; levels only when some live audio was heard."""
        found: dict[str, float | int] = {
            "mic_analysed_s": round(self.live_s + self.muted_s, 1),
            "mic_muted_s": round(self.muted_s, 1),
            "device_changes": self.device_changes,
            "narrowband_s": round(self.narrowband_s, 1),
        }
        if self.live_s > 0:
            found["noise_floor_dbfs"] = self._median_floor()
            found["clipping_pct"] = round(100.0 * self._clipped_s / self.live_s, 3)
        if self._speech_s > 0:
            level = 10.0 * math.log10(self._speech_energy / self._speech_s)
            found["speech_level_dbfs"] = round(level, 1)
        return found

    def _median_floor(self) -> float:
        """The lower time-weighted median: the first bin holding half the live time."""
        half, total = self.live_s / 2.0, 0.0
        for index, seconds in enumerate(self._floor_s):
            total += seconds
            if total >= half and seconds > 0:
                return round(LOWEST_DBFS + index * BIN_DB, 1)
        return round(LOWEST_DBFS + (BINS - 1) * BIN_DB, 1)  # not reached: live_s > 0


def _bin(level_dbfs: float) -> int:
    return min(BINS - 1, max(0, round((level_dbfs - LOWEST_DBFS) / BIN_DB)))
