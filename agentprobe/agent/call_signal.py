"""Is a call in progress? The microphone in use by another program, or a softphone's UDP flow.

Linux: PulseAudio/PipeWire recording streams (`pactl list source-outputs`), else ALSA
capture substreams in state RUNNING (/proc/asound/card*/pcm*c/sub*/status).
Windows: the privacy settings' microphone consent store, where an app that is using the
microphone right now has `LastUsedTimeStop` = 0. macOS exposes the same fact through
CoreAudio's `kAudioDevicePropertyDeviceIsRunningSomewhere`; that needs a native bridge,
so on macOS the microphone signal is "unknown" and only softphone flows count.
Parsers take text, so they are tested on captured output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

from agentprobe.agent import recording
from agentprobe.agent.recording import Stream
from agentprobe.calls.live import read_live
from agentprobe.config.environ import c_locale


class CallSignal(Protocol):
    def __call__(self) -> bool | None: ...


def recording_apps(
    pactl_text: str, exclude_pids: Collection[int], monitors: Collection[str] = ()
) -> list[str]:
    """Names of programs recording a microphone, from `pactl list source-outputs` output.

    Corked (paused) streams, our own processes and captures of a sink's monitor (the
    speakers) do not count; see `agentprobe.agent.recording`.
    """
    return recording.recording_apps(recording.parse_text(pactl_text), exclude_pids, monitors)


def alsa_capture_running(statuses: Iterable[str], exclude_pids: Collection[int] = ()) -> bool:
    """True if any ALSA capture substream status text says `state: RUNNING`, unless the
    substream's `owner_pid` (which the kernel prints beside the state) is one of ours."""
    for text in statuses:
        if not re.search(r"^state:\s*RUNNING", text, re.MULTILINE):
            continue
        owner = re.search(r"^owner_pid\s*:\s*(\d+)", text, re.MULTILINE)
        if owner is None or int(owner.group(1)) not in exclude_pids:
            return True
    return False


def linux_microphone(
    exclude_pids: Collection[int],
    run: Callable[[Sequence[str]], str | None] | None = None,
    asound: Path = Path("/proc/asound"),
) -> bool | None:
    """Microphone in use by another program on Linux; None when it cannot be told."""
    runner = run or run_command
    streams = pactl_streams(runner)
    if streams is not None:
        return bool(recording.recording_apps(streams, exclude_pids, _monitors(runner, streams)))
    paths = sorted(asound.glob("card*/pcm*c/sub*/status"))
    if not paths:
        return None
    return alsa_capture_running(_read_all(paths), exclude_pids)


def pactl_streams(run: Callable[[Sequence[str]], str | None]) -> list[Stream] | None:
    """Recording streams from pactl: JSON (pactl 16+, never translated), else the text."""
    text = run(["pactl", "--format=json", "list", "source-outputs"])
    if text:
        try:
            return recording.parse_json(text)
        except ValueError:  # json.JSONDecodeError included; older pactl prints text
            pass
    text = run(["pactl", "list", "source-outputs"])
    return None if text is None else recording.parse_text(text)


def _monitors(run: Callable[[Sequence[str]], str | None], streams: Sequence[Stream]) -> set[str]:
    """Monitor source indices, asked for only when some stream might be recording one."""
    if all(s.corked for s in streams):
        return set()
    return recording.monitor_indices(run(["pactl", "list", "short", "sources"]) or "")


def windows_microphone(exclude_apps: Collection[str] = ()) -> bool | None:
    """Microphone in use on Windows, from the capability consent store (HKCU); apps whose
    consent-store names are in `exclude_apps` (see `own_apps`) do not count."""
    if sys.platform != "win32":
        return None
    import winreg

    root = r"Software\Microsoft\Windows\CurrentVersion\CapabilityAccessManager\ConsentStore"
    try:
        key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, root + r"\microphone")
    except OSError:
        return None
    with key:
        return consent_in_use(winreg, key, {app.lower() for app in exclude_apps})


def own_apps() -> set[str]:
    """Our interpreter as the consent store names a desktop app: its path with '#' for
    '\\' under NonPackaged (a venv's python.exe starts the base one, which is what records)."""
    paths = {sys.executable, getattr(sys, "_base_executable", sys.executable)}
    return {path.replace("\\", "#") for path in paths if path}


def consent_in_use(winreg: Any, key: Any, skip: Collection[str] = (), depth: int = 0) -> bool:
    """Walk app subkeys (packaged apps, and NonPackaged\\<path>) for LastUsedTimeStop == 0;
    subkeys named in `skip` (lower case) are left out."""
    index = 0
    while depth < 2 and index < 4096:
        try:
            name = winreg.EnumKey(key, index)
        except OSError:
            return False
        index += 1
        if name.lower() in skip:
            continue
        with winreg.OpenKey(key, name) as sub:
            try:
                stop, _ = winreg.QueryValueEx(sub, "LastUsedTimeStop")
                start, _ = winreg.QueryValueEx(sub, "LastUsedTimeStart")
                if stop == 0 and start > 0:
                    return True
            except OSError:
                if consent_in_use(winreg, sub, skip, depth + 1):
                    return True
    return False


def softphone_flow(softphones: Collection[str], connections: Callable[[], list[Any]]) -> bool:
    """A configured softphone process holds a UDP socket with a remote peer (a media flow)."""
    if not softphones:
        return False
    import psutil

    wanted = {name.lower() for name in softphones}
    for connection in connections():
        if not connection.raddr or connection.pid is None:
            continue
        try:
            name = psutil.Process(connection.pid).name().lower()
        except psutil.Error:
            continue
        if any(soft in name for soft in wanted):
            return True
    return False


def detector(
    softphones: Collection[str],
    exclude_pids: Callable[[], Collection[int]],
    capture_spool: Path | None = None,
    clock: Callable[[], float] = time.time,
) -> CallSignal:
    """The real call signal for this OS: the capture service's word while it is fresh
    (media flowing is what a call is), else the microphone in use or a softphone flow."""

    def in_call() -> bool | None:
        if capture_spool is not None:
            seen = read_live(capture_spool, clock())
            if seen is not None:
                return seen
        if sys.platform.startswith("linux"):
            microphone = linux_microphone(exclude_pids())
        else:
            microphone = windows_microphone(own_apps())
        if microphone:
            return True
        if softphone_flow(softphones, _udp_connections):
            return True
        return microphone

    return in_call


def _udp_connections() -> list[Any]:
    import psutil

    try:
        return list(psutil.net_connections(kind="udp"))
    except (psutil.AccessDenied, OSError):
        return []


def run_command(command: Sequence[str]) -> str | None:
    """stdout of `command` run in the C locale (so pactl speaks English), or None."""
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=3,
            env=c_locale(os.environ),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _read_all(paths: Iterable[Path]) -> list[str]:
    texts = []
    for path in paths:
        try:
            texts.append(path.read_text())
        except OSError:
            continue
    return texts
