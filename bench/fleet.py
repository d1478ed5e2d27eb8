"""A simulated fleet in PostgreSQL, and how long the fleet and per-agent reads take on it.

Loads `--agents` agents (10,000) × `--days` days (30) into a private PostgreSQL cluster:
agents work an 8-hour shift on weekdays (06, 10 or 14 UTC), report every 15 minutes of it
and once per call (50-80 calls a day, `call_end`). The first `--raw-agents` agents get
every report as raw rows (made by `samples.py` and parsed by the ingest validator, then
COPYed, with their rollups counted by the ingest code); the others get hourly (last 14
days, as kept) and daily rollup rows of the same shape drawn in SQL, because 10,000 × 30
days of raw reports (about 21 million, 40 GB) do not fit this machine's time and disk.
Fleet summaries read only rollups, so their cost depends on the 10,000 agents; per-agent
reads use raw rows of one agent, whose cost depends on that agent's rows and the
partitions, not on how many other agents there are.

Then it times, 5 runs each (first run cold): the fleet summary over 24 h and 30 days, the
per-agent export (`GET /api/v1/agents/{id}/reports`, every report of the window in one
page) and the agent timeline (the dashboard's agent page: its latest 500 reports in the
window and their charts).

    python bench/fleet.py [--agents 10000] [--days 30] [--raw-agents 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg

from agentprobe.collector.store import partitions, queries, rollups
from agentprobe.collector.store.fleet import fleet_summary
from agentprobe.collector.store.scaling import COUNTS, DAY, HOUR, ROLLUP_KEY
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.validation import IncomingReport
from agentprobe.collector.web.series import agent_charts
from bench.simulation import SHIFTS, SITES, TEAMS, agent_name, raw_agent, where, working_days
from tests.rigs.postgres import Cluster, binaries, start_cluster

# The settings the README recommends for a collector database, scaled to this machine.
PG_SETTINGS = {
    "max_connections": "200",
    "shared_buffers": "1GB",
    "work_mem": "64MB",
    "effective_cache_size": "8GB",
    "max_parallel_workers_per_gather": "2",
    "jit": "off",
}
RUNS = 5


def copy_raw(connection: psycopg.Connection[Any], items: list[IncomingReport], now: float) -> None:
    columns = (
        "report_id, agent_id, created_ts, received_ts, status, trigger, team, site, location, body"
    )
    with connection.cursor().copy(f"COPY reports ({columns}) FROM STDIN") as copy:
        for i in items:
            copy.write_row(
                (
                    i.report_id,
                    i.agent_id,
                    i.created_ts,
                    i.created_ts + 1,
                    i.status,
                    i.trigger,
                    i.team,
                    i.site,
                    i.location,
                    i.body,
                )
            )
    with connection.cursor().copy(
        "COPY report_checks (report_id, created_ts, agent_id, name, status) FROM STDIN"
    ) as copy:
        for i in items:
            for name, status in i.checks:
                copy.write_row((i.report_id, i.created_ts, i.agent_id, name, status))
    hourly_from = now - rollups.HOURLY_KEEP_DAYS * DAY
    for table, width in (("rollup_hourly", HOUR), ("rollup_daily", DAY)):  # fleet ones: later
        rows = [(*k, *v) for k, v in rollups.counts(items, width).items()]
        if table == "rollup_hourly":
            rows = [row for row in rows if float(row[1]) >= hourly_from]
        with connection.cursor().copy(
            f"COPY {table} ({', '.join((*ROLLUP_KEY, *COUNTS))}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)


SYNTHETIC = """
WITH ag AS (
    SELECT a, ({shifts})[1 + a %% 3] AS shift, CASE WHEN a %% 20 = 0 THEN 0.3 ELSE 0.02 END AS bad
    FROM generate_series(%(lo)s::int, %(hi)s::int) a),
buckets AS (
    SELECT b FROM generate_series(%(first)s::bigint, %(last)s::bigint, %(width)s::bigint) b
    WHERE extract(isodow FROM to_timestamp(b) AT TIME ZONE 'UTC') < 6),
checks(name, per_hour) AS (VALUES ('', 12), ('system', 4), ('network', 4), ('bandwidth', 2),
    ('voice', 4), ('noise', 4), ('audio_devices', 4), ('call', 8))
INSERT INTO {table} (check_name, bucket_ts, agent_id, team, site, location,
                     reports, pass, warn, fail, error, skip)
SELECT c.name, b, 'agent-' || lpad(a::text, 5, '0'), 'team-' || (a %% {teams}),
       'site-' || (a %% {teams} %% {sites}), CASE WHEN a %% 5 = 0 THEN 'office' ELSE 'home' END,
       n, n - w - f, w, f, 0, 0
FROM ag, buckets, checks c,
     LATERAL (SELECT c.per_hour * %(hours)s AS n) x,
     LATERAL (SELECT floor(random() * n * 0.1)::int AS w, floor(random() * n * ag.bad)::int AS f) y
WHERE %(width)s::bigint = 86400
   OR extract(hour FROM to_timestamp(b) AT TIME ZONE 'UTC') BETWEEN shift AND shift + 7
