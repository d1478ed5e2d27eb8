"""The simulated fleet of `bench/fleet.py`: who the agents are and what they report.

Agents work an 8-hour shift on weekdays, starting at 06, 10 or 14 UTC; they report every
15 minutes of it (system, bandwidth, voice and noise, from `samples.py`) and once at the
end of each of 50-80 calls a day (`call_end`, one `call` check graded on MOS). One agent
in 20 has a poor link. Reports are parsed by the ingest validator, as uploads are.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from agentprobe.checks.voice import VoiceCheck
from agentprobe.collector.samples import sample_report
from agentprobe.collector.store import partitions
from agentprobe.collector.store.scaling import DAY, HOUR
from agentprobe.collector.validation import IncomingReport, parse, validate
from agentprobe.report import CheckResult, Context, Report

SHIFTS = (6, 10, 14)  # UTC start hours
TEAMS, SITES = 40, 7


def agent_name(number: int) -> str:
    return f"agent-{number:05d}"


def where(number: int) -> tuple[str, str, str]:
    """(team, site, location) of an agent."""
    location = "office" if number % 5 == 0 else "home"
    team = number % TEAMS  # each team works from one site
    return f"team-{team}", f"site-{team % SITES}", location


def call_report(agent: str, rng: random.Random, created: datetime, context: Context) -> Report:
    mos = round(min(4.41, rng.gauss(4.2, 0.25)), 2)
    metrics: dict[str, Any] = {"duration_s": rng.randint(60, 900), "mos": mos, "codec": "opus"}
    status = VoiceCheck.bands["mos"].grade(mos)
    check = CheckResult("call", status, f"call MOS {mos}", metrics)
    stamp = created.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Report(agent, [check], trigger="call_end", context=context, created_at=stamp)


def agent_day(number: int, day: int, rng: random.Random, quality: float) -> Iterator[Report]:
    """One agent's reports on one working day: every 15 minutes of the shift, and calls."""
    start = day + SHIFTS[number % len(SHIFTS)] * HOUR
    team, site, location = where(number)
    agent = agent_name(number)
    for slot in range(32):
        created = datetime.fromtimestamp(start + slot * 900 + rng.uniform(0, 30), UTC)
        yield sample_report(agent, rng, created, team, site, quality)
    context = Context(team=team, site=site, location=location)
    for _ in range(rng.randint(50, 80)):
        created = datetime.fromtimestamp(start + rng.uniform(0, 8 * HOUR), UTC)
        yield call_report(agent, rng, created, context)


def working_days(now: float, days: int) -> list[int]:
    today = partitions.day_start(now)
    first = today - (days - 1) * DAY
    return [
        d for d in range(first, today + 1, DAY) if datetime.fromtimestamp(d, UTC).isoweekday() < 6
    ]


def raw_agent(number: int, days: list[int], now: float) -> list[IncomingReport]:
    rng = random.Random(number)
    quality = 0.3 if number % 20 == 0 else rng.uniform(0.8, 1.0)
    items = []
    for day in days:
        for report in agent_day(number, day, rng, quality):
            incoming = validate(*parse(report.to_json().encode()))
            if incoming.created_ts <= now:
                items.append(incoming)
    return items
