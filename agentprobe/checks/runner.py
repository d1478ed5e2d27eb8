"""Running a selection of checks into one report: the shared core of `check` and the daemon."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from agentprobe.checks.base import Check, Environment
from agentprobe.checks.changes import InventoryStore
from agentprobe.checks.registry import CHECKS, by_name
from agentprobe.checks.voice import VoiceCheck, VoiceConfig
from agentprobe.config.sections import Config
from agentprobe.report import CheckResult, Context, Report, Status
from agentprobe.uplink.access import CollectorAccess


class UnknownCheck(ValueError):
    """A check name that is not registered."""


def select(names: Sequence[str] = ()) -> list[type[Check]]:
    """The named checks in registry order, or all the scheduled ones. Raises UnknownCheck."""
    known = by_name()
    for name in names:
        if name not in known:
            raise UnknownCheck(f"unknown check {name!r} (known: {', '.join(known)})")
    if not names:
        return [check for check in CHECKS if check.scheduled]
    return [check for check in CHECKS if check.name in names]


def environment(
    config: Config,
    data_dir: Path | None = None,
    token: str | None = None,
    options: dict[str, Any] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Environment:
    """The environment for `config`'s checks (the data dir is the config's unless given)."""
    voice = config.checks.get(VoiceCheck.name)
    return Environment(
        data_dir if data_dir is not None else config.data_dir,
        CollectorAccess(config.collector, token),
        config.streams,
        voice.reflector if isinstance(voice, VoiceConfig) else "",
        options or {},
        progress or (lambda label, fraction: None),
    )


def run_one(check_class: type[Check], config: Config, env: Environment) -> CheckResult:
    """Build and run one check; disabled or unbuildable checks still yield a result."""
    section = config.check(check_class.name)
    if not section.enabled:
        return CheckResult(
            check_class.name,
            Status.SKIP,
            f"disabled in config ([{check_class.name}] enabled = false)",
        )
    try:
        check = check_class.create(section, env)
    except Exception as exc:  # a missing library or device must not stop the other checks
        return CheckResult(
            check_class.name, Status.ERROR, f"could not start: {type(exc).__name__}: {exc}"
        )
    return check.run()


def run_checks(
    config: Config,
    env: Environment,
    checks: Sequence[type[Check]],
    trigger: str = "manual",
    in_call: bool = False,
    inventory: InventoryStore | None = None,
    on_result: Callable[[CheckResult], None] = lambda result: None,
) -> Report:
    """Run `checks` one after another into a report; changes since last time become events."""
    results = []
    for check_class in checks:
        result = run_one(check_class, config, env)
        on_result(result)
        results.append(result)
    events = [event for result in results for event in result.events]
    if inventory is not None:
        merged = {key: value for result in results for key, value in result.inventory.items()}
        events.extend(inventory.update(merged))
    context = Context(config.agent.team, config.agent.site, config.agent.location, in_call)
    return Report(config.agent_id, results, trigger, context, events)
