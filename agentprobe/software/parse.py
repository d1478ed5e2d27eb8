"""Pure parsers: tool output in, versions out. No I/O, so each is tested on captured text.

Covers `<browser> --version`, dpkg-query, rpm, flatpak and snap on Linux, `reg query`
on Windows, `sw_vers` and `defaults read` on macOS, os-release, and version ordering.
"""

from __future__ import annotations

import re
from collections.abc import Collection

# A dotted version, optionally with a letter suffix ("128.3.1esr", "131.0b9").
_VERSION = re.compile(r"(?<![\w.])(\d+(?:\.\d+)+(?:[a-z]+\d*)?)(?![\w.])")
_MINIMUM = re.compile(r"\d+(\.\d+)*")
_REG_VALUE = re.compile(r"^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$")


def banner_version(text: str) -> str | None:
    """The version in a `--version` banner ("Chromium 156.0.8078.79 built on Debian ...")."""
    for line in text.splitlines():
        match = _VERSION.search(line)
        if match:
            return match.group(1)
    return None


def package_version(raw: str) -> str:
    """A package manager's version without epoch or packaging revision.

    "1:128.3.1esr-1~deb12u1" -> "128.3.1esr"; "132.0-1" (snap) -> "132.0".
    """
    version = re.sub(r"^\d+:", "", raw.strip())
    return version.rsplit("-", 1)[0] if "-" in version else version


def version_key(version: str) -> tuple[int, ...]:
    """Numeric parts of the leading dotted version, for ordering ("128.3.1esr" -> (128, 3, 1))."""
    match = re.match(r"\d+(?:\.\d+)*", version.strip())
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


def is_below(version: str, minimum: str) -> bool:
    """True when `version` is older than `minimum`; missing parts count as zero (131 == 131.0)."""
    have, want = version_key(version), version_key(minimum)
    width = max(len(have), len(want))
    return have + (0,) * (width - len(have)) < want + (0,) * (width - len(want))


def is_minimum(text: str) -> bool:
    """Whether `text` is usable as a minimum version: dotted numbers such as "120" or "6.0.2"."""
    return _MINIMUM.fullmatch(text) is not None


def dpkg_versions(text: str, wanted: Collection[str]) -> dict[str, str]:
    """Installed packages from dpkg-query lines "package<TAB>status<TAB>version".

    Packages dpkg merely knows about ("un", "rc": removed, config files left) are not
    installed; the second status letter must be "i".
    """
    found = {}
    for line in text.splitlines():
        parts = line.split("\t")
        installed = len(parts) == 3 and len(parts[1]) >= 2 and parts[1][1] == "i"
        if installed and parts[0] in wanted and parts[2]:
            found[parts[0]] = package_version(parts[2])
    return found


def rpm_versions(text: str, wanted: Collection[str]) -> dict[str, str]:
    """Installed packages from `rpm -q --qf '%{NAME}\\t%{VERSION}\\n' NAME...`.

    rpm prints "package NAME is not installed" (no tab) for the others.
    """
    found = {}
    for line in text.splitlines():
        name, tab, version = line.partition("\t")
        if tab and name.strip() in wanted and version.strip():
            found[name.strip()] = version.strip()
    return found


def flatpak_versions(text: str, wanted: Collection[str]) -> dict[str, str]:
    """`flatpak list --app --columns=application,version` (tab-separated), only `wanted` ids."""
    found = {}
    for line in text.splitlines():
        app_id, _, version = line.partition("\t")
        if app_id.strip() in wanted and version.strip() and app_id.strip() not in found:
            found[app_id.strip()] = version.strip()
    return found


def snap_versions(text: str, wanted: Collection[str]) -> dict[str, str]:
    """`snap list` (a space-aligned table with a header), only `wanted` snaps."""
    found = {}
    for line in text.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 2 and columns[0] in wanted:
            found[columns[0]] = package_version(columns[1])
    return found


def reg_query(text: str) -> dict[str, dict[str, str]]:
    """`reg query KEY [/s]` output: key path -> {value name: data}. DWORDs become decimal."""
    keys: dict[str, dict[str, str]] = {}
    current: dict[str, str] | None = None
    for line in text.splitlines():
        if line.startswith("HKEY_"):
            current = keys.setdefault(line.strip(), {})
            continue
        match = _REG_VALUE.match(line.rstrip("\r"))
        if match and current is not None:
            name, kind, data = match.group(1), match.group(2), (match.group(3) or "").strip()
            if kind in ("REG_DWORD", "REG_QWORD") and data.startswith("0x"):
                data = str(int(data, 16))
            current[name] = data
    return keys


def uninstall_entries(text: str) -> list[tuple[str, str]]:
    """(DisplayName, DisplayVersion) of each Uninstall registry entry that has both."""
    return [
        (values["DisplayName"], values["DisplayVersion"])
        for values in reg_query(text).values()
        if values.get("DisplayName") and values.get("DisplayVersion")
    ]


def windows_os(text: str) -> tuple[str, str]:
    """(name, version) from `reg query "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion"`.

    Windows 11 still says "Windows 10" in ProductName; build 22000 and later is 11.
    The version is major.minor.build.UBR, as Windows release notes quote it.
    """
    values = next(iter(reg_query(text).values()), {})
    build = values.get("CurrentBuild") or values.get("CurrentBuildNumber") or "0"
    name = values.get("ProductName", "Windows")
    if int(build) >= 22000:
        name = name.replace("Windows 10", "Windows 11")
    parts = [
        values.get("CurrentMajorVersionNumber", "10"),
        values.get("CurrentMinorVersionNumber", "0"),
        build,
    ]
    if values.get("UBR"):
        parts.append(values["UBR"])
    return name, ".".join(parts)


def key_values(text: str, separator: str = "=") -> dict[str, str]:
    """KEY=value lines (os-release, quoted or not) or `Key:  value` lines (sw_vers)."""
    found = {}
    for line in text.splitlines():
        key, sep, value = line.partition(separator)
        if sep and key.strip() and not key.lstrip().startswith("#"):
            found[key.strip()] = value.strip().strip('"').strip("'")
    return found


def linux_os(os_release: str) -> tuple[str, str]:
    """(name, version) from /etc/os-release: NAME and VERSION_ID (BUILD_ID for rolling ones)."""
    values = key_values(os_release)
    name = values.get("NAME") or values.get("ID") or "Linux"
    return name, values.get("VERSION_ID") or values.get("BUILD_ID") or "unknown"


def macos_os(sw_vers: str) -> tuple[str, str]:
    """(name, version) from `sw_vers`: ProductName and ProductVersion."""
    values = key_values(sw_vers, ":")
    return values.get("ProductName", "macOS"), values.get("ProductVersion", "unknown")


def launchservices_browser(text: str) -> str | None:
    """The bundle id handling https (else http) in `defaults read ... LSHandlers`, lower case."""
    flat = re.sub(r"=\s*\{[^{}]*\};", "= nested;", text)  # drop LSHandlerPreferredVersions
    handlers: dict[str, str] = {}
    for block in re.findall(r"\{([^{}]*)\}", flat):
        scheme = re.search(r"LSHandlerURLScheme = \"?([^\";]+)\"?;", block)
        role = re.search(r"LSHandlerRoleAll = \"?([^\";]+)\"?;", block)
        if scheme and role and role.group(1) != "-":
            handlers.setdefault(scheme.group(1).lower(), role.group(1).lower())
    return handlers.get("https") or handlers.get("http")
