"""`agentprobe browser install`: the manifest, launcher and policy for 3 browsers on 3 OSes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest
from click.testing import CliRunner

from agentprobe.browser import install, policy
from agentprobe.cli import cli

EXTENSION_ID = "doohldcminecmcedeaiedgolldhoanhg"
PLACES = {
    ("linux", "chrome"): "/home/USER/.config/google-chrome/NativeMessagingHosts",
    ("linux", "chromium"): "/home/USER/.config/chromium/NativeMessagingHosts",
    ("linux", "edge"): "/home/USER/.config/microsoft-edge/NativeMessagingHosts",
    (
        "macos",
        "chrome",
    ): "/Users/USER/Library/Application Support/Google/Chrome/NativeMessagingHosts",
    ("macos", "chromium"): "/Users/USER/Library/Application Support/Chromium/NativeMessagingHosts",
    (
        "macos",
        "edge",
    ): "/Users/USER/Library/Application Support/Microsoft Edge/NativeMessagingHosts",
    ("windows", "chrome"): "C:\\Users\\USER\\AppData\\Local\\agentprobe\\NativeMessagingHosts",
    ("windows", "chromium"): "C:\\Users\\USER\\AppData\\Local\\agentprobe\\NativeMessagingHosts",
    ("windows", "edge"): "C:\\Users\\USER\\AppData\\Local\\agentprobe\\NativeMessagingHosts",
}
KEYS = {"chrome": "Google\\Chrome", "chromium": "Chromium", "edge": "Microsoft\\Edge"}


def test_the_default_id_is_the_one_the_extension_key_gives() -> None:
    import base64
    import hashlib

    manifest = json.loads((Path(__file__).parents[2] / "extension" / "manifest.json").read_text())
    digest = hashlib.sha256(base64.b64decode(manifest["key"])).hexdigest()[:32]
    assert "".join(chr(ord("a") + int(c, 16)) for c in digest) == install.DEFAULT_EXTENSION_ID


@pytest.mark.parametrize(("system", "browser"), sorted(PLACES))
def test_every_os_and_browser_gets_its_manifest_place(system: str, browser: str) -> None:
    home = PureWindowsPath("C:\\Users\\USER") if system == "windows" else PurePosixPath(
        "/Users/USER" if system == "macos" else "/home/USER")  # fmt: skip
    plan = install.plan(system, browser, home, "/opt/py", [EXTENSION_ID])
    launcher, manifest_file = plan.files
    separator = "\\" if system == "windows" else "/"
    expected = f"{PLACES[system, browser]}{separator}org.agentprobe.browser.json"
    assert str(manifest_file.path) == expected
    manifest = json.loads(manifest_file.text)
    assert manifest == {
        "name": "org.agentprobe.browser",
        "description": "agentprobe: WebRTC call quality from the browser softphone",
        "path": str(launcher.path),
        "type": "stdio",
        "allowed_origins": [f"chrome-extension://{EXTENSION_ID}/"],
    }
    assert launcher.executable and "-m agentprobe native-host" in launcher.text
    if system == "windows":
        key = f"Software\\{KEYS[browser]}\\NativeMessagingHosts\\org.agentprobe.browser"
        assert plan.registry == [(key, str(manifest_file.path))]
        assert plan.commands() == [
            f'reg add "HKCU\\{key}" /ve /t REG_SZ /d "{manifest_file.path}" /f'
        ]
        assert launcher.text.endswith("native-host %*\r\n")
    else:
        assert plan.registry == [] and launcher.text.startswith("#!/bin/sh\nexec '/opt/py'")


@pytest.mark.parametrize(("system", "browser"), sorted(PLACES))
def test_dry_run_prints_every_os_and_writes_nothing(
    system: str, browser: str, tmp_path: Path
) -> None:
    args = ["browser", "install", "--browser", browser, "--os", system, "--dry-run"]
    result = CliRunner().invoke(cli, args, env={"HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    place = (
        str(tmp_path / PLACES[system, browser].split("USER/", 1)[1])
        if system == "linux"
        else PLACES[system, browser]
    )
    assert f"# would write {place}" in result.output
    assert ("reg add" in result.output) == (system == "windows")
    assert "ExtensionInstallForcelist" in result.output and EXTENSION_ID in result.output
    assert list(tmp_path.iterdir()) == []


def test_install_writes_the_manifest_and_an_executable_launcher(tmp_path: Path) -> None:
    args = ["browser", "install", "--browser", "chromium", "--os", "linux",
            "--origin", "https://softphone.example.com"]  # fmt: skip
    result = CliRunner().invoke(cli, args, env={"HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    folder = tmp_path / ".config" / "chromium" / "NativeMessagingHosts"
    manifest = json.loads((folder / "org.agentprobe.browser.json").read_text())
    launcher = Path(manifest["path"])
    assert launcher.parent == tmp_path / ".local" / "share" / "agentprobe" / "native-host"
    assert stat.S_IMODE(launcher.stat().st_mode) == 0o755 and os.access(launcher, os.X_OK)
    assert '"https://softphone.example.com"' in result.output
    assert "/etc/chromium/policies/managed/agentprobe.json" in result.output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--extension-id", "not-an-id"], "32 letters a-p"),
        (["--os", "windows"], "needs --dry-run"),
        (["--browser", "safari"], "Invalid value"),
    ],
)
def test_bad_requests_exit_3_with_a_reason(args: list[str], reason: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["browser", "install", *args], env={"HOME": str(tmp_path)})
    assert result.exit_code == 3 and reason in result.output
    assert "Traceback" not in result.output and list(tmp_path.iterdir()) == []


def test_the_policy_fills_managed_storage_on_each_os() -> None:
    origins = ["https://*.my.connect.aws/*"]
    doc = policy.document("edge", EXTENSION_ID, origins)
    assert doc == {
        "ExtensionInstallForcelist": [
            f"{EXTENSION_ID};https://edge.microsoft.com/extensionwebstorebase/v1/crx"
        ],
        "3rdparty": {"extensions": {EXTENSION_ID: {"origins": origins}}},
    }
    windows = policy.render("windows", "chrome", EXTENSION_ID, origins)
    assert (
        f"[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome\\3rdparty\\extensions\\{EXTENSION_ID}\\policy\\origins]"
        in windows
    )
    assert '"1"="https://*.my.connect.aws/*"' in windows
    macos = policy.render("macos", "chrome", EXTENSION_ID, origins, "https://it.example/crx.xml")
    assert f"com.google.Chrome.extensions.{EXTENSION_ID}" in macos
    assert "https://it.example/crx.xml" in macos
