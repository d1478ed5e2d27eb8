"""A labelled set of background sounds, and the noise class's confusion matrix on it.

Every signal is made here, in memory (espeak-ng's speech goes through a temporary folder
that is removed at once): espeak-ng speech and babble of several voices, barks (harmonic
bursts with a falling pitch contour and a fast attack), door slams, keyboard clicks,
music (chords and melodies with harmonics), fans (low-passed noise), mains hum, quiet
rooms, and mixtures at several SNRs. Each is analysed in the check's default 5 s window
at 16, 44.1 and 48 kHz with the check's VAD, and a confusion matrix is printed per rate
for four sets of seeds: the class rules' thresholds were set on the first three (0, 20,
40), the last (60) was held out until they were fixed.

Run: .venv/bin/python bench/noise_classes.py
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

SECONDS = 5.0
RATES = (16000, 44100, 48000)
VOICES = ("en", "en-us", "en+f3", "en+m3", "en-gb", "en+f2")
LINES = (
    "Thank you for calling, how can I help you today?",
    "Let me check that account for you, it will only take a moment.",
    "The weather tomorrow looks cold, with rain in the afternoon.",
    "Could you read me the number on the back of the card please?",
    "We are going to the market after lunch, do you want to come?",
    "I told him the train leaves at seven, but he did not listen.",
)
Signal = np.ndarray


def level(x: Signal, dbfs: float) -> Signal:
    """`x` scaled to `dbfs` RMS (20·log10 RMS, full scale 1.0)."""
    rms = float(np.sqrt(np.mean(np.square(x)))) or 1.0
    return np.asarray(x * 10 ** (dbfs / 20) / rms)


def espeak(text: str, voice: str, rate: int, speed: int = 160) -> Signal:
    """espeak-ng's speech at `rate` Hz (sox resamples), read back and the files removed."""
    folder = Path(tempfile.mkdtemp())
    try:
        raw, out = folder / "raw.wav", folder / "out.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text],
                       check=True, timeout=30, capture_output=True)  # fmt: skip
        subprocess.run(["sox", str(raw), "-r", str(rate), str(out)], check=True, timeout=30)
        with wave.open(str(out)) as source:
            pcm = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
        return pcm.astype(np.float64) / 32768.0
    finally:
        shutil.rmtree(folder)


def fit(x: Signal, rate: int) -> Signal:
    """`x` looped or cut to SECONDS."""
    n = round(SECONDS * rate)
    return np.resize(x, n) if len(x) < n else x[:n]


def speech(rate: int, seed: int) -> Signal:
    voice, line = VOICES[seed % len(VOICES)], LINES[seed % len(LINES)]
    return level(fit(espeak(line + " " + LINES[(seed + 1) % len(LINES)], voice, rate), rate), -30)


