"""Per-frame features of 20 ms frames, from one real FFT over a whole block of frames.

Each frame's spectrum gives, by Parseval, its mean square (DC removed, because an offset
is not sound) and its A-weighted mean square (IEC 61672 gains per bin), plus two shape
features for the noise classes: the share of power in the telephone speech band
(300–3400 Hz) and tonality, the share of power in bins at least 3× (4.8 dB) above the
mean of their 7 neighbours (noise puts ~20 % there, steady tones most of it).

Spectra stay in float32 (the input's precision; sums over a few hundred bins lose far
less than 0.001 dB) and the per-bin tables are built once per sample rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp.products import matmul_rows
from agentprobe.audio.dsp.weighting import a_weighting_power, parseval_weights

FRAME_S = 0.020
SPEECH_BAND_HZ = (300.0, 3400.0)
TONAL_BAND_HZ = (100.0, 8000.0)
PEAK_FACTOR = 3.0
NEIGHBOURHOOD = 7  # fixed: `_tonal_peaks` builds 7-bin sums from pairs and fours


@dataclass(frozen=True)
class FrameFeatures:
    """Arrays of shape (n_frames,): mean squares (flat and A-weighted, DC removed) and shape
    features (0–1); and the frames' total power, DC included."""

    mean_square: NDArray[np.float64]
    a_mean_square: NDArray[np.float64]
    speech_share: NDArray[np.float64]
    tonality: NDArray[np.float64]
    mean_square_sum: float  # Σ over frames of the mean square with DC: Σx² / frame length


class FrameAnalyser:
    """Features of frames shaped (n_frames, frame_len) at a fixed sample rate."""

    def __init__(self, rate: int) -> None:
        self.frame_len = round(rate * FRAME_S)
        self._sums, self._tonal = _tables(rate, self.frame_len)

    def features(self, frames: NDArray[np.floating]) -> FrameFeatures:
        spectrum = np.fft.rfft(np.asarray(frames, dtype=np.float32), axis=1)
        power = np.square(spectrum.real)
        power += np.square(spectrum.imag)
        # one matrix product gives all six per-frame sums
        sums = matmul_rows(power, self._sums).astype(np.float64).T
        flat, weighted, speech, total, tonal, dc = sums
        share = speech / np.maximum(total, 1e-30)
        peaks = _tonal_peaks(power, self._tonal)
        tonality = peaks / np.maximum(tonal, 1e-30)
        return FrameFeatures(flat, weighted, share, tonality, float((flat + dc).sum()))


def _tonal_peaks(power: NDArray[np.float32], band: slice) -> NDArray[np.float64]:
    """Per frame: the power in `band`'s bins at least PEAK_FACTOR × the mean of their 7
    neighbours (bins whose neighbourhood stays in the band).

    The sums run over the rows laid end to end: one long contiguous pass per step costs far
    less than a short pass per frame. The sums that straddle two frames land only in
    columns outside the band's inner bins, which are never read. When the band is a small
    part of the row, it is copied out first so the passes skip the bins outside it.
    """
    if 2 * (band.stop - band.start) < power.shape[1]:  # at 48 kHz: copy the band out
        power, band = np.ascontiguousarray(power[:, band]), slice(0, band.stop - band.start)
    rows, width = power.shape
    flat = power.ravel()
    pairs = flat[:-1] + flat[1:]
    fours = pairs[:-2] + pairs[2:]
    local = np.empty_like(flat)  # local[i]: the 7 bins centred on bin i + 3
    sums = local[:-6]
    np.add(fours[:-3], pairs[4:-1], out=sums)
    sums += flat[6:]
    inner = flat[3:-3]
    peak = inner >= PEAK_FACTOR / NEIGHBOURHOOD * sums
    np.multiply(inner, peak, out=sums)  # the peaks' power, the rest zeroed
    centres = slice(band.start, band.stop - 6)  # the band's inner bins, shifted by 3
    return np.asarray(local.reshape(rows, width)[:, centres].sum(axis=1), dtype=np.float64)


@lru_cache(maxsize=8)
def _tables(rate: int, frame_len: int) -> tuple[NDArray[np.float32], slice]:
    """Per-bin columns (flat and A-weighted Parseval factors, speech band, non-DC, tonality
    band) and the tonality band's bins, for one rate and frame length."""
    freqs = np.fft.rfftfreq(frame_len, 1.0 / rate)
    parseval = parseval_weights(frame_len)
    dc = np.zeros_like(parseval)
    dc[0], parseval[0] = parseval[0], 0.0  # DC apart: an offset is not sound
    speech = (freqs >= SPEECH_BAND_HZ[0]) & (freqs <= SPEECH_BAND_HZ[1])
    tonal = (freqs >= TONAL_BAND_HZ[0]) & (freqs <= TONAL_BAND_HZ[1])
    weighted = parseval * a_weighting_power(frame_len, rate)
    sums = np.stack([parseval, weighted, speech, freqs > 0, tonal, dc], axis=1)
    band = np.nonzero(tonal)[0]
    return sums.astype(np.float32), slice(int(band[0]), int(band[-1]) + 1)
