"""Reading versions on Linux: `--version` of browsers on PATH, then dpkg, rpm, flatpak, snap.

A browser's own `--version` wins because it reports what actually starts; package
managers cover softphones, which are never started (some open a window on any argument).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from agentprobe.software import parse
from agentprobe.software.apps import App
from agentprobe.software.host import Host

DPKG_FORMAT = "${Package}\t${db:Status-Abbrev}\t${Version}\n"
RPM_FORMAT = "%{NAME}\t%{VERSION}\n"


def os_info(host: Host) -> tuple[str, str]:
    text = host.read_text("/etc/os-release") or host.read_text("/usr/lib/os-release") or ""
    return parse.linux_os(text)


def installed(host: Host, apps: list[App]) -> dict[str, str]:
    """App name -> version for the apps found, trying each source only for those still missing."""
    found: dict[str, str] = {}
    for app in apps:
        version = _binary_version(host, app)
        if version:
            found[app.name] = version
    for source in SOURCES:
        missing = [app for app in apps if app.name not in found]
        if missing:
            found.update(_from_packages(host, missing, source))
    return found


def default_browser(host: Host) -> str | None:
    """The default browser's desktop id without ".desktop" ("chromium"), from xdg-settings."""
    output = host.run(["xdg-settings", "get", "default-web-browser"])
    if output is None or output.code != 0 or not output.text.strip():
        return None
    return output.text.strip().splitlines()[0].lower().removesuffix(".desktop")


def _binary_version(host: Host, app: App) -> str | None:
    for binary in app.binaries:
        output = host.run([binary, "--version"])
        version = parse.banner_version(output.text) if output and output.code == 0 else None
        if version:
            return version
    return None


@dataclass(frozen=True)
class Source:
    """A package manager: the App field naming its packages, its command and its parser."""

    field: str
    command: Callable[[list[str]], list[str]]
    parse: Callable[[str, Collection[str]], dict[str, str]]
    # dpkg-query and rpm exit non-zero when some names are not installed, yet print the others.
    partial_ok: bool = False


SOURCES = (
    Source(
        "debs",
        lambda names: ["dpkg-query", "-W", "-f", DPKG_FORMAT, *names],
        parse.dpkg_versions,
        partial_ok=True,
    ),
    Source(
        "rpms",
        lambda names: ["rpm", "-q", "--qf", RPM_FORMAT, *names],
        parse.rpm_versions,
        partial_ok=True,
    ),
    Source(
        "flatpaks",
        lambda names: ["flatpak", "list", "--app", "--columns=application,version"],
        parse.flatpak_versions,
    ),
    Source("snaps", lambda names: ["snap", "list"], parse.snap_versions),
)


def _from_packages(host: Host, apps: list[App], source: Source) -> dict[str, str]:
    wanted = [name for app in apps for name in getattr(app, source.field)]
    if not wanted:
        return {}
    output = host.run(source.command(wanted))
    if output is None or (output.code != 0 and not source.partial_ok):
        return {}
    return _by_package(apps, source.field, source.parse(output.text, set(wanted)))


def _by_package(apps: list[App], field: str, versions: Mapping[str, str]) -> dict[str, str]:
    found = {}
    for app in apps:
        for package in getattr(app, field):
            if package in versions:
                found[app.name] = versions[package]
                break
    return found
