"""Three scripted agent PCs (Ubuntu, Windows 11, macOS) built from captured tool output."""

from __future__ import annotations

from pathlib import Path

from agentprobe.software.host import Output
from agentprobe.software.windows import CURRENT_VERSION, UNINSTALL_KEYS, URL_CHOICE
from tests.software.fakes import FakeHost, data

# Processes nobody configured: they must never show up in a result.
PRIVATE = ("secret-diary", "KeePass.exe", "Private Budget Planner", "LibreOffice", "pulseaudio")


def ubuntu() -> FakeHost:
    return FakeHost(
        "Linux",
        {
            ("google-chrome", "--version"): data("linux/google-chrome-version.txt"),
            ("firefox-esr", "--version"): data("linux/firefox-esr-version.txt"),
            ("dpkg-query",): Output(1, data("linux/dpkg-query-ubuntu.txt")),
            ("flatpak", "list"): data("linux/flatpak-list.txt"),
            ("snap", "list"): data("linux/snap-list.txt"),
            ("xdg-settings", "get", "default-web-browser"): "google-chrome.desktop\n",
        },
        files={"/etc/os-release": data("linux/os-release-ubuntu-24.04.txt")},
        processes=["systemd", "chrome", "chrome", "zoom", "bash", "secret-diary"],
    )


def windows() -> FakeHost:
    hklm, wow, hkcu = UNINSTALL_KEYS
    return FakeHost(
        "Windows",
        {
            ("reg", "query", CURRENT_VERSION): data("windows/currentversion.txt"),
            ("reg", "query", hklm, "/s"): data("windows/uninstall-hklm.txt"),
            ("reg", "query", wow, "/s"): data("windows/uninstall-wow6432.txt"),
            ("reg", "query", hkcu, "/s"): data("windows/uninstall-hkcu.txt"),
            ("reg", "query", URL_CHOICE + "\\UserChoice"): data("windows/userchoice-https.txt"),
            ("powershell",): data("windows/appx-msteams.txt"),
        },
        processes=[
            "System",
            "svchost.exe",
            "Zoom.exe",
            "ms-teams.exe",
            "chrome.exe",
            "KeePass.exe",
        ],
    )


def macos() -> FakeHost:
    def plist(folder: str, bundle: str) -> tuple[str, ...]:
        path = f"{folder}/{bundle}.app/Contents/Info.plist"
        return ("defaults", "read", path, "CFBundleShortVersionString")

    return FakeHost(
        "Darwin",
        {
            ("sw_vers",): data("macos/sw_vers.txt"),
            plist("/Applications", "Google Chrome"): "131.0.6778.86\n",
            plist("/Applications", "zoom.us"): "6.2.11 (49849)\n",
            plist(f"{Path.home()}/Applications", "Webex"): "44.10.2.31237\n",
            ("defaults", "read", "com.apple.LaunchServices/com.apple.launchservices.secure"): data(
                "macos/lshandlers.txt"
            ),
        },
        processes=["launchd", "Google Chrome", "Google Chrome Helper (Renderer)", "zoom.us"],
    )
