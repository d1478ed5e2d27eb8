"""The Linux sound server's device list, read through `pactl` (PulseAudio or PipeWire).

`read_sound_server()` runs `pactl info` and `pactl list sources|sinks` (JSON where pactl
supports it, else the plain text) and returns a `SoundServer`, or None where there is no
pactl or no server (Windows, macOS, a headless box). Commands run with LC_ALL=C and a
short timeout; the parsing is in `agentprobe.audio.pactl`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agentprobe.audio.pactl import ServerDevice, parse_info, parse_json_list, parse_text_list
from agentprobe.config.environ import c_locale

TIMEOUT_S = 5.0

Runner = Callable[[Sequence[str]], "str | None"]


@dataclass(frozen=True)
class SoundServer:
    """What the sound server knows: its name, devices and defaults."""

    server: str
    sources: list[ServerDevice]  # inputs; monitors of outputs included (see is_monitor)
    sinks: list[ServerDevice]
    default_source: ServerDevice | None
    default_sink: ServerDevice | None

    @property
    def microphones(self) -> list[ServerDevice]:
        return [source for source in self.sources if not source.is_monitor]


def run_pactl(args: Sequence[str]) -> str | None:
    """stdout of `pactl args`, or None when pactl is missing, fails or hangs."""
    pactl = shutil.which("pactl")
    if pactl is None:
        return None
    try:
        done = subprocess.run(
            [pactl, *args],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            env=c_locale(os.environ),
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def read_sound_server(run: Runner = run_pactl) -> SoundServer | None:
    """The server's devices and defaults; None when no sound server answers."""
    info_text = run(["info"])
    if not info_text:
        return None
    try:
        info = parse_info(info_text)
    except ValueError:
        return None
    sources, sinks = _list(run, "sources", "source"), _list(run, "sinks", "sink")
    return SoundServer(
        server=info.server,
        sources=sources,
        sinks=sinks,
        default_source=next((s for s in sources if s.name == info.default_source), None),
        default_sink=next((s for s in sinks if s.name == info.default_sink), None),
    )


def _list(run: Runner, what: str, kind: str) -> list[ServerDevice]:
    """JSON first (pactl 16+); the text format when pactl is older or the JSON is bad."""
    text = run(["--format=json", "list", what])
    if text:
        try:
            return parse_json_list(text, kind)
        except ValueError:  # json.JSONDecodeError included
            pass
    text = run(["list", what])
    return parse_text_list(text, kind) if text else []
