"""The browsers and softphones agentprobe can inventory, and where each OS keeps their versions.

Only apps in this catalogue can be named in `[software] apps`: each entry says exactly
which commands, packages, registry names and app bundles identify it, so the check never
has to look at anything else on the machine (the privacy rules in the README).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Kind = Literal["browser", "softphone"]


@dataclass(frozen=True)
class App:
    """One application and the places its version can be read on each OS.

    `binaries` are Linux commands known to print their version with `--version` and exit
    without opening a window; softphones are read from package managers only, because
    several of them start their GUI on any argument. `windows` matches the DisplayName
    of an Uninstall registry entry; `bundles` are macOS app bundles in /Applications.
    `processes` are process names (lower case, without ".exe"); `browser_ids` are the
    ids the OS uses for the default browser (desktop file, Windows ProgId, bundle id).
    """

    name: str
    label: str
    kind: Kind
    binaries: tuple[str, ...] = ()
    debs: tuple[str, ...] = ()
    rpms: tuple[str, ...] = ()
    flatpaks: tuple[str, ...] = ()
    snaps: tuple[str, ...] = ()
    windows: str = ""
    appx: str = ""
    bundles: tuple[str, ...] = ()
    processes: tuple[str, ...] = ()
    browser_ids: tuple[str, ...] = ()

    def matches_display_name(self, display_name: str) -> bool:
        return bool(self.windows) and re.fullmatch(self.windows, display_name.strip()) is not None


CATALOGUE: tuple[App, ...] = (
    App(
        "chrome",
        "Google Chrome",
        "browser",
        binaries=("google-chrome", "google-chrome-stable"),
        debs=("google-chrome-stable",),
        rpms=("google-chrome-stable",),
        flatpaks=("com.google.Chrome",),
        windows=r"Google Chrome",
        bundles=("Google Chrome",),
        processes=("chrome", "google chrome"),
        browser_ids=("google-chrome", "com.google.chrome", "chromehtml"),
    ),
    App(
        "chromium",
        "Chromium",
        "browser",
        binaries=("chromium", "chromium-browser"),
        debs=("chromium",),
        rpms=("chromium",),
        flatpaks=("org.chromium.Chromium",),
        snaps=("chromium",),
        windows=r"Chromium",
        bundles=("Chromium",),
        processes=("chromium", "chromium-browser"),
        browser_ids=(
            "chromium",
            "chromium-browser",
            "chromium_chromium",
            "org.chromium.chromium",
            "chromiumhtm",
        ),
    ),
    App(
        "firefox",
        "Mozilla Firefox",
        "browser",
        binaries=("firefox", "firefox-esr"),
        debs=("firefox", "firefox-esr"),
        rpms=("firefox",),
        flatpaks=("org.mozilla.firefox",),
        snaps=("firefox",),
        windows=r"Mozilla Firefox( ESR)?( \(.*\))?",
        bundles=("Firefox",),
        processes=("firefox", "firefox-esr", "firefox-bin"),
        browser_ids=(
            "firefox",
            "firefox-esr",
            "firefox_firefox",
            "org.mozilla.firefox",
            "firefoxurl",
        ),
    ),
    App(
        "msedge",
        "Microsoft Edge",
        "browser",
        binaries=("microsoft-edge", "microsoft-edge-stable"),
        debs=("microsoft-edge-stable",),
        rpms=("microsoft-edge-stable",),
        flatpaks=("com.microsoft.Edge",),
        windows=r"Microsoft Edge",
        bundles=("Microsoft Edge",),
        processes=("msedge", "microsoft edge"),
        browser_ids=("microsoft-edge", "com.microsoft.edge", "com.microsoft.edgemac", "msedgehtm"),
    ),
    App(
        "zoom",
        "Zoom Workplace",
        "softphone",
        debs=("zoom",),
        rpms=("zoom",),
        flatpaks=("us.zoom.Zoom",),
        snaps=("zoom-client",),
        windows=r"Zoom( Workplace)?( \((32|64)-bit\))?",
        bundles=("zoom.us",),
        processes=("zoom", "zoom.us"),
    ),
    App(
        "teams",
        "Microsoft Teams",
        "softphone",
        debs=("teams", "teams-for-linux"),
        rpms=("teams", "teams-for-linux"),
        flatpaks=("com.github.IsmaelMartinez.teams_for_linux",),
        snaps=("teams-for-linux",),
        # Classic Teams installs per user; "Teams Machine-Wide Installer" is only its installer.
        windows=r"Microsoft Teams( classic)?",
        appx="MSTeams",
        bundles=("Microsoft Teams", "Microsoft Teams classic"),
        processes=("ms-teams", "msteams", "teams", "microsoft teams", "teams-for-linux"),
    ),
    App(
        "webex",
        "Webex",
        "softphone",
        debs=("webex",),
        rpms=("webex",),
        windows=r"(Cisco )?Webex( Meetings)?",
        bundles=("Webex", "Cisco Webex Meetings"),
        processes=("webex", "ciscocollabhost", "atmgr"),
    ),
    App(
        "jabber",
        "Cisco Jabber",
        "softphone",
        windows=r"Cisco Jabber",
        bundles=("Cisco Jabber",),
        processes=("cisco jabber", "ciscojabber"),
    ),
    App(
        "avaya",
        "Avaya Workplace",
        "softphone",
        windows=r"Avaya (Workplace|Equinox)",
        bundles=("Avaya Workplace",),
        processes=("avaya workplace", "avaya.workplace"),
    ),
    App(
        "ringcentral",
        "RingCentral",
        "softphone",
        debs=("ringcentral",),
        rpms=("ringcentral",),
        windows=r"RingCentral",
        bundles=("RingCentral",),
        processes=("ringcentral",),
    ),
    App(
        "zoiper",
        "Zoiper",
        "softphone",
        debs=("zoiper5",),
        rpms=("zoiper5",),
        windows=r"Zoiper ?\d*",
        bundles=("Zoiper5",),
        processes=("zoiper", "zoiper5"),
    ),
    App(
        "bria",
        "Bria",
        "softphone",
        windows=r"Bria( \d+| Enterprise| Solo| Teams)?",
        bundles=("Bria", "Bria 6", "Bria Enterprise"),
        processes=("bria", "bria enterprise"),
    ),
    App(
        "microsip",
        "MicroSIP",
        "softphone",
        windows=r"MicroSIP( .*)?",
        processes=("microsip",),
    ),
)

BY_NAME: dict[str, App] = {app.name: app for app in CATALOGUE}
DEFAULT_APPS: tuple[str, ...] = tuple(BY_NAME)


def lookup(names: list[str]) -> list[App]:
    """The catalogue entries for `names`, in that order, once each. Raises KeyError."""
    seen: dict[str, App] = {}
    for name in names:
        seen.setdefault(name, BY_NAME[name])
    return list(seen.values())


def running(process_names: Iterable[str], apps: list[App]) -> set[str]:
    """Names of the apps in `apps` that have a process among `process_names`.

    The iterable is consumed here and nothing but the matches is kept, so other
    programs' names never reach a report, a log or the outbox.
    """
    wanted = {process: app.name for app in apps for process in app.processes}
    found: set[str] = set()
    for raw in process_names:
        name = raw.lower().removesuffix(".exe")
        if name in wanted:
            found.add(wanted[name])
    return found
