"""A virtual microphone: a private PulseAudio with a null sink whose monitor is the default source.

Whatever is played into the sink is what a program recording from the default input
hears, through PortAudio's ALSA device "default" -> the ALSA pulse plugin
(libasound2-plugins) -> this server, found through PULSE_SERVER. The server runs as the
current user (root in CI, hence `-n` with an explicit config and no D-Bus) with its own
runtime dir and home under the test's tmp dir, and is stopped by PID.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tests.rigs.waiting import wait_until

SINK = "probe_sink"
RATE = 48000
TOOLS = ("pulseaudio", "pactl", "paplay")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@dataclass
class PulseRig:
    """A running private PulseAudio; `env` points clients at it."""

    root: Path
    pid: int
    process: subprocess.Popen[bytes]
    players: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def server(self) -> str:
        return f"unix:{self.root / 'run' / 'native'}"

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PULSE_SERVER": self.server}

    def pactl(self, *args: str) -> str:
        done = subprocess.run(
            ["pactl", *args], env=self.env, capture_output=True, text=True, timeout=10
        )
        if done.returncode != 0:
            raise RuntimeError(f"pactl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def load_sink(self) -> None:
        self.pactl("load-module", "module-null-sink", f"sink_name={SINK}", f"rate={RATE}",
                   "channels=1")  # fmt: skip
        self.pactl("set-default-sink", SINK)
        self.pactl("set-default-source", f"{SINK}.monitor")

    def add_card(self, name: str, properties: str, input_from: str = SINK) -> None:
        """A card-like pair: sink `<name>_out` and microphone `<name>_mic`, both carrying
        `properties` (e.g. 'device.description="Jabra Evolve2 40" device.bus=usb'); the
        microphone hears what is played into `input_from`."""
        self.pactl("load-module", "module-null-sink", f"sink_name={name}_out", f"rate={RATE}",
                   "channels=1", f"sink_properties='{properties}'")  # fmt: skip
        self.pactl("load-module", "module-remap-source", f"master={input_from}.monitor",
                   f"source_name={name}_mic", f"source_properties='{properties}'")  # fmt: skip

    def unload_sink(self) -> None:
        self.pactl("unload-module", "module-null-sink")

    def write_wav(self, name: str, samples: np.ndarray, rate: int = RATE) -> Path:
        """16-bit mono WAV of `samples` (full scale 1.0, clipped) in the rig's folder."""
        path = self.root / name
        pcm = np.clip(np.round(samples * 32767), -32768, 32767).astype("<i2")
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(pcm.tobytes())
        return path

    def play(self, path: Path) -> subprocess.Popen[bytes]:
        """Start playing a WAV file into the sink; stopped by `stop_players()` or `stop()`."""
        player = subprocess.Popen(
            ["paplay", f"--device={SINK}", str(path)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.players.append(player)
        return player

    def stop_players(self) -> None:
        for player in self.players:
            _terminate(player)
        self.players.clear()

    def stop(self) -> None:
        self.stop_players()
        _terminate(self.process)


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def start_pulse(tmp_path: Path) -> PulseRig:
    """Start the server with the null sink loaded; raise RuntimeError if it does not come up."""
    root = tmp_path / "pulse"
    for sub in ("run", "home", "state"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "run").chmod(0o700)
    script = root / "default.pa"
    socket = root / "run" / "native"
    script.write_text(f"load-module module-native-protocol-unix auth-anonymous=1 socket={socket}\n")
    env = {
        **os.environ,
        "HOME": str(root / "home"),
        "XDG_RUNTIME_DIR": str(root / "run"),
        "XDG_CONFIG_HOME": str(root / "home"),
        "PULSE_STATE_PATH": str(root / "state"),
    }
    env.pop("PULSE_SERVER", None)
    with (root / "server.log").open("wb") as log:
        process = subprocess.Popen(
            ["pulseaudio", "-n", "-F", str(script), "--daemonize=no", "--exit-idle-time=-1",
             "--system=false", "--disallow-exit", "--use-pid-file=no", "--log-target=stderr",
             "--log-level=error"],
            env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip
    rig = PulseRig(root, process.pid, process)
    try:
        _wait_until_up(rig)
        rig.load_sink()
    except Exception:
        rig.stop()
        raise
    return rig


def _wait_until_up(rig: PulseRig, limit_s: float = 10.0) -> None:
    def answers() -> bool:
        if rig.process.poll() is not None:
            errors = (rig.root / "server.log").read_text(errors="replace")
            raise RuntimeError(f"pulseaudio exited with {rig.process.returncode}: {errors}")
        try:
            rig.pactl("info")
        except (RuntimeError, subprocess.TimeoutExpired):
            return False
        return True

    wait_until(answers, limit_s, "pulseaudio to answer pactl info")
