"""The enterprise policy that force-installs the extension and sets its origins, per OS.

Two policies do it (Chrome Enterprise policy list; Edge and Chromium read the same names):
`ExtensionInstallForcelist` ("<id>;<update URL>") installs the extension on every
managed browser, and the `3rdparty` section fills the extension's `storage.managed`
area (its `managed_schema.json`) with the softphone origins it may run on. Linux reads
JSON files from a policy folder, Windows the registry under HKLM\\Software\\Policies,
macOS configuration profiles (one preference domain for the browser, one per extension).
"""

from __future__ import annotations

import json
from typing import Any

_STORE = {
    "chrome": "https://clients2.google.com/service/update2/crx",
    "chromium": "https://clients2.google.com/service/update2/crx",
    "edge": "https://edge.microsoft.com/extensionwebstorebase/v1/crx",
}
_LINUX_DIR = {
    "chrome": "/etc/opt/chrome/policies/managed",
    "chromium": "/etc/chromium/policies/managed",
    "edge": "/etc/opt/edge/policies/managed",
}
_WINDOWS_KEY = {"chrome": "Google\\Chrome", "chromium": "Chromium", "edge": "Microsoft\\Edge"}
_MACOS_DOMAIN = {"chrome": "com.google.Chrome", "chromium": "org.chromium.Chromium",
                 "edge": "com.microsoft.Edge"}  # fmt: skip


def document(
    browser: str, extension_id: str, origins: list[str], update_url: str = ""
) -> dict[str, Any]:
    """The policy as JSON (the Linux file's content, and the meaning on every OS)."""
    entry = f"{extension_id};{update_url or _STORE[browser]}"
    return {
        "ExtensionInstallForcelist": [entry],
        "3rdparty": {"extensions": {extension_id: {"origins": origins}}},
    }


def render(
    system: str, browser: str, extension_id: str, origins: list[str], update_url: str = ""
) -> str:
    """Where the policy goes on `system` and what to put there, as text for IT."""
    policy = document(browser, extension_id, origins, update_url)
    text = json.dumps(policy, indent=2)
    if system == "linux":
        return f"# {_LINUX_DIR[browser]}/agentprobe.json (root-owned, mode 0644)\n{text}\n"
    if system == "windows":
        return _windows(browser, extension_id, policy)
    domain = _MACOS_DOMAIN[browser]
    return (
        f"# macOS configuration profile: preference domain {domain}\n"
        f"#   ExtensionInstallForcelist = {json.dumps(policy['ExtensionInstallForcelist'])}\n"
        f"# and preference domain {domain}.extensions.{extension_id}\n"
        f"#   origins = {json.dumps(origins)}\n{text}\n"
    )


def _windows(browser: str, extension_id: str, policy: dict[str, Any]) -> str:
    """A .reg file: list policies are numbered values under a key of the policy's name."""
    base = f"HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\{_WINDOWS_KEY[browser]}"
    storage = f"{base}\\3rdparty\\extensions\\{extension_id}\\policy"
    lines = ["Windows Registry Editor Version 5.00", "", f"[{base}\\ExtensionInstallForcelist]"]
    lines.append(f'"1"="{policy["ExtensionInstallForcelist"][0]}"')
    lines += ["", f"[{storage}\\origins]"]
    origins = policy["3rdparty"]["extensions"][extension_id]["origins"]
    lines += [f'"{n}"="{origin}"' for n, origin in enumerate(origins, start=1)]
    return "\r\n".join(lines) + "\r\n"
