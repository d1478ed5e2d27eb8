"""The `software` check: OS, agentprobe, browser and softphone versions, and what changed.

Contact centers lose calls when an update lands under the agent: a browser update breaks
the web softphone, a softphone update changes its audio handling, an OS update resets
the default browser. This check reads the versions of only the apps named in
`[software]` (the privacy rules in the README) and puts each into the check's inventory,
so the runner turns a version change into a `change` event such as `software.chromium:
130.0 -> 131.0`.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from typing import ClassVar

from agentprobe import __version__
from agentprobe.checks.base import Check, Environment, Metric
from agentprobe.config.spec import CheckConfig, every, setting
from agentprobe.report import CheckResult, MetricValue, Status, worst
from agentprobe.software import inventory
from agentprobe.software.apps import BY_NAME, DEFAULT_APPS, App, lookup
from agentprobe.software.host import Host, LocalHost
from agentprobe.software.inventory import Inventory
from agentprobe.software.parse import is_below, is_minimum

NOT_INSTALLED = "not installed"


def _apps_reason(names: list[str]) -> str | None:
    unknown = [name for name in names if name not in BY_NAME]
    return f"unknown app {unknown[0]!r} (known: {', '.join(BY_NAME)})" if unknown else None


def _minimums_reason(table: dict[str, str]) -> str | None:
    for name, version in table.items():
        if name not in BY_NAME:
            return f"unknown app {name!r} (known: {', '.join(BY_NAME)})"
        if not is_minimum(version):
            return f'{name}: expected a version such as "120" or "6.0.2", got {version!r}'
    return None


@dataclass(frozen=True)
class SoftwareConfig(CheckConfig):
    interval: float = every(3600.0)
    apps: list[str] = setting(
        list(DEFAULT_APPS),
        "browsers and softphones to inventory; nothing else is looked for",
        check=_apps_reason,
    )
    min_versions: dict[str, str] = setting(
        {},
        'oldest acceptable version per app, e.g. {chrome = "120", zoom = "6.0"}; older warns',
        check=_minimums_reason,
    )

    def softphone_processes(self) -> list[str]:
        """Process names of the listed softphones (the daemon's call signal watches them)."""
        apps = [BY_NAME[name] for name in self.apps if name in BY_NAME]
        return [p for app in apps if app.kind == "softphone" for p in app.processes or app.binaries]


class SoftwareCheck(Check[SoftwareConfig]):
    """Which OS, browser and softphone this agent has, at which versions."""

    name = "software"
    description = "OS, agentprobe, browser and softphone versions; version changes become events"
    config_class = SoftwareConfig
    metrics: ClassVar[dict[str, Metric]] = {
        "os_name": Metric(
            "text", "operating system name (Windows 11 Pro, macOS, Debian GNU/Linux)"
        ),
        "os_version": Metric("text", "OS version (Windows: major.minor.build.UBR)"),
        "agentprobe_version": Metric("text", "version of agentprobe itself"),
        "python_version": Metric("text", "version of the Python running agentprobe"),
        "apps_found": Metric("count", "apps from [software] apps that are installed"),
        "apps_running": Metric("count", "apps from [software] apps with a running process"),
        "apps_outdated": Metric("count", "installed apps older than [software] min_versions"),
        "apps_installed": Metric(
            "text", 'each installed listed app as "name version", comma-separated'
        ),
        "browser_name": Metric("text", "the OS default browser if listed, else the first found"),
        "browser_version": Metric("text", "version of browser_name"),
        "browser_default": Metric("bool", "browser_name is the OS default browser"),
        "browser_running": Metric("bool", "browser_name has a running process"),
        "softphone_name": Metric("text", "the first listed softphone running, else installed"),
        "softphone_version": Metric("text", "version of softphone_name"),
        "softphone_running": Metric("bool", "softphone_name has a running process"),
    }
    headline = ("os_version", "browser_name", "browser_version", "softphone_name")

    def __init__(self, config: SoftwareConfig, host: Host) -> None:
        super().__init__(config)
        self.host = host

    @classmethod
    def create(cls, config: SoftwareConfig, env: Environment) -> SoftwareCheck:
        return cls(config, LocalHost())

    def collect(self) -> CheckResult:
        apps = lookup([*self.config.apps, *self.config.min_versions])
        found = inventory.take(self.host, apps)
        metrics = self._metrics(found, apps)
        outdated = self._outdated(found, apps)
        metrics["apps_outdated"] = len(outdated)
        statuses, advice = [Status.PASS], list(outdated)
        if outdated:
            statuses.append(Status.WARN)
        # Nothing found at all means either the agent has no way to take calls or the list
        # does not name the tools this site uses; both leave IT blind to the updates that
        # break calls, so it is worth a warning, never a failure (the PC itself is fine).
        if apps and not found.versions:
            statuses.append(Status.WARN)
            advice.append(
                "None of the browsers or softphones in [software] apps was found: install the "
                "contact-center softphone or a supported browser, or add the one in use."
            )
        summary = _summary(metrics, len(apps))
        result = CheckResult(self.name, worst(statuses), summary, metrics, advice)
        result.inventory = _inventory(found, apps)
        return result

    def _metrics(self, found: Inventory, apps: list[App]) -> dict[str, MetricValue]:
        metrics: dict[str, MetricValue] = {
            "os_name": found.os_name,
            "os_version": found.os_version,
            "agentprobe_version": __version__,
            "python_version": platform.python_version(),
            "apps_found": len(found.versions),
            "apps_running": len(found.running),
            "apps_installed": ", ".join(f"{n} {v}" for n, v in found.versions.items()),
        }
        browser = _pick(found, apps, "browser", found.default_browser)
        if browser:
            metrics.update(_app_metrics("browser", browser, found))
            metrics["browser_default"] = browser == found.default_browser
        softphone = _pick(found, apps, "softphone", None)
        if softphone:
            metrics.update(_app_metrics("softphone", softphone, found))
        return metrics

    def _outdated(self, found: Inventory, apps: list[App]) -> list[str]:
        advice = []
        for app in apps:
            minimum = self.config.min_versions.get(app.name)
            version = found.versions.get(app.name)
            if minimum and version and is_below(version, minimum):
                advice.append(
                    f"Update {app.label} from {version} to {minimum} or later "
                    f"(the minimum set in [software] min_versions)."
                )
        return advice


def _pick(found: Inventory, apps: list[App], kind: str, preferred: str | None) -> str | None:
    """The app of `kind` to report: `preferred` if installed, else a running one, else the first."""
    installed = [app.name for app in apps if app.kind == kind and app.name in found.versions]
    if preferred in installed:
        return preferred
    running = [name for name in installed if name in found.running]
    choices = running or installed
    return choices[0] if choices else None


def _app_metrics(prefix: str, name: str, found: Inventory) -> dict[str, MetricValue]:
    return {
        f"{prefix}_name": name,
        f"{prefix}_version": found.versions[name],
        f"{prefix}_running": name in found.running,
    }


def _inventory(found: Inventory, apps: list[App]) -> dict[str, str]:
    """What is compared run to run. A listed app that disappears changes to "not installed"."""
    items = {
        "software.os": f"{found.os_name} {found.os_version}",
        "software.agentprobe": __version__,
        "software.python": platform.python_version(),
    }
    if found.default_browser:
        items["software.default_browser"] = found.default_browser
    for app in apps:
        items[f"software.{app.name}"] = found.versions.get(app.name, NOT_INSTALLED)
    return items


def _summary(m: dict[str, MetricValue], listed: int) -> str:
    parts = [f"{m['os_name']} {m['os_version']}"]
    for kind in ("browser", "softphone"):
        name = m.get(f"{kind}_name")
        if isinstance(name, str):
            default = " (default)" if kind == "browser" and m.get("browser_default") else ""
            parts.append(f"{BY_NAME[name].label} {m[f'{kind}_version']}{default}")
        else:
            parts.append(f"no listed {kind} found")
    counts = f"{m['apps_found']} of {listed} listed apps installed, {m['apps_running']} running"
    if m["apps_outdated"]:
        counts += f", {m['apps_outdated']} below the minimum version"
    return "; ".join([*parts, counts])
