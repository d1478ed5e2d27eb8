"""`agentprobe calls`: passive call telemetry from this machine's own call media.

`calls watch` captures in the foreground and prints each call as it ends (one JSON
object per line with `--json`, a row of key figures otherwise). `calls capture` is the
capture service: the same engine, every finished call written to the call spool for
the agent daemon, until SIGTERM. Both need CAP_NET_RAW (or root); without it they say
so in one line and exit 3. The voice check's reflector is left out: its probe is test
traffic, not a call.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from agentprobe.calls import watch as engine
from agentprobe.calls.capture.opener import open_source
from agentprobe.calls.capture.source import CaptureUnavailable, PacketSource
from agentprobe.calls.live import write_live
from agentprobe.calls.record import CallRecord
from agentprobe.calls.spool import CallSpool, SpoolError
from agentprobe.calls.tracker import CallTracker
from agentprobe.checks.voice import VoiceCheck, VoiceConfig
from agentprobe.commands.common import config_option, load_config
from agentprobe.config.sections import Config
from agentprobe.privacy import salt
from agentprobe.voice.probe import ProbeError, split_host_port

EXIT_UNKNOWN = 3
COLUMNS = ("ended", "duration_s", "transport", "codec", "remote", "rx_packets",
           "rx_loss_pct", "rx_jitter_ms", "rtt_ms", "mos")  # fmt: skip
WIDTHS = (8, 10, 12, 7, 16, 10, 11, 12, 7, 4)


@click.group()
def calls() -> None:
    """Passive call telemetry: RTP headers of this machine's calls, never their content."""


interface_option = click.option(
    "--interface", "interfaces", multiple=True, metavar="IF",
    help="Capture on this interface (repeatable; default: every interface).",
)  # fmt: skip


@calls.command()
@interface_option
@click.option("--seconds", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Stop after this many seconds (default: until Ctrl-C).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="One JSON object per finished call.")
@config_option
@click.pass_context
def watch(
    ctx: click.Context,
    interfaces: tuple[str, ...],
    seconds: float | None,
    as_json: bool,
    config_path: str | None,
) -> None:
    """Capture call media here and print each call when it ends (needs CAP_NET_RAW)."""
    config = load_config(config_path)
    emit = _print_json if as_json else _table_printer()
    summary = _run(ctx, interfaces, config, config.data_dir, emit, seconds)
    click.echo(
        f"{summary.calls} call(s), {summary.datagrams} datagram(s) captured, "
        f"{summary.kernel_drops} dropped by the kernel",
        err=True,
    )
    ctx.exit(0)


@calls.command()
@click.option("--spool", "spool_dir", type=click.Path(file_okay=False, path_type=Path),
              required=True, help="The call spool directory the agent reads.")  # fmt: skip
@interface_option
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The salt for remote hashes (default: the agent data dir).")  # fmt: skip
@click.option("--group-readable", is_flag=True,
              help="Write records mode 0640, for an agent in the spool's group.")  # fmt: skip
@config_option
@click.pass_context
def capture(
    ctx: click.Context,
    spool_dir: Path,
    interfaces: tuple[str, ...],
    data_dir: Path | None,
    group_readable: bool,
    config_path: str | None,
) -> None:
    """The capture service: every finished call into the spool, until SIGTERM."""
    config = load_config(config_path)
    if not _writable(spool_dir):
        click.echo(f"agentprobe: cannot write to the spool {spool_dir}", err=True)
        ctx.exit(EXIT_UNKNOWN)
    mode = 0o640 if group_readable else 0o600
    spooler = Spooler(CallSpool(spool_dir, file_mode=mode))

    def live(calls: int) -> None:
        with contextlib.suppress(OSError):  # a full disk must not stop the capture
            write_live(spool_dir, calls, time.time(), mode)

    summary = _run(ctx, interfaces, config, data_dir or config.data_dir, spooler, None,
                   spooler.retry, live)  # fmt: skip
    spooler.retry()
    lost = len(spooler.waiting) + spooler.refused
    click.echo(
        f"capture stopped: {spooler.spooled} call(s) spooled, {lost} not, "
        f"{summary.kernel_drops} packet(s) dropped by the kernel",
        err=True,
    )
    ctx.exit(EXIT_UNKNOWN if lost else 0)


