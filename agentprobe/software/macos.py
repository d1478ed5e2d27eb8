"""Reading versions on macOS: each app bundle's CFBundleShortVersionString via `defaults read`.

Bundles are looked for in /Applications and then the user's own ~/Applications, which
is where per-user installers (some softphones) put them.
"""

from __future__ import annotations

from pathlib import Path

from agentprobe.software import parse
from agentprobe.software.apps import App
from agentprobe.software.host import Host

LAUNCH_SERVICES = "com.apple.LaunchServices/com.apple.launchservices.secure"


def os_info(host: Host) -> tuple[str, str]:
    output = host.run(["sw_vers"])
    if output is None or output.code != 0:
        return "macOS", "unknown"
    return parse.macos_os(output.text)


def installed(host: Host, apps: list[App], home: str | None = None) -> dict[str, str]:
    """App name -> version for the apps whose bundle exists."""
    folders = ("/Applications", f"{home or Path.home()}/Applications")
    found: dict[str, str] = {}
    for app in apps:
        version = _first_version(host, [f"{f}/{b}.app" for b in app.bundles for f in folders])
        if version:
            found[app.name] = version
    return found


def default_browser(host: Host) -> str | None:
    """The bundle id of the https handler ("com.google.chrome"); None when Safari is untouched."""
    output = host.run(["defaults", "read", LAUNCH_SERVICES, "LSHandlers"])
    if output is None or output.code != 0:
        return None
    return parse.launchservices_browser(output.text)


def _first_version(host: Host, bundles: list[str]) -> str | None:
    for bundle in bundles:
        plist = f"{bundle}/Contents/Info.plist"
        output = host.run(["defaults", "read", plist, "CFBundleShortVersionString"])
        if output is not None and output.code == 0 and output.text.strip():
            return output.text.strip().splitlines()[0]
    return None
