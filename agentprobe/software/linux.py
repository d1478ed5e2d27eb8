"""Reading versions on Linux: `--version` of browsers on PATH, then dpkg, rpm, flatpak, snap.

A browser's own `--version` wins because it reports what actually starts; package
managers cover softphones, which are never started (some open a window on any argument).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from agentprobe.software import parse
from agentprobe.software.apps import App
from agentprobe.software.host import Host, Output

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
    sources: tuple[Callable[[Host, list[App]], dict[str, str]], ...] = (
        _dpkg,
        _rpm,
        _flatpak,
        _snap,
    )
    for source in sources:
        missing = [app for app in apps if app.name not in found]
        if missing:
            found.update(source(host, missing))
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


def _dpkg(host: Host, apps: list[App]) -> dict[str, str]:
    packages = [package for app in apps for package in app.debs]
    if not packages:
        return {}
    # dpkg-query exits 1 when some packages are unknown but still prints the others.
    output = host.run(["dpkg-query", "-W", "-f", DPKG_FORMAT, *packages])
    return _by_package(apps, "debs", parse.dpkg_versions(output.text if output else ""))


def _rpm(host: Host, apps: list[App]) -> dict[str, str]:
    packages = [package for app in apps for package in app.rpms]
    if not packages:
        return {}
    # rpm's exit code is the number of packages not installed; the others are still printed.
    output = host.run(["rpm", "-q", "--qf", RPM_FORMAT, *packages])
    return _by_package(apps, "rpms", parse.rpm_versions(output.text if output else ""))


def _flatpak(host: Host, apps: list[App]) -> dict[str, str]:
    wanted = {flatpak for app in apps for flatpak in app.flatpaks}
    if not wanted:
        return {}
    text = _text(host.run(["flatpak", "list", "--app", "--columns=application,version"]))
    return _by_package(apps, "flatpaks", parse.flatpak_versions(text, wanted))


def _snap(host: Host, apps: list[App]) -> dict[str, str]:
    wanted = {snap for app in apps for snap in app.snaps}
    if not wanted:
        return {}
    text = _text(host.run(["snap", "list"]))
    return _by_package(apps, "snaps", parse.snap_versions(text, wanted))


def _text(output: Output | None) -> str:
    return output.text if output is not None and output.code == 0 else ""


def _by_package(apps: list[App], field: str, versions: Mapping[str, str]) -> dict[str, str]:
    found = {}
    for app in apps:
        for package in getattr(app, field):
            if package in versions:
                found[app.name] = versions[package]
                break
    return found
