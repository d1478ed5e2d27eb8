"""Each OS reader through a scripted machine: exact versions, default browser, running apps."""

from __future__ import annotations

from agentprobe.software import inventory
from agentprobe.software.apps import BY_NAME, DEFAULT_APPS, lookup
from agentprobe.software.inventory import Inventory
from tests.software import scenarios
from tests.software.fakes import FakeHost

ALL = lookup(list(DEFAULT_APPS))


def test_linux_reads_browsers_then_packages_flatpaks_and_snaps() -> None:
    host = scenarios.ubuntu()
    assert inventory.take(host, ALL) == Inventory(
        os_name="Ubuntu",
        os_version="24.04",
        versions={
            "chrome": "131.0.6778.85",
            "chromium": "131.0.6778.85",
            "firefox": "128.5.0esr",
            "zoom": "6.2.11.5069",
            "teams": "1.11.3",
        },
        running=frozenset({"chrome", "zoom"}),
        default_browser="chrome",
    )


def test_linux_never_starts_a_softphone() -> None:
    host = scenarios.ubuntu()
    inventory.take(host, ALL)
    browsers = {binary for app in ALL if app.kind == "browser" for binary in app.binaries}
    started = {call[0] for call in host.calls if call[1:] == ("--version",)}
    assert started == browsers - {"google-chrome-stable"}  # google-chrome already answered


def test_linux_asks_package_managers_only_about_apps_still_missing() -> None:
    host = scenarios.ubuntu()
    inventory.take(host, ALL)
    (dpkg,) = [call for call in host.calls if call[0] == "dpkg-query"]
    assert "google-chrome-stable" not in dpkg  # already found through its own --version
    assert {"chromium", "zoom", "teams", "webex"} <= set(dpkg)


def test_windows_reads_the_three_uninstall_views_and_the_store() -> None:
    host = scenarios.windows()
    assert inventory.take(host, ALL) == Inventory(
        os_name="Windows 11 Pro",
        os_version="10.0.22631.4460",
        versions={
            "chrome": "131.0.6778.86",  # machine-wide 131 beats a stale per-user 120
            "firefox": "133.0",
            "msedge": "131.0.2903.86",
            "zoom": "6.2.11 (49849)",
            "teams": "24295.605.3225.8804",  # the Store app, not the machine-wide installer
            "microsip": "3.21.5",
        },
        running=frozenset({"zoom", "teams", "chrome"}),
        default_browser="firefox",
    )


def test_windows_display_names_that_are_not_the_app() -> None:
    for name in (
        "Teams Machine-Wide Installer",
        "Microsoft Teams Meeting Add-in for Microsoft Office",
    ):
        assert not BY_NAME["teams"].matches_display_name(name)
    assert not BY_NAME["zoom"].matches_display_name("Zoom Outlook Plugin")
    assert not BY_NAME["msedge"].matches_display_name("Microsoft Edge WebView2 Runtime")
    assert BY_NAME["zoom"].matches_display_name("Zoom Workplace (64-bit)")
    assert BY_NAME["firefox"].matches_display_name("Mozilla Firefox ESR (x64 de)")


def test_macos_reads_bundles_in_both_applications_folders() -> None:
    host = scenarios.macos()
    assert inventory.take(host, ALL) == Inventory(
        os_name="macOS",
        os_version="14.7.1",
        versions={"chrome": "131.0.6778.86", "zoom": "6.2.11 (49849)", "webex": "44.10.2.31237"},
        running=frozenset({"chrome", "zoom"}),
        default_browser="chrome",
    )


def test_a_default_browser_that_is_not_listed_is_only_called_other() -> None:
    host = FakeHost("Linux", {("xdg-settings",): "opera.desktop\n"})
    found = inventory.take(host, lookup(["chrome"]))
    assert found.default_browser == "other"


def test_only_softphones_listed_skips_the_default_browser_lookup() -> None:
    host = scenarios.ubuntu()
    found = inventory.take(host, lookup(["zoom"]))
    assert found.versions == {"zoom": "6.2.11.5069"}
    assert found.default_browser is None
    assert not [call for call in host.calls if call[0] == "xdg-settings"]
