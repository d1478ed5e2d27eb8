"""Reading versions on Windows: the Uninstall registry keys (machine, 32-bit, per user) via `reg`.

New Teams is a Store (MSIX) package with no Uninstall entry, so apps with an `appx`
name are also asked of PowerShell's Get-AppxPackage.
"""

from __future__ import annotations

import re

from agentprobe.software import parse
from agentprobe.software.apps import App
from agentprobe.software.host import Host

CURRENT_VERSION = r"HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion"
UNINSTALL_KEYS = (
    r"HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall",
    r"HKLM\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall",
    r"HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall",
)
URL_CHOICE = r"HKCU\Software\Microsoft\Windows\Shell\Associations\UrlAssociations\https"


def os_info(host: Host) -> tuple[str, str]:
    output = host.run(["reg", "query", CURRENT_VERSION])
    if output is None or output.code != 0:
        return "Windows", "unknown"
    return parse.windows_os(output.text)


def installed(host: Host, apps: list[App]) -> dict[str, str]:
    """App name -> version; when an app is registered more than once the newest wins."""
    found: dict[str, str] = {}
    for key in UNINSTALL_KEYS:
        output = host.run(["reg", "query", key, "/s"])
        if output is None or output.code != 0:
            continue
        for display_name, version in parse.uninstall_entries(output.text):
            for app in apps:
                if app.matches_display_name(display_name):
                    _keep_newest(found, app.name, version)
    for app in apps:
        appx = _appx_version(host, app.appx) if app.appx else None
        if appx:
            found[app.name] = appx  # the Store app is the one that runs today
    return found


def default_browser(host: Host) -> str | None:
    """The https handler's ProgId, lower case, without its per-install suffix.

    "FirefoxURL-308046B0AF4A39CB" -> "firefoxurl", "ChromeHTML" -> "chromehtml".
    """
    for key in (URL_CHOICE + r"\UserChoice", URL_CHOICE + r"\UserChoiceLatest"):
        output = host.run(["reg", "query", key, "/v", "ProgId"])
        if output is None or output.code != 0:
            continue
        for values in parse.reg_query(output.text).values():
            if values.get("ProgId"):
                return re.split(r"[-.]", values["ProgId"].lower(), maxsplit=1)[0]
    return None


def _appx_version(host: Host, package: str) -> str | None:
    command = f"Get-AppxPackage -Name {package} | ForEach-Object {{ $_.Version }}"
    output = host.run(["powershell", "-NoProfile", "-NonInteractive", "-Command", command])
    if output is None or output.code != 0:
        return None
    found: dict[str, str] = {}
    for line in output.text.splitlines():
        version = parse.banner_version(line)
        if version:
            _keep_newest(found, package, version)
    return found.get(package)


def _keep_newest(found: dict[str, str], name: str, version: str) -> None:
    if name not in found or parse.is_below(found[name], version):
        found[name] = version
