"""The headset during a live call, measured in a child process until SIGTERM.

    python -m agentprobe.agent.headset_child --out-spool DIR [--config FILE]

The daemon starts this when a call turns live and stops it with SIGTERM when the call is
over. It records the `[noise] device` (default: the system's default input), analyses
each block in memory as it arrives (`agentprobe.calls.microphone`) and drops it, and
every `--poll-s` asks the sound server which microphone is the default and whether it
is a Bluetooth headset in hands-free mode. On SIGTERM it writes one record to the call
spool, `source` "headset", with whole-call aggregates only; no sample reaches disk,
logs, the spool or the network. A microphone that is lost mid-call is reopened; if
the daemon dies without stopping it, or the call passes MAX_CALL_S, it stops itself.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from agentprobe.audio.backend import (
    AudioBackend,
    AudioUnavailable,
    Device,
    DeviceLost,
    choose_input,
    input_rate,
    load_backend,
)
from agentprobe.audio.headset import is_narrowband, server_is_narrowband
from agentprobe.audio.sound_server import SoundServer, read_sound_server
from agentprobe.calls.headset import HeadsetTally
from agentprobe.calls.merge import HEADSET
from agentprobe.calls.microphone import WINDOW_S, MicMeter
from agentprobe.config.sections import Config
from agentprobe.report import utc_now

log = logging.getLogger("agentprobe.audio.headset")

POLL_S = 5.0  # how often the sound server is asked for the default microphone
MAX_CALL_S = 12 * 3600.0  # no call is longer: a child still running then stops itself
WATCHDOG_S = 2.0
REOPEN_WAIT_S = 1.0
MAX_REOPENS = 100  # a microphone that keeps vanishing is given up on


class DeviceWatch:
    """Tells the tally which microphone is the default, at most every `poll_s` seconds.

    With a sound server (Linux) its default source is the authority; without one, the
    device we record (whose PortAudio name can say "Hands-Free"). Once a server has
    answered, a look at which it does not is skipped rather than read as a switch.
    """

    def __init__(
        self,
        tally: HeadsetTally,
        read: Callable[[], SoundServer | None] = read_sound_server,
        poll_s: float = POLL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.tally, self.read, self.poll_s, self.clock = tally, read, poll_s, clock
        self.started = clock()
        self.looked = float("-inf")
        self.server_seen = False

    def look(self, device: Device, force: bool = False) -> None:
        now = self.clock()
        if not force and now - self.looked < self.poll_s:
            return
        self.looked = now
        server = self.read()
        at = now - self.started
        if server is not None:
            self.server_seen = True
            source = server.default_source
            name = source.name if source is not None else None
            self.tally.observe(at, name, source is not None and server_is_narrowband(source))
        elif not self.server_seen:
            self.tally.observe(at, device.name, is_narrowband(device))

    def finish(self) -> None:
        self.tally.finish(self.clock() - self.started)


def listen(
    backend: Callable[[], AudioBackend],
    wanted: str,
    watch: DeviceWatch,
    stop: threading.Event,
    window_s: float = WINDOW_S,
) -> None:
    """Record and analyse until `stop` is set; a lost microphone is reopened."""
    said = ""
    for _ in range(MAX_REOPENS):
        if stop.is_set():
            return
        try:
            audio = backend()
            device = choose_input(audio, wanted)
        except (AudioUnavailable, LookupError) as error:
            if str(error) != said:  # once per reason, not once a second
                log.warning("cannot record the headset: %s", error)
                said = str(error)
            stop.wait(REOPEN_WAIT_S)
            continue
        watch.look(device, force=True)
        _record(audio, device, watch, stop, window_s)
        stop.wait(REOPEN_WAIT_S)


def _record(
    audio: AudioBackend, device: Device, watch: DeviceWatch, stop: threading.Event, window_s: float
) -> None:
    meter = MicMeter(input_rate(audio, device), watch.tally, window_s)
    blocks = audio.capture(device.index, meter.rate, MAX_CALL_S)
    try:
        for block in blocks:
            meter.feed(block)  # analysed, then dropped: audio never outlives this loop
            if stop.is_set():
                break
            watch.look(device)
    except DeviceLost as error:
        log.warning("the microphone was lost mid-call (%s); reopening", error)
    except Exception as error:  # PortAudio refusing to open the device
        log.warning("could not record from %s: %s", device.name, error)
    finally:
        if isinstance(blocks, Generator):
            blocks.close()  # closes the input stream now, not when collected
        meter.close()


def record_of(
    started_at: str, ended_at: str, duration_s: float, tally: HeadsetTally
) -> dict[str, Any]:
    """The spool record of the call as the headset heard it (aggregates only)."""
    return {
        "call_id": f"{HEADSET}-{uuid.uuid4().hex}",
        "started_at": started_at,
        "ended_at": ended_at,
        "duration_s": round(duration_s, 1),
        "source": HEADSET,
        "metrics": tally.metrics(),
    }


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="agentprobe-headset")
    parser.add_argument("--out-spool", required=True, help="the call spool to write to")
    parser.add_argument("--config")
    parser.add_argument("--poll-s", type=float, default=POLL_S, help=argparse.SUPPRESS)
    parser.add_argument("--window-s", type=float, default=WINDOW_S, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from agentprobe.checks.registry import load_config
    from agentprobe.config.spec import ConfigError

    args = _arguments(argv)
    stop = _stop_on_sigterm()
    threading.Thread(target=watchdog, args=(stop, os.getppid()), daemon=True).start()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = load_config(args.config)
    except ConfigError as error:
        log.error("config error: %s", error)
        return 3
    started, clock = utc_now(), time.monotonic()
    watch = DeviceWatch(HeadsetTally(), poll_s=args.poll_s)
    listen(load_backend, _device_wanted(config), watch, stop, args.window_s)
    watch.finish()
    if watch.tally.live_s + watch.tally.muted_s <= 0:
        log.warning("no microphone audio was analysed during the call: no record")
        return 0
    from agentprobe.calls.spool import CallSpool

    record = record_of(started, utc_now(), time.monotonic() - clock, watch.tally)
    CallSpool(Path(args.out_spool)).put(record)
    return 0


def watchdog(
    stop: threading.Event, parent: int, limit_s: float = MAX_CALL_S, every_s: float = WATCHDOG_S
) -> None:
    """Stop (and write the record) if the daemon died without stopping us, or past limit_s:
    an orphan is re-parented, so its parent PID changes (POSIX)."""
    deadline = time.monotonic() + limit_s
    while not stop.wait(every_s):
        if os.getppid() != parent or time.monotonic() > deadline:
            log.warning("the daemon is gone or the call too long: stopping")
            stop.set()


def _device_wanted(config: Config) -> str:
    """`[noise] device`: the microphone the noise check records is the one we watch."""
    from agentprobe.checks.noise import NoiseCheck, NoiseConfig

    section = config.checks.get(NoiseCheck.name)
    return section.device if isinstance(section, NoiseConfig) else ""


def _stop_on_sigterm() -> threading.Event:
    stop = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()  # only a flag: the capture loop notices within one block

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the daemon decides when we stop
    return stop


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
