"""A synthetic fleet for the KPI tests: reports per agent-day and KPI files with a known effect.

16 agents in two teams over 16 days. Three in four are hybrid (in the office on Tuesdays
and Thursdays, reports from the office network's address), the rest always at home; a
third work on Wi-Fi at home. On about a quarter of home days the link is bad (quality
0.05: voice and bandwidth fail). The KPI file's handle time rises by `aht_effect_s` on
exactly those days, and CSAT falls by `csat_effect`; with both zero, nothing depends on
health. Every draw comes from one seeded generator, and the 16 days end on the Wednesday
before today, so each weekday falls on the same day of the plan whenever the test runs:
a test sees the same fleet always, and a statistical assertion cannot pass on Monday and
fail on Tuesday.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from agentprobe.collector import samples
from agentprobe.report import CheckResult, Context, Report, Status
from tests.rigs.collector import RunningCollector

TEAMS = ("blue", "red")
SITES = ("lisbon", "porto")
AGENTS = 16
DAYS = 16
OFFICE_WEEKDAYS = (1, 3)  # Tuesday, Thursday
LAST_WEEKDAY = 2  # the plan ends on a Wednesday
BAD_SHARE = 0.25


@dataclass
class AgentDayPlan:
    agent_id: str
    team: str
    site: str
    day: date
    office: bool
    wifi: bool
    bad: bool


@dataclass
class Fleet:
    days: list[AgentDayPlan] = field(default_factory=list)

    def agents(self) -> list[str]:
        return sorted({d.agent_id for d in self.days})


def plan(seed: int = 7, today: date | None = None) -> Fleet:
    rng = random.Random(seed)
    today = today or datetime.now(UTC).date()
    today -= timedelta(days=(today.weekday() - LAST_WEEKDAY) % 7 or 7)  # before today
    fleet = Fleet()
    for n in range(AGENTS):
        agent_id, team, site = f"agent-{n:02d}", TEAMS[n % 2], SITES[(n // 2) % 2]
        hybrid, wifi = n % 4 != 3, n % 3 == 0
        for back in range(DAYS - 1, -1, -1):
            day = today - timedelta(days=back)
            office = hybrid and day.weekday() in OFFICE_WEEKDAYS
            bad = not office and rng.random() < BAD_SHARE
            fleet.days.append(AgentDayPlan(agent_id, team, site, day, office, wifi, bad))
    return fleet


def home_bad_share(fleet: Fleet, team: str | None = None) -> float:
    """The mean over hybrid agents of their share of bad home days: what pairing recovers."""
    shares = []
    for agent in fleet.agents():
        days = [d for d in fleet.days if d.agent_id == agent and team in (None, d.team)]
        home = [d for d in days if not d.office]
        if home and len(home) < len(days):
            shares.append(sum(d.bad for d in home) / len(home))
    return sum(shares) / len(shares)


def _network(rng: random.Random, wifi: bool) -> CheckResult:
    metrics: dict[str, float | str | bool] = {
        "interface_type": "wifi" if wifi else "ethernet",
        "gateway_rtt_ms": round(rng.uniform(1, 6), 2),
        "dns_ms": round(rng.uniform(5, 30), 1),
        "vpn_active": False,
    }
    if wifi:
        metrics["wifi_rssi_dbm"] = -58.0
    return CheckResult("network", Status.PASS, "link up", metrics)


def _call(rng: random.Random, bad: bool) -> CheckResult:
    mos = round(rng.uniform(2.6, 3.3) if bad else rng.uniform(4.1, 4.4), 2)
    status = Status.FAIL if mos < 3.5 else Status.PASS
    metrics: dict[str, float | str | bool] = {
        "duration_s": 240.0,
        "transport": "rtp",
        "codec": "g711",
        "rx_loss_pct": 4.0 if bad else 0.1,
        "rx_jitter_ms": 40.0 if bad else 4.0,
        "mos": mos,
    }
    return CheckResult("call", status, f"call MOS {mos}", metrics)


def reports(fleet: Fleet, seed: int = 11) -> list[tuple[AgentDayPlan, Report]]:
    """A scheduled report and a finished call per agent-day, with their plan."""
    rng = random.Random(seed)
    made = []
    for d in fleet.days:
        quality = 0.05 if d.bad else 1.0
        context = Context(team=d.team, site=d.site, location="unknown")
        for hour in (9,):
            created = datetime(d.day.year, d.day.month, d.day.day, hour, 0, tzinfo=UTC)
            checks = [
                samples.system(rng),
                _network(rng, d.wifi and not d.office),
                samples.bandwidth(rng, quality),
                samples.voice(rng, quality),
            ]
            made.append((d, _report(d, checks, "schedule", context, created)))
        created = datetime(d.day.year, d.day.month, d.day.day, 11, 30, tzinfo=UTC)
        made.append((d, _report(d, [_call(rng, d.bad)], "call_end", context, created)))
    return made


def _report(
    d: AgentDayPlan, checks: list[CheckResult], trigger: str, context: Context, at: datetime
) -> Report:
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return Report(d.agent_id, checks, trigger=trigger, context=context, created_at=stamp)


def kpi_csv(fleet: Fleet, aht_effect_s: float, csat_effect: float, seed: int = 5) -> str:
    """The contact-center export: one row per agent-day, native columns."""
    rng = random.Random(seed)
    base = {agent: rng.gauss(300, 20) for agent in fleet.agents()}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["agent_id", "date", "aht_s", "csat", "fcr_pct", "calls_handled"])
    for d in fleet.days:
        aht = base[d.agent_id] + rng.gauss(0, 25) + (aht_effect_s if d.bad else 0.0)
        csat = min(5.0, max(1.0, rng.gauss(4.3, 0.3) - (csat_effect if d.bad else 0.0)))
        fcr = min(100.0, max(0.0, rng.gauss(78, 6)))
        calls = max(0, round(rng.gauss(28, 4)))
        writer.writerow(
            [d.agent_id, d.day.isoformat(), f"{aht:.1f}", f"{csat:.2f}", f"{fcr:.1f}", calls]
        )
    return out.getvalue()


class SourceAddress(HTTPAdapter):
    """A requests adapter whose connections leave from one local address (127.0.0.x)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("https://", SourceAddress(address))
    return session


def post_fleet(rig: RunningCollector, fleet: Fleet, office_address: str) -> int:
    """Enrol every agent and post its reports, office days from `office_address`."""
    tokens = {agent: rig.enroll(agent) for agent in fleet.agents()}
    home, office = session_from("127.0.0.1"), session_from(office_address)
    posted = 0
    try:
        for plan, report in reports(fleet):
            session = office if plan.office else home
            answer = session.post(
                f"{rig.url}/api/v1/reports",
                data=report.to_json(),
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {tokens[plan.agent_id]}",
                },
                verify=str(rig.ca_file),
                timeout=15,
            )
            assert answer.status_code == 201, answer.text
            posted += 1
    finally:
        home.close()
        office.close()
    return posted
