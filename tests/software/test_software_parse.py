"""The pure parsers, on output captured from real machines."""

from __future__ import annotations

import pytest

from agentprobe.software import parse
from tests.software.fakes import data


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("linux/chromium-version.txt", "156.0.8078.79"),
        ("linux/google-chrome-version.txt", "131.0.6778.85"),
        ("linux/firefox-esr-version.txt", "128.5.0esr"),
        ("linux/microsoft-edge-version.txt", "131.0.2903.70"),
    ],
)
def test_banner_version(name: str, version: str) -> None:
    assert parse.banner_version(data(name)) == version


def test_banner_without_a_version() -> None:
    assert parse.banner_version("usage: chromium [options]\n") is None


@pytest.mark.parametrize(
    ("raw", "version"),
    [
        ("156.0.8078.79-1~deb12u1", "156.0.8078.79"),
        ("1:128.3.1esr-1~deb12u1", "128.3.1esr"),
        ("133.0-1", "133.0"),
        ("6.2.11.5069", "6.2.11.5069"),
    ],
)
def test_package_version_drops_epoch_and_revision(raw: str, version: str) -> None:
    assert parse.package_version(raw) == version


@pytest.mark.parametrize(
    ("version", "minimum", "below"),
    [
        ("130.0.6723.116", "131", True),
        ("131.0", "131", False),
        ("131", "131.0.1", True),
        ("128.5.0esr", "128.5", False),
        ("6.2.11 (49849)", "6.3", True),
        ("10.0.22631.4460", "10.0.22631.4317", False),
    ],
)
def test_is_below(version: str, minimum: str, below: bool) -> None:
    assert parse.is_below(version, minimum) is below


def test_is_minimum() -> None:
    assert [parse.is_minimum(t) for t in ("120", "6.0.2", "6.x", "", "v6")] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_dpkg_keeps_only_installed_packages() -> None:
    wanted = {"chromium", "firefox", "firefox-esr", "google-chrome-stable", "zoom", "teams"}
    assert parse.dpkg_versions(data("linux/dpkg-query.txt"), wanted) == {
        "chromium": "156.0.8078.79"
    }
    assert parse.dpkg_versions(data("linux/dpkg-query.txt"), {"pulseaudio"}) == {
        "pulseaudio": "16.1+dfsg1"
    }
    # "rc": removed with its config files left behind is not installed.
    assert parse.dpkg_versions(data("linux/dpkg-query-ubuntu.txt"), wanted) == {
        "google-chrome-stable": "131.0.6778.85",
        "zoom": "6.2.11.5069",
        "firefox": "1snap1",
    }


def test_rpm_skips_not_installed_lines() -> None:
    wanted = {"firefox", "google-chrome-stable", "chromium", "zoom", "teams"}
    assert parse.rpm_versions(data("linux/rpm-q-fedora.txt"), wanted) == {
        "firefox": "133.0",
        "zoom": "6.2.11.5069",
    }


def test_flatpak_and_snap_keep_only_wanted_names() -> None:
    wanted = {"us.zoom.Zoom", "org.mozilla.firefox", "com.google.Chrome"}
    assert parse.flatpak_versions(data("linux/flatpak-list.txt"), wanted) == {
        "org.mozilla.firefox": "133.0",
        "us.zoom.Zoom": "6.2.11.5069",
    }
    snaps = parse.snap_versions(data("linux/snap-list.txt"), {"firefox", "zoom-client", "webex"})
    assert snaps == {"firefox": "133.0", "zoom-client": "6.2.11.5069"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("linux/os-release-debian-12.txt", ("Debian GNU/Linux", "12")),
        ("linux/os-release-ubuntu-24.04.txt", ("Ubuntu", "24.04")),
        ("linux/os-release-arch.txt", ("Arch Linux", "rolling")),
    ],
)
def test_linux_os(name: str, expected: tuple[str, str]) -> None:
    assert parse.linux_os(data(name)) == expected


def test_reg_query_blocks_values_and_dwords() -> None:
    keys = parse.reg_query(data("windows/uninstall-hklm.txt"))
    root = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall"
    chrome = keys[root + "\\Google Chrome"]
    assert chrome["DisplayVersion"] == "131.0.6778.86"
    assert chrome["VersionMajor"] == "6762"
    assert chrome["ModifyPath"].endswith("--system-level --verbose-logging")
    assert keys[root + "\\AddressBook"] == {}
    installer = keys[root + "\\{731F6BAA-A986-45A4-8936-7C3AAAAA760B}"]
    assert installer["Comments"] == ""


def test_uninstall_entries() -> None:
    assert parse.uninstall_entries(data("windows/uninstall-hkcu.txt")) == [
        ("Google Chrome", "120.0.6099.130"),
        ("MicroSIP", "3.21.5"),
        ("Private Budget Planner", "2.4.1"),
        ("Zoom Workplace", "6.2.11 (49849)"),
    ]


def test_windows_11_is_named_by_build_not_product_name() -> None:
    assert parse.windows_os(data("windows/currentversion.txt")) == (
        "Windows 11 Pro",
        "10.0.22631.4460",
    )


def test_macos() -> None:
    assert parse.macos_os(data("macos/sw_vers.txt")) == ("macOS", "14.7.1")
    assert parse.launchservices_browser(data("macos/lshandlers.txt")) == "com.google.chrome"


def test_launchservices_without_a_browser_choice() -> None:
    text = '(\n{\n LSHandlerRoleAll = "com.apple.mail";\n LSHandlerURLScheme = mailto;\n}\n)\n'
    assert parse.launchservices_browser(text) is None
