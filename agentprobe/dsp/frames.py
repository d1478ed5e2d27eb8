"""Per-frame features of 20 ms frames, computed with one FFT per frame.

Each frame's spectrum gives, by Parseval, its mean square (DC removed, because an offset
is not sound) and its A-weighted mean square (IEC 61672 gains per bin), plus two shape
features for the noise classes: the share of power in the telephone speech band
(300–3400 Hz) and tonality, the share of power in bins at least 3× (4.8 dB) above the
mean of their 7 neighbours (noise puts ~20 % there, steady tones most of it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from agentprobe.dsp.weighting import a_weighting_power, parseval_weights

FRAME_S = 0.020
SPEECH_BAND_HZ = (300.0, 3400.0)
TONAL_BAND_HZ = (100.0, 8000.0)
PEAK_FACTOR = 3.0
NEIGHBOURHOOD = 7


@dataclass(frozen=True)
class FrameFeatures:
    """Arrays of shape (n_frames,): mean squares (flat, A-weighted) and shape features (0–1)."""

    mean_square: NDArray[np.float64]
    a_mean_square: NDArray[np.float64]
    speech_share: NDArray[np.float64]
    tonality: NDArray[np.float64]


class FrameAnalyser:
    """Features of frames shaped (n_frames, frame_len) at a fixed sample rate."""

    def __init__(self, rate: int) -> None:
        self.frame_len = round(rate * FRAME_S)
        freqs = np.fft.rfftfreq(self.frame_len, 1.0 / rate)
        parseval = parseval_weights(self.frame_len)
        parseval[0] = 0.0  # drop DC
        speech = (freqs >= SPEECH_BAND_HZ[0]) & (freqs <= SPEECH_BAND_HZ[1])
        # one matrix product gives all four per-frame sums
        self._sums = np.stack(
            [parseval, parseval * a_weighting_power(self.frame_len, rate), speech, freqs > 0],
            axis=1,
        ).astype(np.float64)
        tonal = np.nonzero((freqs >= TONAL_BAND_HZ[0]) & (freqs <= TONAL_BAND_HZ[1]))[0]
        self._tonal = slice(int(tonal[0]), int(tonal[-1]) + 1)

    def features(self, frames: NDArray[np.floating]) -> FrameFeatures:
        spectrum = np.fft.rfft(frames, axis=1)
        power = spectrum.real**2 + spectrum.imag**2
        flat, weighted, speech, total = (power @ self._sums).T
        share = speech / np.maximum(total, 1e-30)
        return FrameFeatures(flat, weighted, share, self._tonality(power))

    def _tonality(self, power: NDArray[np.float64]) -> NDArray[np.float64]:
        band = power[:, self._tonal]
        half = NEIGHBOURHOOD // 2
        cumulative = np.cumsum(band, axis=1)
        # moving mean over NEIGHBOURHOOD bins, for the bins that have all their neighbours
        local = cumulative[:, NEIGHBOURHOOD - 1 :].copy()
        local[:, 1:] -= cumulative[:, :-NEIGHBOURHOOD]
        inner = band[:, half : band.shape[1] - half]
        peaks = np.where(inner >= PEAK_FACTOR / NEIGHBOURHOOD * local, inner, 0.0)
        return np.asarray(peaks.sum(axis=1) / np.maximum(cumulative[:, -1], 1e-30))
