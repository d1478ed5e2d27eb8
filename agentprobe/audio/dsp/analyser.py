"""Streaming noise analysis: feed float32 blocks as they are captured, read window metrics.

Memory is bounded: whole 20 ms frames are turned into a few numbers each (at most
`max_seconds` worth, preallocated), the P.56 meter and the hum detector keep fixed-size
state, and the samples themselves are dropped as soon as their frame is analysed.
Only window aggregates come out (the privacy rules in docs/architecture.md).

References: noise floor = L90 of A-weighted 20 ms frame levels (IEC 61672-1
weighting); speech level = ITU-T P.56 method B; SNR = speech level minus the background
level (the energy mean of unweighted frames within 3 dB of their L90, i.e. the frames a
VAD calls noise; both unweighted, so the two sides are alike); clipping = samples within 0.01 dB of
full scale; dead or muted microphone = Twilio's constant-audio-input-level rule (standard
deviation of the input level under 1 % of full scale) while the level is also below any
real microphone's self-noise (−90 dBFS, under one 16-bit step), so a quiet room is not
mistaken for a dead microphone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp.classify import ClassFeatures, noise_class
from agentprobe.audio.dsp.frames import FRAME_S, FrameAnalyser
from agentprobe.audio.dsp.hum import Hum, HumDetector
from agentprobe.audio.dsp.levels import dbfs, dbfs_array, exceeded_many
from agentprobe.audio.dsp.p56 import ActiveLevelMeter

CLIP_LEVEL = 0.999  # −0.009 dBFS peak
VAD_MARGIN_DB = 9.0
BACKGROUND_DB = 3.0
VAD_SPEECH_SHARE = 0.5
MIN_SPEECH_RATIO = 0.05  # below this there is too little speech for a speech level
DEAD_STD_PCT = 1.0
DEAD_LEVEL_DBFS = -90.0
BATCH_SAMPLES = 96000  # about this much audio is analysed at once, in whole seconds


@dataclass(frozen=True)
class NoiseMetrics:
    """The noise check's window aggregates (levels in dBFS, full-scale sine = −3.01 dBFS)."""

    noise_floor_dbfs: float
    leq_dbfs: float
    spread_db: float
    speech_level_dbfs: float | None
    snr_db: float | None
    speech_ratio: float
    hum_db: float
    hum_hz: int | None
    clipping_pct: float
    level_std_pct: float
    mic_dead: bool
    tonal_ratio: float
    noise_class: str
    analysed_s: float


@dataclass(frozen=True)
class _Window:
    """What `NoiseAnalyser.result` rounds into NoiseMetrics."""

    features: ClassFeatures
    floor_a_dbfs: float
    speech_level_dbfs: float | None
    snr_db: float | None
    hum: Hum
    level_std_pct: float


