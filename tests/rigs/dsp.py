"""Driving the DSP as the noise check does: feed float32 blocks, then read the result."""

from __future__ import annotations

import numpy as np

from agentprobe.audio.dsp.analyser import NoiseAnalyser, NoiseMetrics
from agentprobe.audio.dsp.p56 import ActiveLevelMeter


def analyse(x: np.ndarray, rate: int, block: int = 1024) -> NoiseMetrics:
    analyser = NoiseAnalyser(rate, max_seconds=len(x) / rate + 1)
    for start in range(0, len(x), block):
        analyser.feed(x[start : start + block].astype(np.float32))
    return analyser.result()


def p56(x: np.ndarray, rate: int) -> tuple[float | None, float]:
    frame = rate // 50
    meter = ActiveLevelMeter(rate, frame)
    meter.feed(x[: len(x) // frame * frame].reshape(-1, frame))
    result = meter.result()
    return result.level_dbfs, result.activity
