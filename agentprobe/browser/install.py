"""Where the native messaging host manifest goes for each browser and OS, and what it says.

Chrome, Chromium and Edge find a per-user host by a JSON manifest named after the host:
on Linux and macOS in the browser's `NativeMessagingHosts` folder, on Windows wherever
the default value of the `HKCU\\Software\\<browser>\\NativeMessagingHosts\\<name>` key
points. The manifest's `path` must be an executable taking no arguments of ours (Chrome
passes the caller's origin, and on Windows `--parent-window`), so the plan includes a
small launcher that runs `python -m agentprobe native-host`. Everything here is pure:
`plan()` takes the OS, the home folder and the interpreter, so a dry run can print every
OS's files on any machine; `apply()` writes them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

HOST_NAME = "org.agentprobe.browser"
DEFAULT_EXTENSION_ID = "doohldcminecmcedeaiedgolldhoanhg"  # from extension/manifest.json "key"
BROWSERS = ("chrome", "chromium", "edge")
SYSTEMS = ("linux", "macos", "windows")
_LINUX = {"chrome": "google-chrome", "chromium": "chromium", "edge": "microsoft-edge"}
_MACOS = {"chrome": "Google/Chrome", "chromium": "Chromium", "edge": "Microsoft Edge"}
_REGISTRY = {"chrome": "Google\\Chrome", "chromium": "Chromium", "edge": "Microsoft\\Edge"}
_ID_LETTERS = set("abcdefghijklmnop")


class InstallError(ValueError):
    """An install request that cannot be carried out (bad id, wrong OS...)."""


@dataclass(frozen=True)
class InstallFile:
    path: PurePath
    text: str
    executable: bool = False


@dataclass
class Plan:
    """What an install writes: files, and on Windows the registry values."""

    system: str
    browser: str
    files: list[InstallFile] = field(default_factory=list)
    registry: list[tuple[str, str]] = field(default_factory=list)  # (HKCU key, default value)

    def commands(self) -> list[str]:
        """The registry edits as `reg add` commands, for a dry run or a script."""
        template = 'reg add "HKCU\\{}" /ve /t REG_SZ /d "{}" /f'
        return [template.format(key, value) for key, value in self.registry]


def check_extension_id(extension_id: str) -> str:
    """An extension id is 32 letters a-p (a hex SHA-256 prefix with digits shifted)."""
    if len(extension_id) != 32 or not set(extension_id) <= _ID_LETTERS:
        raise InstallError(f"extension id must be 32 letters a-p, got {extension_id[:40]!r}")
    return extension_id


def home_for(system: str, user_home: Path) -> PurePath:
    """The real home on this OS, a placeholder home for another OS (dry runs)."""
    if system == current_system():
        return user_home
    if system == "windows":
        return PureWindowsPath("C:\\Users\\USER")
    return PurePosixPath("/Users/USER" if system == "macos" else "/home/USER")


def python_for(system: str, python: str) -> str:
    """This interpreter on this OS, a typical install path on another (dry runs)."""
    if system == current_system():
        return python
    if system == "windows":
        return "C:\\Program Files\\agentprobe\\python.exe"
    return "/opt/agentprobe/bin/python3"


def current_system() -> str:
    import sys

    return {"win32": "windows", "darwin": "macos"}.get(sys.platform, "linux")


def manifest_dir(system: str, browser: str, home: PurePath) -> PurePath:
    """Where the browser looks for per-user host manifests (Windows: ours, by registry)."""
    if system == "linux":
        return home / ".config" / _LINUX[browser] / "NativeMessagingHosts"
    if system == "macos":
        return home / "Library" / "Application Support" / _MACOS[browser] / "NativeMessagingHosts"
    return home / "AppData" / "Local" / "agentprobe" / "NativeMessagingHosts"


def launcher_dir(system: str, home: PurePath) -> PurePath:
    """agentprobe's own per-user data folder (the platformdirs convention of each OS)."""
    if system == "linux":
        return home / ".local" / "share" / "agentprobe" / "native-host"
    if system == "macos":
        return home / "Library" / "Application Support" / "agentprobe" / "native-host"
    return home / "AppData" / "Local" / "agentprobe" / "native-host"


def launcher(system: str, python: str) -> tuple[str, str]:
    """(file name, text) of the script the manifest points at."""
    if system == "windows":
        text = f'@echo off\r\n"{python}" -m agentprobe native-host %*\r\n'
        return "agentprobe-native-host.cmd", text
    quoted = "'" + python.replace("'", "'\\''") + "'"
    return "agentprobe-native-host", f'#!/bin/sh\nexec {quoted} -m agentprobe native-host "$@"\n'


def manifest(path: PurePath, extension_ids: list[str]) -> dict[str, object]:
    """The host manifest (Chrome native messaging: name, description, path, type, origins)."""
    return {
        "name": HOST_NAME,
        "description": "agentprobe: WebRTC call quality from the browser softphone",
        "path": str(path),
        "type": "stdio",
        "allowed_origins": [f"chrome-extension://{i}/" for i in extension_ids],
    }


def plan(system: str, browser: str, home: PurePath, python: str, extension_ids: list[str]) -> Plan:
    """The files (and registry values) that install the host for one browser on one OS."""
    if system not in SYSTEMS or browser not in BROWSERS:
        raise InstallError(f"unknown OS or browser: {system}, {browser}")
    ids = [check_extension_id(i) for i in extension_ids]
    name, script = launcher(system, python)
    script_path = launcher_dir(system, home) / name
    manifest_path = manifest_dir(system, browser, home) / f"{HOST_NAME}.json"
    text = json.dumps(manifest(script_path, ids), indent=2) + "\n"
    result = Plan(system, browser)
    result.files = [
        InstallFile(script_path, script, executable=True),
        InstallFile(manifest_path, text),
    ]
    if system == "windows":
        key = f"Software\\{_REGISTRY[browser]}\\NativeMessagingHosts\\{HOST_NAME}"
        result.registry.append((key, str(manifest_path)))
    return result


def apply(result: Plan, set_registry: Callable[[str, str], None] | None = None) -> list[Path]:
    """Write the plan's files (launcher mode 0755, manifest 0644) and registry values."""
    written = []
    for item in result.files:
        path = Path(item.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_text(item.text, newline="")
        temporary.chmod(0o755 if item.executable else 0o644)
        os.replace(temporary, path)
        written.append(path)
    for key, value in result.registry:
        if set_registry is None:
            raise InstallError("registry values need Windows")
        set_registry(key, value)
    return written


def windows_registry(key: str, value: str) -> None:  # pragma: no cover - Windows only
    """Set the default value of HKCU\\key (the per-user host registration)."""
    import winreg  # type: ignore[import-not-found,unused-ignore]

    with winreg.CreateKey(winreg.HKEY_CURRENT_USER, key) as handle:  # type: ignore[attr-defined,unused-ignore]
        winreg.SetValueEx(handle, "", 0, winreg.REG_SZ, value)  # type: ignore[attr-defined,unused-ignore]