class NoiseAnalyser:
    """Analyse mono audio at `rate` Hz, up to `max_seconds` (later audio is ignored)."""

    def __init__(self, rate: int, max_seconds: float = 60.0) -> None:
        self.rate = rate
        self._frames = FrameAnalyser(rate)
        self.frame_len = self._frames.frame_len
        capacity = max(1, round(max_seconds / FRAME_S))
        self._features = np.zeros((4, capacity))  # flat ms, A ms, speech share, tonality
        self._count = 0
        seconds = max(1, BATCH_SAMPLES // rate)  # whole seconds: the hum detector's unit
        self._buffer = np.zeros(round(seconds / FRAME_S) * self.frame_len, dtype=np.float32)
        self._capacity = self._buffer.size
        # a memoryview takes a contiguous float32 block in about a third of the time numpy's
        # slice assignment needs, and feed() runs once per capture block
        self._slots = self._buffer.data
        self._filled = 0
        self._meter = ActiveLevelMeter(rate, self.frame_len)
        self._hum = HumDetector(rate)
        self._clipped = 0
        self._samples = 0

    @property
    def full(self) -> bool:
        return self._count >= self._features.shape[1]

    def feed(self, block: NDArray[np.floating]) -> None:
        """Queue a block of mono samples (any length; full scale = 1.0) for analysis.

        Whole frames are analysed in batches of about BATCH_SAMPLES, which keeps numpy's per-call
        overhead low; at most one batch of samples waits in memory.
        """
        block = np.asarray(block, dtype=np.float32).ravel()
        end = self._filled + len(block)
        if end < self._capacity:  # the common case: one small capture block
            self._slots[self._filled : end] = block.data  # ravel() made it contiguous float32
            self._filled = end
            return
        while block.size:
            take = min(block.size, self._buffer.size - self._filled)
            self._buffer[self._filled : self._filled + take] = block[:take]
            self._filled += take
            block = block[take:]
            if self._filled == self._buffer.size:
                self._flush()

    def _flush(self) -> None:
        """Analyse the buffered whole frames (the buffer holds whole frames, or a last part)."""
        whole = min(self._filled // self.frame_len, self._features.shape[1] - self._count)
        used = whole * self.frame_len
        samples, self._filled = self._buffer[:used], 0
        if whole == 0:
            return
        frames = samples.reshape(whole, self.frame_len)
        found = self._frames.features(frames)
        span = slice(self._count, self._count + whole)
        self._features[:, span] = (
            found.mean_square, found.a_mean_square, found.speech_share, found.tonality
        )  # fmt: skip
        self._count += whole
        magnitudes = np.abs(samples)  # the meter's input, and the clipping test's
        self._meter.feed_magnitudes(magnitudes, found.mean_square_sum * self.frame_len)
        self._hum.feed(samples)
        if magnitudes.max() >= CLIP_LEVEL:  # rare: count then
            self._clipped += int(np.count_nonzero(magnitudes >= CLIP_LEVEL))
        self._samples += used

    def result(self) -> NoiseMetrics:
        """Metrics over everything fed so far. Raises ValueError before one whole frame."""
        self._flush()
        if self._count == 0:
            raise ValueError("no audio analysed yet")
        window = self._aggregate()
        features = window.features
        return NoiseMetrics(
            noise_floor_dbfs=round(window.floor_a_dbfs, 1),
            leq_dbfs=round(features.leq_a_dbfs, 1),
            spread_db=round(features.spread_db, 1),
            speech_level_dbfs=window.speech_level_dbfs,
            snr_db=window.snr_db,
            speech_ratio=round(features.speech_ratio, 3),
            hum_db=window.hum.prominence_db,
            hum_hz=window.hum.hz,
            clipping_pct=round(100.0 * self._clipped / self._samples, 3),
            level_std_pct=round(window.level_std_pct, 3),
            mic_dead=features.dead,
            tonal_ratio=round(features.tonal_ratio, 3),
            noise_class=noise_class(features),
            analysed_s=round(self._samples / self.rate, 2),
        )

    def _aggregate(self) -> _Window:
        """The window's aggregates from the frames so far."""
        count = self._count
        flat_ms, a_ms, speech_share, tonality = self._features[:, :count]
        flat, weighted = dbfs_array(flat_ms), dbfs_array(a_ms)
        (floor_flat,) = exceeded_many(flat, 90)
        floor_a, median_a, loud_a = exceeded_many(weighted, 90, 50, 10)
        speech_frames = (flat >= floor_flat + VAD_MARGIN_DB) & (speech_share >= VAD_SPEECH_SHARE)
        speech_ratio = np.count_nonzero(speech_frames) / count
        # the background's level: energy mean of the frames near the floor (VAD-negative)
        background = flat_ms[flat < floor_flat + BACKGROUND_DB]
        speech_level, snr = self._speech(
            speech_ratio, dbfs(float(background.sum()) / len(background))
        )
        power = float(flat_ms.sum()) / count
        hum = self._hum.result(power)
        std_pct, dead = self._dead(flat_ms, dbfs(power))
        features = ClassFeatures(
            leq_a_dbfs=dbfs(float(a_ms.sum()) / count),
            spread_db=loud_a - floor_a,
            crest_db=float(weighted.max()) - median_a,
            loud_frame_ratio=np.count_nonzero(weighted > median_a + 10.0) / count,
            speech_ratio=speech_ratio,
            tonal_ratio=np.count_nonzero(tonality >= 0.5) / count,
            hum_db=hum.prominence_db,
            hum_share=hum.power / max(power, 1e-30),
            dead=dead,
        )
        return _Window(features, floor_a, speech_level, snr, hum, std_pct)

    def _speech(self, speech_ratio: float, noise: float) -> tuple[float | None, float | None]:
        level = self._meter.result().level_dbfs
        if level is None or speech_ratio < MIN_SPEECH_RATIO:
            return None, None
        return round(level, 1), round(level - noise, 1)

    def _dead(self, flat_ms: NDArray[np.float64], leq_flat: float) -> tuple[float, bool]:
        """Twilio's rule on 1 s levels (std under 1 % of full scale), below any mic's self-noise."""
        per_second = max(1, round(1.0 / FRAME_S))
        usable = len(flat_ms) // per_second * per_second or len(flat_ms)
        seconds = flat_ms[:usable].reshape(-1, min(per_second, usable))
        rms = np.sqrt(seconds.sum(axis=1) / seconds.shape[1])
        deviation = rms - float(rms.sum()) / len(rms)
        std_pct = 100.0 * float(np.sqrt(np.dot(deviation, deviation) / len(rms)))
        return std_pct, std_pct < DEAD_STD_PCT and leq_flat < DEAD_LEVEL_DBFS
