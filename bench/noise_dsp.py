"""Noise analysis cost: time for 10 s of audio at 16 and 48 kHz, beside pyloudnorm.

pyloudnorm's integrated loudness (ITU-R BS.1770: K-weighting IIR plus gating) is the
yardstick: a well-known pure-Python meter computing one figure, where our analyser
computes every noise metric (A-weighted L90, P.56 level, SNR, VAD, hum, clipping,
dead-mic, class). The noise check also runs the WebRTC VAD on every frame; its cost is
printed apart, so the figures stay comparable with earlier versions.

Memory: a fresh interpreter measures what importing agentprobe.audio.dsp and analysing adds on
top of numpy, and, for comparison, what importing scipy.signal adds.

Run: .venv/bin/python bench/noise_dsp.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

SECONDS = 10
BLOCK = 1024  # a typical PortAudio callback block
REPEATS = 25
GOAL = 2.0  # at least this many times faster than pyloudnorm


def signal(rate: int) -> np.ndarray:
    """Speech-like bursts over pink-ish noise with a 50 Hz hum: every detector has work."""
    rng = np.random.default_rng(1)
    t = np.arange(SECONDS * rate) / rate
    noise = np.cumsum(rng.standard_normal(t.size)) * 1e-4
    noise -= np.convolve(noise, np.ones(64) / 64, mode="same")
    voice = 0.1 * np.sin(2 * np.pi * 150 * t) * (np.sin(2 * np.pi * 3 * t) > 0)
    return (noise + voice + 0.003 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)


def best_of(*actions: Callable[[], object]) -> list[float]:
    """Each action's best time; runs alternate, so a busy moment hits them alike."""
    times: list[list[float]] = [[] for _ in actions]
    for _ in range(REPEATS):
        for action, taken in zip(actions, times, strict=True):
            started = time.perf_counter()
            action()
            taken.append(time.perf_counter() - started)
    return [min(taken) for taken in times]


def analyse(x: np.ndarray, rate: int, vad: object = None) -> object:
    from agentprobe.audio.dsp import NoiseAnalyser

    analyser = NoiseAnalyser(rate, max_seconds=SECONDS + 1, vad=vad)  # type: ignore[arg-type]
    for start in range(0, x.size, BLOCK):
        analyser.feed(x[start : start + BLOCK])
    return analyser.result()


def timings() -> None:
    import pyloudnorm

    print(f"analysis of {SECONDS} s of audio, best of {REPEATS}, {BLOCK}-sample blocks")
    print(f"machine load (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"{'rate':>7}  {'agentprobe (all metrics)':>25}  {'pyloudnorm (LUFS only)':>23}  speed-up"
    )
    for rate in (16000, 48000):
        x = signal(rate)
        meter = pyloudnorm.Meter(rate)
        ours, theirs = best_of(
            lambda x=x, rate=rate: analyse(x, rate),
            lambda x=x, meter=meter: meter.integrated_loudness(x.astype(np.float64)),
        )
        verdict = "meets" if theirs / ours >= GOAL else "misses"
        print(
            f"{rate:>7}  {ours * 1000:>22.2f} ms  {theirs * 1000:>20.2f} ms  {theirs / ours:>7.2f}x"
            f"  ({verdict} the {GOAL:g}x goal)"
        )
    print(f"speed-up = pyloudnorm time / agentprobe time; {GOAL:g}x or more is the goal")
    from agentprobe.audio.dsp.vad import WebRtcVad

    print("\nas the noise check runs it, with the WebRTC VAD on every frame")
    for rate in (16000, 48000):
        x, vad = signal(rate), WebRtcVad()
        plain, voiced = best_of(
            lambda x=x, rate=rate: analyse(x, rate),
            lambda x=x, rate=rate, vad=vad: analyse(x, rate, vad),
        )
        print(
            f"{rate:>7}  {voiced * 1000:>22.2f} ms  (the VAD adds {(voiced - plain) * 1000:.2f} ms)"
        )


MEMORY_PROBE = """
import json, sys
import numpy as np
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith(("VmRSS", "VmHWM")):
            yield line.split()[0].rstrip(":"), int(line.split()[1])
before = dict(rss_kb())
if sys.argv[1] == "dsp":
    from agentprobe.audio.dsp import NoiseAnalyser
    x = (np.random.default_rng(1).standard_normal(48000 * 10) * 0.01).astype(np.float32)
    start = dict(rss_kb())
    analyser = NoiseAnalyser(48000, max_seconds=11)
    for i in range(0, x.size, 1024):
        analyser.feed(x[i : i + 1024])
    analyser.result()
else:
    import scipy.signal
after = dict(rss_kb())
print(json.dumps({"before": before, "after": after}))
"""


def memory() -> None:
    print("\nresident memory added on top of python + numpy (fresh interpreter each)")
    for what, label in (("dsp", "import agentprobe.audio.dsp + analyse 10 s at 48 kHz"),
                        ("scipy", "import scipy.signal (for comparison)")):  # fmt: skip
        out = subprocess.run(
            [sys.executable, "-c", MEMORY_PROBE, what], capture_output=True, text=True, check=True
        ).stdout
        found = json.loads(out)
        added = (found["after"]["VmRSS"] - found["before"]["VmRSS"]) / 1024
        peak = (found["after"]["VmHWM"] - found["before"]["VmRSS"]) / 1024
        print(f"  {label:<48} {added:6.1f} MB resident, {peak:6.1f} MB peak")
    print("  (the 10 s test signal itself is 1.8 MB of the dsp figures; a capture holds none)")


if __name__ == "__main__":
    timings()
    memory()
