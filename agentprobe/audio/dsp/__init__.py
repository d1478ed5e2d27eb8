"""Pure signal analysis for the noise check: numpy only, no I/O, no audio library.

Level convention everywhere: dBFS = 20·log10(RMS) with full scale = 1.0, so a
full-scale sine reads −3.01 dBFS (the sox/numpy convention). Nothing here imports
scipy.signal: in the resident agent that import alone costs about 90 MB.
"""

from __future__ import annotations

from agentprobe.audio.dsp.analyser import NoiseAnalyser, NoiseMetrics
from agentprobe.audio.dsp.levels import dbfs

__all__ = ["NoiseAnalyser", "NoiseMetrics", "dbfs"]