def _writable(directory: Path) -> bool:
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def _run(
    ctx: click.Context,
    interfaces: tuple[str, ...],
    config: Config,
    data_dir: Path,
    emit: Callable[[CallRecord], None],
    seconds: float | None,
    tick: Callable[[], None] = lambda: None,
    live: Callable[[int], None] = lambda calls: None,
) -> engine.WatchSummary:
    try:
        salt(data_dir)  # made now, so a data dir it cannot be written to is said at once
        source: PacketSource = open_source(interfaces)
    except CaptureUnavailable as error:
        click.echo(f"agentprobe: {error}", err=True)
        ctx.exit(EXIT_UNKNOWN)
    except (OSError, ValueError) as error:
        click.echo(f"agentprobe: cannot keep the salt for remote hashes: {error}", err=True)
        ctx.exit(EXIT_UNKNOWN)
    local = engine.LocalAddresses(engine.interface_addresses)
    hashed, probe = engine.remote_hasher(data_dir), reflector(config)
    tracker = CallTracker(is_local=local, hash_remote=hashed, ignore=probe.__contains__)
    try:
        with engine.stop_on_signals() as stop:

            def ticks() -> None:
                local.refresh()
                live(tracker.live_calls())
                tick()

            return engine.watch(source, tracker, emit, seconds, stop, tick=ticks)
    finally:
        source.close()


def reflector(config: Config) -> set[tuple[str, int]]:
    """The voice check's reflector endpoints (its probe is test traffic, never a call):
    `[voice] reflector`, else the collector's host at its port. Empty when unknown."""
    voice = config.checks.get(VoiceCheck.name)
    override = voice.reflector if isinstance(voice, VoiceConfig) else ""
    try:
        if override:
            host, port = split_host_port(override)
        else:
            parts = urlsplit(config.collector.url)
            host, port = parts.hostname or "", parts.port or 443
        if not host:
            return set()
        found = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
    except (ProbeError, OSError, ValueError):
        return set()  # an unusable setting is the voice check's to report, not ours
    return {(str(info[4][0]), port) for info in found}


def _print_json(record: CallRecord) -> None:
    sys.stdout.write(json.dumps(record.to_json(), allow_nan=False) + "\n")
    sys.stdout.flush()  # a reader of the pipe sees each call as it ends


def _table_printer() -> Callable[[CallRecord], None]:
    printed = [False]

    def emit(record: CallRecord) -> None:
        if not printed[0]:
            click.echo(_line(COLUMNS))
            printed[0] = True
        click.echo(_line(row(record.to_json())))
        sys.stdout.flush()  # each call shows as it ends, even through a pipe

    return emit


def row(data: dict[str, Any]) -> tuple[str, ...]:
    """The table's cells for one record (`calls watch` without --json)."""
    metrics = data.get("metrics", {})

    def figure(name: str, digits: int) -> str:
        value = metrics.get(name)
        return "-" if value is None else f"{value:.{digits}f}"

    return (
        str(data["ended_at"])[11:19],
        f"{data['duration_s']:.1f}",
        data["transport"],
        data["codec"],
        data["remote"],
        str(metrics.get("rx_packets", "-")),
        figure("rx_loss_pct", 2),
        figure("rx_jitter_ms", 1),
        figure("rtt_ms", 0),
        figure("mos", 2),
    )


def _line(cells: tuple[str, ...]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, WIDTHS, strict=True))


class Spooler:
    """Hands finished calls to the spool; a record the disk refuses (full, read-only) is
    kept and tried again on every tick, so a passing problem loses nothing."""

    def __init__(self, spool: CallSpool) -> None:
        self.spool, self.waiting = spool, list[CallRecord]()
        self.spooled = self.refused = 0
        self.told: set[str] = set()  # calls whose wait was reported (once each)

    def __call__(self, record: CallRecord) -> None:
        self.waiting.append(record)
        self.retry()

    def retry(self) -> None:
        for record in list(self.waiting):
            try:
                path = self.spool.put(record.to_json())
            except SpoolError as error:  # never storable: say so and let it go
                click.echo(f"agentprobe: call {record.call_id} not spooled: {error}", err=True)
                self.refused += 1
            except OSError as error:
                if record.call_id not in self.told:
                    self.told.add(record.call_id)
                    click.echo(f"agentprobe: call {record.call_id} waits for the spool: {error}",
                               err=True)  # fmt: skip
                return
            else:
                done = f"{record.transport}, {record.codec}, {record.duration_s:.0f} s"
                click.echo(f"call {record.call_id} ({done}) spooled as {path.name}", err=True)
                self.spooled += 1
            self.waiting.remove(record)
