"""A synthetic fleet over weeks: hundreds of agents, their reports, changes and incidents.

For demos and for tests of the operations views. Each agent has a home setup (Wi-Fi or a
cable, a headset or the laptop microphone) and a quality; reports come every few hours.
Two things happen on the way, so the views have something to find:

- a browser update: on `update_at`, the agents of `update_team` move from one Chrome
  version to the next (a `software.chrome` change event), and their voice path degrades
  after it;
- an ISP incident: for `incident_hours` from `incident_at`, the agents of
  `incident_site` get a poor link.

Some agents switch to the laptop microphone midway (an `audio.default_input` change).
Deterministic for a given seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agentprobe.collector.samples import Setup, sample_report
from agentprobe.report import Event, Report

TEAMS = ("billing", "sales", "support", "retention")
SITES = ("lisbon", "porto", "leeds")
OLD_BROWSER = "130.0.6723.91"
NEW_BROWSER = "131.0.6778.69"
HEADSET = "Jabra Evolve2 40"
LAPTOP_MIC = "Built-in Microphone"


@dataclass(frozen=True)
class FleetPlan:
    """What the fleet looks like and what happens to it."""

    agents: int = 200
    days: float = 14.0
    every_hours: float = 6.0
    end: datetime = field(default_factory=lambda: datetime.now(UTC))
    update_team: str = "sales"
    update_after_days: float = 4.0  # before `end`
    update_voice_quality: float = 0.15
    incident_site: str = "porto"
    incident_after_days: float = 9.0  # before `end`
    incident_hours: float = 5.0
    seed: int = 7

    @property
    def start(self) -> datetime:
        return self.end - timedelta(days=self.days)

    @property
    def update_at(self) -> datetime:
        return self.end - timedelta(days=self.update_after_days)

    @property
    def incident_at(self) -> datetime:
        return self.end - timedelta(days=self.incident_after_days)


@dataclass
class Member:
    agent_id: str
    team: str
    site: str
    quality: float
    setup: Setup
    mic_switch: datetime | None


def members(plan: FleetPlan) -> list[Member]:
    """The fleet's agents with their setups (the same for a given plan)."""
    rng = random.Random(plan.seed)
    found = []
    for index in range(plan.agents):
        wifi = rng.random() < 0.45
        setup = Setup(
            wifi=wifi,
            wifi_rssi_dbm=rng.choice((-48.0, -52.0, -58.0, -62.0, -66.0, -71.0, -79.0))
            if wifi
            else -55.0,
            location="home" if rng.random() < 0.85 else "office",
            room_dbfs=rng.choice((-74.0, -74.0, -72.0, -70.0, -66.0, -56.0)),
        )
        switch = plan.start + timedelta(days=rng.uniform(1, plan.days - 1))
        found.append(
            Member(
                agent_id=f"agent-{index:03d}",
                team=TEAMS[index % len(TEAMS)],
                site=SITES[(index // len(TEAMS)) % len(SITES)],
                quality=rng.choice((1.0, 1.0, 1.0, 0.9, 0.8, 0.6, 0.25)),
                setup=setup,
                mic_switch=switch if rng.random() < 0.05 else None,
            )
        )
    return found


def _state(plan: FleetPlan, member: Member, moment: datetime) -> tuple[Setup, float, float]:
    """(setup, quality, voice quality) of one agent at one moment."""
    setup, quality = member.setup, member.quality
    voice = quality
    updated = member.team == plan.update_team and moment >= plan.update_at
    if updated:
        setup = Setup(**{**setup.__dict__, "browser_version": NEW_BROWSER})
        voice = quality * plan.update_voice_quality
    if member.mic_switch is not None and moment >= member.mic_switch:
        setup = Setup(**{**setup.__dict__, "headset": False})
    incident_end = plan.incident_at + timedelta(hours=plan.incident_hours)
    if member.site == plan.incident_site and plan.incident_at <= moment < incident_end:
        quality = voice = 0.08
    return setup, quality, voice


def _events(plan: FleetPlan, member: Member, before: datetime, now: datetime) -> list[Event]:
    """Change events of the changes that happened in (before, now]."""
    at = _stamp(now)
    found = []
    if member.team == plan.update_team and before < plan.update_at <= now:
        found.append(Event("change", "software.chrome", OLD_BROWSER, NEW_BROWSER, at))
    if member.mic_switch is not None and before < member.mic_switch <= now:
        found.append(Event("change", "audio.default_input", HEADSET, LAPTOP_MIC, at))
    return found


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def fleet_reports(plan: FleetPlan) -> Iterator[Report]:
    """Every report of the fleet, agent by agent, oldest first within an agent."""
    rng = random.Random(plan.seed + 1)
    step = timedelta(hours=plan.every_hours)
    for member in members(plan):
        moment = plan.start + timedelta(minutes=rng.uniform(0, plan.every_hours * 60))
        previous = moment - step
        while moment <= plan.end:
            setup, quality, voice = _state(plan, member, moment)
            yield sample_report(
                member.agent_id,
                rng,
                created=moment,
                team=member.team,
                site=member.site,
                quality=quality,
                setup=setup,
                voice_quality=voice,
                events=_events(plan, member, previous, moment),
            )
            previous, moment = moment, moment + step + timedelta(minutes=rng.uniform(-20, 20))