def babble(rate: int, seed: int, talkers: int = 4) -> Signal:
    x = sum(
        np.roll(fit(espeak(LINES[(seed + k) % len(LINES)], VOICES[(seed + k) % len(VOICES)],
                           rate), rate), k * rate // 3)
        for k in range(talkers)
    )  # fmt: skip
    return level(np.asarray(x), -35)


def barks(rate: int, seed: int) -> Signal:
    """Bursts of 0.15–0.35 s: a 400–700 Hz fundamental falling by a third, 8 harmonics,
    noise for the rasp, fast attack and exponential decay, 1–2 per second."""
    rng = np.random.default_rng(seed)
    x = np.zeros(round(SECONDS * rate))
    start = rng.uniform(0.1, 0.5)
    while start < SECONDS - 0.4:
        length = rng.uniform(0.15, 0.35)
        t = np.arange(round(length * rate)) / rate
        f0 = rng.uniform(400, 700) * (1 - 0.33 * t / length)
        phase = 2 * np.pi * np.cumsum(f0) / rate
        tone = sum(np.sin(k * phase) / k for k in range(1, 9))
        envelope = (1 - np.exp(-t / 0.005)) * np.exp(-t / (length / 3))
        burst = (tone + 0.3 * rng.standard_normal(t.size)) * envelope
        i = round(start * rate)
        x[i : i + burst.size] += burst
        start += length + rng.uniform(0.3, 0.9)
    return level(x, -30) + level(rng.standard_normal(x.size), -75)


def decaying_noise(rate: int, rng: np.random.Generator, seconds: float, tau: float,
                   cutoff: float) -> Signal:  # fmt: skip
    n = round(seconds * rate)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    spectrum[np.fft.rfftfreq(n, 1 / rate) > cutoff] = 0
    return np.fft.irfft(spectrum, n) * np.exp(-np.arange(n) / rate / tau)


def slams(rate: int, seed: int) -> Signal:
    """Door slams: low, thudding bursts (80 ms decay, under 800 Hz), 2–3 in the window."""
    rng = np.random.default_rng(seed)
    x = np.zeros(round(SECONDS * rate))
    for start in np.sort(rng.uniform(0.2, SECONDS - 0.6, 3)):
        burst = decaying_noise(rate, rng, 0.5, 0.08, 800)
        x[round(start * rate) :][: burst.size] += burst
    return level(x, -30) + level(rng.standard_normal(x.size), -70)


def keyboard(rate: int, seed: int) -> Signal:
    """Typing: 5 ms clicks (broadband, 4 ms decay) at 3–8 keys per second, random gaps."""
    rng = np.random.default_rng(seed)
    x = np.zeros(round(SECONDS * rate))
    start = 0.1
    while start < SECONDS - 0.05:
        click = decaying_noise(rate, rng, 0.03, 0.004, rate / 2)
        x[round(start * rate) :][: click.size] += click * rng.uniform(0.5, 1.0)
        start += rng.exponential(1 / rng.uniform(3, 8)) + 0.04
    return level(x, -35) + level(rng.standard_normal(x.size), -72)


def music(rate: int, seed: int) -> Signal:
    """A melody over chords, notes of 0.2–0.5 s, 6 harmonics each, with note envelopes."""
    rng = np.random.default_rng(seed)
    n = round(SECONDS * rate)
    x = np.zeros(n)
    for voice, octave in ((0, 2.0), (1, 1.0), (2, 0.75)):
        start = 0.0
        while start < SECONDS:
            length = rng.uniform(0.2, 0.5) * (1 + voice)
            f0 = 220 * octave * 2 ** (rng.integers(0, 12) / 12)
            t = np.arange(round(min(length, SECONDS - start) * rate)) / rate
            note = sum(np.sin(2 * np.pi * k * f0 * t) * 0.6**k for k in range(1, 7))
            note *= (1 - np.exp(-t / 0.01)) * np.exp(-t / (0.8 * length))
            i = round(start * rate)
            x[i : i + note.size] += note / (1 + voice)
            start += length
    return level(x, -30) + level(rng.standard_normal(n), -75)


def fan(rate: int, seed: int) -> Signal:
    """Broadband noise low-passed at 600–2000 Hz, a little slow wobble: a fan or traffic."""
    rng = np.random.default_rng(seed)
    n = round(SECONDS * rate)
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    spectrum /= 1 + (freqs / rng.uniform(600, 2000)) ** 2
    x = np.fft.irfft(spectrum, n) * (1 + 0.1 * np.sin(2 * np.pi * 0.3 * np.arange(n) / rate))
    return level(x, rng.uniform(-45, -30))


def hum(rate: int, seed: int) -> Signal:
    mains = (50, 60)[seed % 2]
    t = np.arange(round(SECONDS * rate)) / rate
    x = sum(np.sin(2 * np.pi * k * mains * t) / k for k in range(1, 6))
    noise = np.random.default_rng(seed).standard_normal(t.size)
    return level(np.asarray(x), -40 + seed % 3 * 5) + level(noise, -72)


def quiet(rate: int, seed: int) -> Signal:
    noise = np.random.default_rng(seed).standard_normal(round(SECONDS * rate))
    return level(noise, -80 + seed % 3 * 5)


MAKERS: dict[str, tuple[str, Callable[[int, int], Signal]]] = {
    "speech": ("speech", speech), "babble": ("speech", babble), "barks": ("impulsive", barks),
    "slams": ("impulsive", slams), "keyboard": ("impulsive", keyboard),
    "music": ("music", music), "fan": ("steady", fan), "hum": ("hum", hum),
    "quiet": ("quiet", quiet),
}  # fmt: skip
MIXTURES = tuple(
    (top, "fan", snr)
    for top in ("speech", "babble", "music", "barks", "slams", "keyboard")
    for snr in (6.0, 12.0, 20.0)
)


def labelled(rate: int, per_kind: int = 5, first: int = 0) -> list[tuple[str, str, Signal]]:
    """(name, class, signal) for every kind and seed, plus mixtures (foreground's class)."""
    found = []
    seeds = range(first, first + per_kind)
    for name, (label, make) in MAKERS.items():
        found += [(f"{name}{seed}", label, make(rate, seed)) for seed in seeds]
    for top, bed, snr in MIXTURES:
        label, make = MAKERS[top]
        fore, back = make(rate, first + 7), MAKERS[bed][1](rate, first + 7)
        fore_db = float(10 * np.log10(np.mean(np.square(fore))))
        found.append((f"{top}+{bed}@{snr:g}dB", label, fore + level(back, fore_db - snr)))
    return found


def classify(x: Signal, rate: int) -> str:
    from agentprobe.audio.dsp import NoiseAnalyser
    from agentprobe.audio.dsp.vad import WebRtcVad

    analyser = NoiseAnalyser(rate, max_seconds=SECONDS + 1, vad=WebRtcVad())
    for start in range(0, x.size, 1024):
        analyser.feed(x[start : start + 1024].astype(np.float32))
    return analyser.result().noise_class


def matrix(rate: int, first: int = 0) -> int:
    """Print the confusion matrix at `rate` for seeds from `first`; return how many were
    wrong."""
    from agentprobe.audio.dsp.classify import CLASSES

    counts = {(truth, said): 0 for truth in CLASSES for said in CLASSES}
    wrong = 0
    for name, truth, x in labelled(rate, first=first):
        said = classify(x, rate)
        counts[truth, said] = counts.get((truth, said), 0) + 1
        if said != truth:
            wrong += 1
            print(f"  {name}: {truth} read as {said}")
    print(f"\n{rate} Hz, seeds {first}.., rows: true class, columns: class read")
    print(" " * 10 + "".join(f"{c:>10}" for c in CLASSES))
    for truth in CLASSES:
        print(f"{truth:>10}" + "".join(f"{counts[truth, said]:>10}" for said in CLASSES))
    return wrong


if __name__ == "__main__":
    # seeds 0..: the set the rules were tuned on; 20..: signals they never saw
    for first in (0, 20, 40):
        total = sum(matrix(rate, first) for rate in RATES)
        print(
            f"\nseeds {first}..: {total} wrong of {len(RATES) * len(labelled(16000, first=first))}"
        )
