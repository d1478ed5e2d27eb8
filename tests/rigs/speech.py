"""Synthesised English speech for the real audio path: espeak-ng, resampled by sox."""

from __future__ import annotations

import shutil
import subprocess
import wave
from pathlib import Path

import numpy as np

TEXT = "Thank you for calling. How can I help you today? Let me check your account. "


def have_speech_tools() -> bool:
    return bool(shutil.which("espeak-ng") and shutil.which("sox"))


def espeak_speech(folder: Path, rate: int, text: str = TEXT * 2) -> np.ndarray:
    """`text` spoken by espeak-ng at `rate` Hz, full scale 1.0; the WAVs are removed."""
    raw, resampled = folder / "speech-raw.wav", folder / "speech.wav"
    try:
        subprocess.run(["espeak-ng", "-w", str(raw), text], check=True, timeout=30)
        subprocess.run(["sox", str(raw), "-r", str(rate), str(resampled)], check=True, timeout=30)
        with wave.open(str(resampled)) as source:
            pcm = np.frombuffer(source.readframes(source.getnframes()), dtype="<i2")
    finally:
        raw.unlink(missing_ok=True)
        resampled.unlink(missing_ok=True)
    return pcm.astype(np.float64) / 32768.0
