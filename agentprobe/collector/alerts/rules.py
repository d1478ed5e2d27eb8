"""The collector's config file: alert rules and webhooks, validated like the agent's config.

```toml
[alerts]
interval = "1m"                 # how often rules are evaluated

[[rule]]
name = "agent-failing"
kind = "status"                 # status | metric | silent | readiness
failing = 3                     # raised when N ...
of_last = 5                     # ... of the agent's last M reports fail
clear_after = "30m"             # cleared once the condition has not held for this long

[[webhook]]
name = "ops-channel"
url = "https://hooks.example.com/..."
format = "slack"                # json | slack | teams
```

Each section is a `config.spec` dataclass, so a bad file is one line naming the file, the
key and the reason (exit 3), as for the agent. Without any `[[rule]]` the default rules
below apply; without a `[[webhook]]` alerts are kept and shown but sent nowhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agentprobe.collector.figures import FIGURE_COLUMNS
from agentprobe.config.load import read_toml
from agentprobe.config.shifts import parse_shift
from agentprobe.config.spec import ConfigError, parse_section, setting

KINDS = ("status", "metric", "silent", "readiness")
METRICS = FIGURE_COLUMNS
FORMATS = ("json", "slack", "teams")
SECTIONS = ("alerts", "rule", "webhook")
UNSET = float("nan")  # below/above not given


def _shifts(value: list[str]) -> str | None:
    for text in value:
        try:
            parse_shift(text)
        except ValueError as error:
            return str(error)
    return None


def _url(value: str) -> str | None:
    return None if value.startswith(("https://", "http://")) else "must start with https://"


@dataclass(frozen=True)
class AlertsSection:
    interval: float = setting(60.0, "how often rules are evaluated", duration=True, minimum=1)
    lookback: float = setting(
        7 * 86400.0, "reports older than this are not looked at", duration=True, minimum=3600
    )


@dataclass(frozen=True)
class Rule:
    name: str = setting("", "the alert's name, unique (sent as `alert`)")
    kind: str = setting("status", "what is watched", choices=KINDS)
    check: str = setting("", "status: one check's status (default: the report's)")
    metric: str = setting("", "metric rules: a key figure", choices=("", *METRICS))
    trigger: str = setting("", "only reports of this trigger (call_end: calls)")
    below: float = setting(UNSET, "metric: raised when the figure is under this")
    above: float = setting(UNSET, "metric: raised when the figure is over this")
    failing: int = setting(3, "raised when this many ...", minimum=1, maximum=1000)
    of_last: int = setting(5, "... of the agent's last this many reports", minimum=1, maximum=1000)
    clear_after: float = setting(1800.0, "quiet time before clearing", duration=True, minimum=0)
    silent_for: float = setting(1800.0, "silent: no report for this long", duration=True)
    shifts: list[str] = setting(
        [], 'silent: during these shifts ("Mon-Fri 08:00-17:00"); empty: always', check=_shifts
    )
    timezone: str = setting("UTC", "silent: the zone the shifts are in (IANA name)")
    below_pct: float = setting(80.0, "readiness: raised under this %", minimum=0, maximum=100)
    window: float = setting(
        86400.0, "readiness: agents whose latest report is this recent", duration=True, minimum=60
    )
    team: str = setting("", "only this team's agents (default: every team)")


@dataclass(frozen=True)
class Webhook:
    name: str = setting("", "the webhook's name, unique (in the delivery log)")
    url: str = setting("", "where to POST", check=_url)
    format: str = setting("json", "body: json (generic), slack or teams", choices=FORMATS)
    ca_file: str = setting("", "PEM to trust for this URL; default: the system trust store")
    timeout: float = setting(10.0, "per attempt", duration=True, minimum=1, maximum=120)
    retries: int = setting(8, "attempts before giving up", minimum=1, maximum=100)
    backoff: float = setting(30.0, "first retry delay, doubling", duration=True, minimum=0)


DEFAULT_RULES = (
    Rule(name="agent-failing", kind="status", failing=3, of_last=5),
    Rule(
        name="low-mos-on-calls",
        kind="metric",
        metric="mos",
        trigger="call_end",
        below=3.5,
        failing=2,
        of_last=3,
    ),
    Rule(name="silent-on-shift", kind="silent", shifts=["Mon-Fri 08:00-18:00"]),
    Rule(name="team-readiness", kind="readiness", below_pct=80.0),
)


@dataclass(frozen=True)
class AlertConfig:
    alerts: AlertsSection = field(default_factory=AlertsSection)
    rules: tuple[Rule, ...] = DEFAULT_RULES
    webhooks: tuple[Webhook, ...] = ()
    source: Path | None = None


def load_alert_config(path: Path | None) -> AlertConfig:
    """The config in `path` (None: the defaults), or ConfigError naming file, key and reason."""
    if path is None:
        return AlertConfig()
    data = read_toml(path)
    for name in data:
        if name not in SECTIONS:
            raise ConfigError(path, f"[{name}]", f"unknown section (known: {', '.join(SECTIONS)})")
    alerts = parse_section(AlertsSection, data.get("alerts", {}), "alerts", path)
    rules = tuple(_rule(table, i, path) for i, table in enumerate(_tables(data, "rule", path)))
    hooks = tuple(
        parse_section(Webhook, table, f"webhook.{i + 1}", path)
        for i, table in enumerate(_tables(data, "webhook", path))
    )
    _unique([rule.name for rule in rules], "rule", path)
    _unique([hook.name for hook in hooks], "webhook", path)
    for index, hook in enumerate(hooks):
        _required(hook.url, f"[webhook.{index + 1}] url", path)
    return AlertConfig(alerts, rules or DEFAULT_RULES, hooks, path)


def _tables(data: dict[str, Any], name: str, path: Path) -> list[Any]:
    value = data.get(name, [])
    if not isinstance(value, list):
        raise ConfigError(path, f"[{name}]", f"write it as [[{name}]], an array of tables")
    return value


def _required(value: str, key: str, path: Path) -> None:
    if not value:
        raise ConfigError(path, key, "is required")


def _unique(names: list[str], what: str, path: Path) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        _required(name, f"[{what}.{index + 1}] name", path)
        if name in seen:
            raise ConfigError(path, f"[{what}.{index + 1}] name", f"{name!r} is used twice")
        seen.add(name)


def _rule(table: Any, index: int, path: Path) -> Rule:
    where = f"rule.{index + 1}"
    rule = parse_section(Rule, table, where, path)
    given = [side for side in ("below", "above") if side in table]
    if rule.kind == "metric":
        _required(rule.metric, f"[{where}] metric", path)
        if len(given) != 1:
            raise ConfigError(path, f"[{where}] below", "give exactly one of below or above")
    elif rule.metric or given:
        key = "metric" if rule.metric else given[0]
        raise ConfigError(path, f"[{where}] {key}", f'only for kind = "metric", not {rule.kind!r}')
    if rule.failing > rule.of_last:
        raise ConfigError(path, f"[{where}] failing", "must not be more than of_last")
    try:
        ZoneInfo(rule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            path, f"[{where}] timezone", f"unknown time zone {rule.timezone!r}"
        ) from None
    return replace(rule)
