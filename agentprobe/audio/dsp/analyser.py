"""Streaming noise analysis: feed float32 blocks as they are captured, read window metrics.

Memory is bounded: whole 20 ms frames are turned into a few numbers each (at most
`max_seconds` worth, preallocated), the P.56 meter, the hum detector and the low band keep
fixed-size state, and the samples themselves are dropped as soon as their frame is
analysed. Only window aggregates come out. Non-finite samples are counted and zeroed.

References: noise floor = L90 of A-weighted 20 ms frame levels (IEC 61672-1 weighting;
the band below 300 Hz from lowband.py, the rest from frames.py); speech level = ITU-T
P.56 method B on the same centred frames as the levels; SNR = speech level minus the
background's energy mean (background.py; both unweighted, so the two sides are alike);
clipping = samples within 0.01 dB of full scale; dead or muted microphone = Twilio's
constant-audio-input-level rule (standard deviation of the input level under 1 % of full
scale) while the level is also below any real microphone's self-noise (−90 dBFS, under
one 16-bit step), so a quiet room is not mistaken for a dead microphone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from agentprobe.audio.dsp.background import energy_split, vad_split
from agentprobe.audio.dsp.classify import QUIET_DBFS, ClassFeatures, noise_class
from agentprobe.audio.dsp.decimate import frame_factor
from agentprobe.audio.dsp.events import Events, events
from agentprobe.audio.dsp.frames import FRAME_S, FrameAnalyser
from agentprobe.audio.dsp.hum import LOW_RATE, Hum, HumDetector
from agentprobe.audio.dsp.levels import dbfs, dbfs_array, exceeded_many
from agentprobe.audio.dsp.lowband import LowBand
from agentprobe.audio.dsp.p56 import ActiveLevelMeter
from agentprobe.audio.dsp.vad import VoiceDetector

CLIP_LEVEL = 0.999  # −0.009 dBFS peak
MIN_SPEECH_RATIO = 0.05  # below this there is too little speech for a speech level
DEAD_STD_PCT = 1.0
DEAD_LEVEL_DBFS = -90.0
NO_EVENTS = Events(0.0, 0.0, 0, 0)
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
    invalid_samples: int
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
    """Analyse mono audio at `rate` Hz, up to `max_seconds` (later audio is ignored).

    `vad`, when given, decides which frames hold speech (see vad.py); without it a frame
    is speech when it stands 9 dB over the floor with most of its power in 300–3400 Hz.
    """

    def __init__(
        self,
        rate: int,
        max_seconds: float = 60.0,
        vad: VoiceDetector | None = None,
        quiet_dbfs: float = QUIET_DBFS,
    ) -> None:
        self.rate = rate
        self._frames = FrameAnalyser(rate)
        self.frame_len = self._frames.frame_len
        capacity = max(1, round(max_seconds / FRAME_S))
        # flat ms, A ms above the crossover, speech share, tonality, A ms below, VAD,
        # flat ms of the windowed frame
        self._features = np.zeros((7, capacity))
        self._count = 0
        seconds = max(1, BATCH_SAMPLES // rate)  # whole seconds: the hum detector's unit
        self._buffer = np.zeros(round(seconds / FRAME_S) * self.frame_len, dtype=np.float32)
        self._capacity = self._buffer.size
        # a memoryview takes a contiguous float32 block in about a third of the time numpy's
        # slice assignment needs, and feed() runs once per capture block
        self._slots = self._buffer.data
        self._filled = 0
        self._meter = ActiveLevelMeter(rate, self.frame_len)
        self._hum = HumDetector(rate, frame_factor(rate, self.frame_len, LOW_RATE))
        self._low = LowBand(self._hum.low_rate, self.frame_len // self._hum.factor, self._hum.lag)
        self._vad = vad
        self.quiet_dbfs = quiet_dbfs  # the class `quiet`: the caller's pass limit
        self._clipped = 0
        self._invalid = 0
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
        top, bottom = self._repair(samples)
        frames = samples.reshape(whole, self.frame_len)
        found = self._frames.features(frames)
        span = slice(self._count, self._count + whole)
        self._features[:4, span] = (
            found.mean_square, found.a_high_mean_square, found.speech_share, found.tonality
        )  # fmt: skip
        self._features[6, span] = found.windowed_mean_square
        if self._vad is not None:
            self._features[5, span] = self._vad(found.centred, self.rate)
        self._count += whole
        # the speech side sees the same centred frames as the levels: an offset is not speech
        self._meter.feed_magnitudes(
            np.abs(found.centred).ravel(), float(found.mean_square.sum()) * self.frame_len
        )
        low = self._low.feed(self._hum.feed(samples))
        done = self._low.frames - len(low)
        self._features[4, done : done + len(low)] = low[: max(0, self._count - done)]
        if top >= CLIP_LEVEL or bottom <= -CLIP_LEVEL:  # rare: count then
            self._clipped += int(np.count_nonzero(np.abs(samples) >= CLIP_LEVEL))
        self._samples += used

    def _repair(self, samples: NDArray[np.float32]) -> tuple[float, float]:
        """Count and zero non-finite samples (NaN, ±inf: a driver or resampler fault) in
        place, so one bad sample cannot poison every level; return the largest and the
        smallest sample (the clipping test's input)."""
        top, bottom = float(samples.max()), float(samples.min())
        if np.isfinite(top - bottom):  # max and min carry any NaN; ±inf makes it infinite
            return top, bottom
        bad = ~np.isfinite(samples)
        self._invalid += int(np.count_nonzero(bad))
        samples[bad] = 0.0
        return float(samples.max()), float(samples.min())

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
            invalid_samples=self._invalid,
            level_std_pct=round(window.level_std_pct, 3),
            mic_dead=features.dead,
            tonal_ratio=round(features.tonal_ratio, 3),
            noise_class=noise_class(features),
            analysed_s=round(self._samples / self.rate, 2),
        )

    def _aggregate(self) -> _Window:
        """The window's aggregates from the frames so far."""
        count = self._count
        flat_ms, high_ms, speech_share, tonality, low_ms, voiced, windowed_ms = self._features[
            :, :count
        ]
        a_ms = self._weighted(flat_ms, windowed_ms, high_ms + low_ms)
        flat, weighted = dbfs_array(flat_ms), dbfs_array(a_ms)
        floor_flat, median_flat = exceeded_many(flat, 90, 50)
        floor_a, loud_a = exceeded_many(weighted, 90, 10)
        level = self._meter.result().level_dbfs
        if self._vad is None:
            speech_frames, background = energy_split(flat, floor_flat, speech_share)
        else:
            speech_frames, background = vad_split(flat, floor_flat, voiced > 0.5, level)
        speech_ratio = np.count_nonzero(speech_frames) / count
        noise = flat_ms[background]
        speech_level, snr = _speech(
            level, speech_ratio, dbfs(float(noise.sum()) / max(1, len(noise)))
        )
        power = float(flat_ms.sum()) / count
        hum = self._hum.result(power)
        std_pct, dead = self._dead(flat_ms, dbfs(power))
        # sound events feed only the VAD's rules (classify.py)
        found = events(flat, floor_flat, speech_frames, FRAME_S) if self._vad else NO_EVENTS
        features = ClassFeatures(
            quiet_dbfs=self.quiet_dbfs,
            leq_a_dbfs=dbfs(float(a_ms.sum()) / len(a_ms)),
            spread_db=loud_a - floor_a,
            # events from the time-domain levels: the windowed FFT under-reads an impulse
            # near a frame's edge, the frame's own mean square never does
            crest_db=float(flat.max()) - median_flat,
            loud_frame_ratio=np.count_nonzero(flat > median_flat + 10.0) / count,
            speech_ratio=speech_ratio,
            tonal_ratio=np.count_nonzero(tonality >= 0.5) / count,
            hum_db=hum.prominence_db,
            hum_share=hum.power / max(power, 1e-30),
            dead=dead,
            onset_rate=found.onset_rate,
            active_share=found.active_share,
            longest_active=found.longest_active,
            longest_voice=found.longest_voice,
            vad=self._vad is not None,
            harmonic_ratio=np.count_nonzero(tonality >= 0.3) / count,
        )
        return _Window(features, floor_a, speech_level, snr, hum, std_pct)

    def _weighted(
        self,
        flat_ms: NDArray[np.float64],
        windowed_ms: NDArray[np.float64],
        a_ms: NDArray[np.float64],
    ) -> NDArray[np.float64]:
        """A-weighted frame mean squares (the FFT's part above the crossover plus the low
        band's), over the frames whose low band has settled (all frames in a short window).

        The Hann window that keeps a hum from leaking tapers a frame's edges: an impulse
        there would vanish, one at the centre count 4.3 dB too much. Where the windowed
        estimate and the frame's own mean square differ more than 2× (never for a steady
        sound), the frame's mean square is weighted by its spectrum's A/flat ratio instead.
        """
        windowed_ms = np.maximum(windowed_ms, 1e-30)  # digital silence: 0 / tiny = 0
        ratio = flat_ms / windowed_ms
        off = (ratio < 0.5) | (ratio > 2.0)
        if off.any():
            a_ms = np.where(off, ratio * a_ms, a_ms)
        settle, ready = self._low.settle_frames(), min(self._low.frames, len(a_ms))
        if ready - settle < 10:  # too short to leave any out
            return np.asarray(a_ms)
        return np.asarray(a_ms[settle:ready])

    def _dead(self, flat_ms: NDArray[np.float64], leq_flat: float) -> tuple[float, bool]:
        """Twilio's rule on 1 s levels (std under 1 % of full scale), below any mic's self-noise."""
        per_second = max(1, round(1.0 / FRAME_S))
        usable = len(flat_ms) // per_second * per_second or len(flat_ms)
        seconds = flat_ms[:usable].reshape(-1, min(per_second, usable))
        rms = np.sqrt(seconds.sum(axis=1) / seconds.shape[1])
        deviation = rms - float(rms.sum()) / len(rms)
        std_pct = 100.0 * float(np.sqrt(np.dot(deviation, deviation) / len(rms)))
        return std_pct, std_pct < DEAD_STD_PCT and leq_flat < DEAD_LEVEL_DBFS


def _speech(
    level: float | None, speech_ratio: float, noise: float
) -> tuple[float | None, float | None]:
    """The P.56 level and the SNR, rounded; None when too little was speech."""
    if level is None or speech_ratio < MIN_SPEECH_RATIO:
        return None, None
    return round(level, 1), round(level - noise, 1)