"""


def synthetic_rollups(
    connection: psycopg.Connection[Any], first: int, count: int, now: float, days: int
) -> None:
    today = partitions.day_start(now)
    shifts = "ARRAY[" + ", ".join(map(str, SHIFTS)) + "]"
    for table, width, start, hours in (
        ("rollup_hourly", HOUR, today - (rollups.HOURLY_KEEP_DAYS - 1) * DAY, 1),
        ("rollup_daily", DAY, today - (days - 1) * DAY, 8),
    ):
        last = int(now // width * width) - width if width == HOUR else today
        sql = SYNTHETIC.format(table=table, shifts=shifts, teams=TEAMS, sites=SITES)
        params = {
            "lo": first,
            "hi": count - 1,
            "first": start,
            "last": last,
            "width": width,
            "hours": hours,
        }
        connection.execute(sql, params)  # type: ignore[arg-type]
    for fleet, agents in (("fleet_hourly", "rollup_hourly"), ("fleet_daily", "rollup_daily")):
        key = "check_name, bucket_ts, team, site, location"
        sums = ", ".join(f"sum({c})" for c in COUNTS)
        connection.execute(
            f"INSERT INTO {fleet} ({key}, {', '.join(COUNTS)}) "  # type: ignore[arg-type]
            f"SELECT {key}, {sums} FROM {agents} GROUP BY {key}"
        )


def copy_agents(connection: psycopg.Connection[Any], count: int, now: float) -> None:
    rng = random.Random(1)
    with connection.cursor().copy(
        "COPY agents (agent_id, host, enrolled_ts, team, site, location, agent_version, "
        "last_status, last_report_ts, last_seen_ts) FROM STDIN"
    ) as copy:
        for number in range(count):
            seen = now - rng.uniform(0, 2 * DAY)
            status = rng.choices(("pass", "warn", "fail"), (90, 7, 3))[0]
            copy.write_row(
                (
                    agent_name(number),
                    f"pc-{number}",
                    now - 60 * DAY,
                    *where(number),
                    "0.1.0",
                    status,
                    seen,
                    seen,
                )
            )


def past_partitions(url: str, now: float, days: int) -> None:
    """The day partitions the collector would have made while these days went by."""
    engine = open_engine(url)
    today = partitions.day_start(now)
    with engine.begin() as connection:
        for day in range(today - days * DAY, today, DAY):
            for table in partitions.TABLES:
                partitions.ensure_day(connection, table, day)
    engine.dispose()


def load(cluster: Cluster, args: argparse.Namespace, now: float) -> str:
    """Create, migrate and fill the database; returns its URL. Prints what was loaded."""
    url = cluster.create_database("fleet")
    past_partitions(url, now, args.days)
    days = working_days(now, args.days)
    started = time.perf_counter()
    raw = 0
    with psycopg.connect(
        host=str(cluster.directory), port=cluster.port, user="postgres", dbname="fleet"
    ) as connection:
        copy_agents(connection, args.agents, now)
        for number in range(args.raw_agents):
            items = raw_agent(number, days, now)
            copy_raw(connection, items, now)
            raw += len(items)
        connection.commit()
        synthetic_rollups(connection, args.raw_agents, args.agents, now, args.days)
        connection.commit()
        # Every report loaded is counted in the per-agent rollups already.
        connection.execute("UPDATE rollup_marks SET received_ts = %s", (now + 1,))
        connection.commit()
        connection.autocommit = True
        connection.execute("VACUUM ANALYZE")
        sizes = connection.execute(
            "SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM report_checks), "
            "(SELECT count(*) FROM rollup_hourly), (SELECT count(*) FROM rollup_daily), "
            "(SELECT count(*) FROM fleet_hourly) + (SELECT count(*) FROM fleet_daily), "
            "pg_size_pretty(pg_database_size('fleet'))"
        ).fetchone()
    assert sizes is not None
    print(
        f"loaded in {time.perf_counter() - started:.0f} s: {args.agents} agents, "
        f"{len(days)} working days of {args.days}; raw rows for {args.raw_agents} agents: "
        f"{sizes[0]:,} reports, {sizes[1]:,} check rows; rollups for all: "
        f"{sizes[2]:,} hourly rows, {sizes[3]:,} daily rows, {sizes[4]:,} fleet rows; "
        f"database {sizes[5]}"
    )
    return url


def timed(label: str, work: Callable[[], object], goal_ms: float) -> None:
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        runs.append((time.perf_counter() - started) * 1000)
    median = statistics.median(runs)
    verdict = "within" if median <= goal_ms else "OVER"
    print(
        f"{label:<44} cold {runs[0]:7.1f} ms   median {median:7.1f} ms   "
        f"max {max(runs):7.1f} ms   ({verdict} the {goal_ms:g} ms goal)"
    )


def timeline(engine: Any, agent: str, since: float) -> object:
    reports, _ = queries.agent_reports(engine, agent, 500, None, since)
    return agent_charts(list(reversed(reports)))


def measure(url: str, now: float, agent: str) -> None:
    engine = open_engine(url)
    for label, window, goal in (("24 h", DAY, 200.0), ("30 days", 30 * DAY, 1000.0)):
        since = now - window
        summary = fleet_summary(engine, since, now)
        count = len(queries.agent_reports(engine, agent, queries.MAX_LIMIT, None, since)[0])
        print(
            f"-- {label}: {summary['reports']['total']:,} reports in the fleet summary, "
            f"{count:,} in {agent}'s export"
        )
        timed(f"fleet summary, {label}", lambda s=since: fleet_summary(engine, s, now), goal)
        timed(
            f"per-agent export, {label}",
            lambda s=since: queries.agent_reports(engine, agent, queries.MAX_LIMIT, None, s),
            goal,
        )
        timed(
            f"agent timeline (500 latest + charts), {label}",
            lambda s=since: timeline(engine, agent, s),
            goal,
        )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--raw-agents", type=int, default=200)
    args = parser.parse_args()
    bin_dir = binaries()
    if bin_dir is None:
        raise SystemExit("PostgreSQL server binaries absent (Debian package `postgresql`)")
    cluster = start_cluster(bin_dir, PG_SETTINGS)
    try:
        now = time.time()
        url = load(cluster, args, now)
        measure(url, now, agent_name(1))
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
