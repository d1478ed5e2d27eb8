"""The microphone during a call, analysed as it is captured: muted seconds, then live windows.

Each slice of audio (SLICE_S, ten 20 ms frames) is first judged on its own by the noise
analyser (`mic_dead`: Twilio's constant-audio-input-level rule below any real
microphone's self-noise): a muted or dead slice is counted as muted time and dropped,
a live one is fed to the current level window. A window closes after `window_s`
seconds of live audio and leaves only its figures in the `HeadsetTally`, so muting
does not drag the call's noise floor down to digital silence (the slices are short,
so a mute switched on mid-slice leaks at most one slice of silence into the L90).
At most one slice of samples and one window's analyser are ever held, and only in
this process's memory.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp import NoiseAnalyser, NoiseMetrics
from agentprobe.calls.headset import HeadsetTally, Window

WINDOW_S = 30.0
SLICE_S = 0.2  # ten 20 ms frames: a mute's edges leak at most this much silence
FRAME_S = 0.02  # the analyser needs one whole 20 ms frame before it can say anything

Analyser = Callable[[int, float], NoiseAnalyser]


class MicMeter:
    """Feed mono float32 blocks at `rate` Hz (full scale 1.0); figures go to `tally`."""

    def __init__(
        self,
        rate: int,
        tally: HeadsetTally,
        window_s: float = WINDOW_S,
        analyser: Analyser = NoiseAnalyser,
    ) -> None:
        self.rate, self.tally, self.window_s, self.analyser = rate, tally, window_s, analyser
        self._slice = np.zeros(round(SLICE_S * rate), dtype=np.float32)
        self._filled = 0
        self._window: NoiseAnalyser | None = None
        self._window_s = 0.0

    def feed(self, block: NDArray[np.floating]) -> None:
        """Take a block of any length; each slice is judged as soon as it is whole."""
        samples = np.asarray(block, dtype=np.float32).ravel()
        size = self._slice.size
        while samples.size:
            take = min(samples.size, size - self._filled)
            self._slice[self._filled : self._filled + take] = samples[:take]
            self._filled += take
            samples = samples[take:]
            if self._filled == size:
                self._judge(self._slice)
                self._filled = 0

    def close(self) -> None:
        """The call is over: judge the last part-slice and fold the open window in."""
        if self._filled >= round(FRAME_S * self.rate):
            self._judge(self._slice[: self._filled])
        self._filled = 0
        self._close_window()

    def _judge(self, samples: NDArray[np.float32]) -> None:
        probe = self.analyser(self.rate, len(samples) / self.rate + 1.0)
        probe.feed(samples)
        found = probe.result()
        if found.mic_dead:
            self.tally.add_muted(found.analysed_s)
            return
        if self._window is None:
            self._window = self.analyser(self.rate, self.window_s + 2.0)
        self._window.feed(samples)  # the analyser copies: our buffer is reused at once
        self._window_s += len(samples) / self.rate
        if self._window_s >= self.window_s:
            self._close_window()

    def _close_window(self) -> None:
        if self._window is not None:
            self.tally.add(window_of(self._window.result()))
        self._window, self._window_s = None, 0.0


def window_of(found: NoiseMetrics) -> Window:
    """The figures a window keeps of the analyser's result."""
    return Window(
        analysed_s=float(found.analysed_s),
        noise_floor_dbfs=float(found.noise_floor_dbfs),
        speech_level_dbfs=found.speech_level_dbfs,
        clipping_pct=float(found.clipping_pct),
    )
