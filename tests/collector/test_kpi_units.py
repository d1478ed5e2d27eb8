"""KPI logic on exact inputs: statistics, CSV reading, mappings, locations, health, insights."""

from __future__ import annotations

import json
import math
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from scipy import stats

from agentprobe.collector.kpis import csvfile, insights
from agentprobe.collector.kpis.agentday import AgentDay
from agentprobe.collector.kpis.health import DayHealth, ReportRow, fold
from agentprobe.collector.kpis.location import OfficeNetworks, derive, parse_networks, vpn_active
from agentprobe.collector.kpis.mappings import BUILT_IN, NATIVE, from_table, mapping
from agentprobe.collector.kpis.statistics import (
    benjamini_hochberg,
    mean_interval,
    welch,
    within_strata,
)
from agentprobe.collector.kpis.wording import findings, sections
from agentprobe.config.spec import ConfigError


def test_welch_matches_the_textbook_formula_and_scipy() -> None:
    a, b = [1.0, 2.0, 3.0, 4.0], [2.0, 4.0, 6.0, 8.0, 10.0]
    estimate = welch(a, b)
    assert estimate is not None
    assert estimate.value == -3.5
    # s1² = 5/3, s2² = 10; se² = 5/12 + 2; Welch–Satterthwaite df = 5.5208
    assert estimate.df == pytest.approx(5.520787746170677, abs=1e-12)
    assert (estimate.low, estimate.high) == pytest.approx((-7.385368, 0.385368), abs=1e-6)
    reference = stats.ttest_ind(a, b, equal_var=False)
    assert estimate.p == pytest.approx(float(reference.pvalue), abs=1e-12)
    assert not estimate.excludes_zero()


def test_too_few_values_give_no_estimate() -> None:
    assert welch([1.0, 2.0], [3.0, 4.0, 5.0], min_count=3) is None
    assert welch([1.0], [3.0, 4.0]) is None
    assert mean_interval([2.0]) is None
    assert within_strata([1.0, 2.0], [True, False], [0, 0]) is None  # df would be 0


def test_constant_samples_give_a_point_interval() -> None:
    estimate = welch([5.0, 5.0, 5.0], [3.0, 3.0, 3.0])
    assert estimate is not None
    assert (estimate.value, estimate.low, estimate.high, estimate.p) == (2.0, 2.0, 2.0, 0.0)


def test_mean_interval_of_paired_differences() -> None:
    estimate = mean_interval([1.0, 2.0, 3.0, 4.0, 5.0])
    assert estimate is not None
    # mean 3, sd sqrt(2.5), se 0.7071; t(0.975, 4) = 2.776445
    assert (estimate.value, estimate.df) == (3.0, 4.0)
    assert estimate.high - 3.0 == pytest.approx(2.7764451051977987 * math.sqrt(0.5), abs=1e-12)


def test_within_strata_cancels_each_agents_level() -> None:
    # Three agents with very different levels, each 2 lower on its "with" days.
    values = [10.0, 12.0, 20.0, 22.0, 30.0, 31.0, 33.0]
    estimate = within_strata(values, [1, 0, 1, 0, 1, 0, 0], [0, 0, 1, 1, 2, 2, 2])
    assert estimate is not None
    assert estimate.value == pytest.approx(-2.0, abs=1e-12)
    # pooled within-cell SS = 2 on df = 7 - 2·3 = 1; Σw = 1/2 + 1/2 + 2/3
    se = math.sqrt(2.0 / 1.0 / (0.5 + 0.5 + 2 / 3))
    assert estimate.high + 2.0 == pytest.approx(12.706204736174698 * se, abs=1e-9)
    # An agent seen one way only drops out instead of posing as an effect.
    alone = within_strata([*values, 500.0], [1, 0, 1, 0, 1, 0, 0, 1], [0, 0, 1, 1, 2, 2, 2, 3])
    assert alone is not None and alone.value == pytest.approx(-2.0, abs=1e-12)


def test_benjamini_hochberg_step_up() -> None:
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.2]) == pytest.approx(
        [0.04, 0.16 / 3, 0.16 / 3, 0.2], abs=1e-12
    )
    assert benjamini_hochberg([]) == []


NOT_AN_ID = "agent_id: not an agent id (1-128 printable characters)"
NATIVE_FILE = (
    "agent_id,date,aht_s,csat,fcr_pct,calls_handled,adherence_pct,wrap_s,team\n"
    "a1,2026-11-02,312.5,4.5,80,31,95.5,0:00:40,blue\n"
    'a2,2026-11-02,5:12,4.1,"75%",28,,41,red\n'
)


def test_native_file_reads_durations_percentages_and_extra_numeric_columns() -> None:
    parsed = csvfile.parse(NATIVE_FILE, NATIVE)
    assert [(r.line, r.agent_id, r.day) for r in parsed.rows] == [
        (2, "a1", "2026-11-02"),
        (3, "a2", "2026-11-02"),
    ]
    assert parsed.rows[0].values == {
        "aht_s": 312.5,
        "csat": 4.5,
        "fcr_pct": 80.0,
        "calls_handled": 31.0,
        "adherence_pct": 95.5,
        "wrap_s": 40.0,
    }
    assert parsed.rows[1].values["aht_s"] == 312.0  # 5:12
    assert "adherence_pct" not in parsed.rows[1].values  # empty cell: no value
    assert parsed.kept == ["aht_s", "csat", "fcr_pct", "calls_handled", "adherence_pct", "wrap_s"]
    assert parsed.ignored == ["team"]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("", [(1, "empty file: expected a header row")]),
        ("agent,date\n", [(1, "no column 'agent_id' in the header")]),
        ("agent_id,date,aht_s\na1,2026-11-02,fast\n", [(2, "aht_s: 'fast' is not a number")]),
        (
            "agent_id,date,aht_s\na1,02/11/2026,300\n",
            [(2, "date: '02/11/2026' is not a date (%Y-%m-%d)")],
        ),
        ("agent_id,date,aht_s\na1,2026-11-02,300,9\n", [(2, "4 fields, the header has 3")]),
        ("agent_id,date,fcr_pct\na1,2026-11-02,130\n", [(2, "fcr_pct: 130 is over 100 %")]),
        ("agent_id,date,aht_s\na1,2026-11-02,-3\n", [(2, "aht_s: -3 is negative")]),
        (
            "agent_id,date,aht_s\n,2026-11-02,3\n",
            [(2, NOT_AN_ID)],
        ),
        (
            "agent_id,date,aht_s\na1,2026-11-02,1\n\na1,2026-11-02,2\n",
            [(4, "a1 on 2026-11-02 is already on line 2")],
        ),
        (
            'agent_id,date,aht_s\n"a\n1",2026-11-02,1\na2,2026-11-02,x\n',
            [
                (3, NOT_AN_ID),
                (4, "aht_s: 'x' is not a number"),
            ],
        ),
        ("agent_id,date,date\na1,2026-11-02,x\n", [(1, "column 'date' appears twice")]),
        (
            'agent_id,date\n"' + "x" * 200_000 + '"\n',
            [(2, "not CSV: field larger than field limit (131072)")],
        ),
    ],
    ids=[
        "empty",
        "no-agent",
        "word",
        "date",
        "fields",
        "over-100",
        "negative",
        "blank-agent",
        "twice",
        "multiline-quoted",
        "doubled-column",
        "huge-field",
    ],
)
def test_bad_files_name_each_line_and_reason(text: str, problems: list[tuple[int, str]]) -> None:
    with pytest.raises(csvfile.KpiFileError) as error:
        csvfile.parse(text, NATIVE)
    assert error.value.problems == problems


def test_errors_stop_at_twenty() -> None:
    text = "agent_id,date,aht_s\n" + "".join(f"a{n},2026-11-02,x\n" for n in range(50))
    with pytest.raises(csvfile.KpiFileError) as error:
        csvfile.parse(text, NATIVE)
    assert len(error.value.problems) == csvfile.MAX_ERRORS


PLATFORM_FILES = {
    "amazon-connect": (
        "Agent,Start interval,Average handle time,Contacts handled,Agent non-response\n"
        "jdoe,2026-11-02,00:05:10,42,1\n",
        {"aht_s": 310.0, "calls_handled": 42.0, "agent_non_response": 1.0},
    ),
    "genesys-cloud": (
        "Agent Name,Interval Start,Avg Handle,Answered,Avg ACW\njdoe,11/02/2026,312.4,40,35\n",
        {"aht_s": 312.4, "calls_handled": 40.0, "acw_s": 35.0},
    ),
    "five9": (
        "AGENT,DATE,AVG HANDLE TIME,CALLS count\njdoe,2026/11/02,0:05:00,38\n",
        {"aht_s": 300.0, "calls_handled": 38.0},
    ),
    "nice-cxone": (
        "Agent_No,Agent_Name,Start_Date,AHT,Handled,ACW_Seconds\n"
        "1044,Jane Doe,11/02/2026,298,36,30\n",
        {"aht_s": 298.0, "calls_handled": 36.0, "acw_s": 30.0},
    ),
}


@pytest.mark.parametrize("name", sorted(PLATFORM_FILES))
def test_platform_mappings(name: str) -> None:
    text, values = PLATFORM_FILES[name]
    (row,) = csvfile.parse(text, BUILT_IN[name]).rows
    assert row.day == "2026-11-02"
    assert row.values == values


def test_mapping_files_and_their_errors(tmp_path: Path) -> None:
    path = tmp_path / "ours.toml"
    path.write_text(
        'agent_id = "Login"\ndate = "Day"\ndate_formats = ["%d.%m.%Y"]\n'
        'delimiter = ";"\n[kpis]\n"Bearbeitungszeit" = "aht_s"\n'
    )
    how = mapping(str(path))
    (row,) = csvfile.parse("Login;Day;Bearbeitungszeit\nb7;02.11.2026;301\n", how).rows
    assert (row.agent_id, row.day, row.values) == ("b7", "2026-11-02", {"aht_s": 301.0})
    with pytest.raises(ConfigError, match="unknown mapping 'zendesk'"):
        mapping("zendesk")
    with pytest.raises(ConfigError, match="delimiter: must be one character"):
        from_table({"delimiter": ";;"}, path)
    with pytest.raises(ConfigError, match="colour: unknown key"):
        from_table({"colour": "red"}, path)


def test_office_networks_and_derived_location() -> None:
    offices = OfficeNetworks(parse_networks(["10.20.0.0/16", "2001:db8::/48", "192.0.2.7"]))
    assert offices.contains("10.20.3.4") and offices.contains("::ffff:10.20.3.4")
    assert offices.contains("2001:db8::1") and offices.contains("192.0.2.7")
    assert offices.contains("10.21.0.1") is False and offices.contains(None) is False
    assert OfficeNetworks().contains("10.20.3.4") is None
    with pytest.raises(ValueError, match=r"'10\.0\.0\.300/8' is not a network"):
        parse_networks(["10.0.0.300/8"])
    assert derive("home", True, vpn=False) == "office"
    assert derive("home", True, vpn=True) == "home"  # the VPN's address, not the desk's
    assert derive("unknown", False, vpn=False) == "home"
    assert derive("unknown", None, vpn=False) == "unknown"
    assert derive("office", False, vpn=False) == "office"
    network = {"name": "network", "metrics": {"vpn_active": True}}
    assert vpn_active({"checks": [network]}) and not vpn_active({"checks": []})


def _body(checks: list[dict[str, object]], trigger: str = "schedule") -> str:
    return json.dumps(
        {"trigger": trigger, "context": {"team": "blue", "site": "x"}, "checks": checks}
    )


def test_a_days_health_from_its_reports() -> None:
    voice = {"name": "voice", "status": "fail", "metrics": {"mos": 3.1}}
    net = {"name": "network", "status": "pass", "metrics": {"interface_type": "wifi"}}
    call = {"name": "call", "status": "pass", "metrics": {"mos": 4.2}}
    rows = [
        ReportRow("a1", 1_764_633_600.0, "fail", "home", _body([voice, net])),  # 2025-12-02 00:00Z
        ReportRow("a1", 1_764_633_600.0 + 3600, "pass", "home", _body([call], "call_end")),
        ReportRow("a1", 1_764_633_600.0 + 7200, "pass", "office", _body([net])),
        ReportRow("a1", 1_764_633_600.0 + 9000, "pass", "home", _body([call], "call_end")),
    ]
    days = fold(rows, ZoneInfo("UTC"))
    day = days[("a1", "2025-12-02")]
    assert day.figures() == {
        "reports": 4,
        "failing_share": 0.25,
        "call_mos": 4.2,
        "probe_mos": 3.1,
        "worst_cause": "voice",
        "location": "home",
        "interface": "wifi",
    }
    assert (day.team, day.link_failing) == ("blue", 1)
    # In Lisbon's winter time the first report is still 2 December; in Honolulu, 1 December.
    assert ("a1", "2025-12-01") in fold(rows, ZoneInfo("Pacific/Honolulu"))


def _day(agent: str, day: str, aht: float, failing: bool, location: str = "home") -> AgentDay:
    health = DayHealth(agent, day, team="blue", site="x", location=location, reports=4)
    health.failing = health.link_failing = 2 if failing else 0
    return AgentDay(health, {"aht_s": aht})


def test_comparisons_need_enough_days_and_are_screened() -> None:
    few = [_day("a1", f"2026-11-{n:02d}", 300 + 40 * (n % 2), n % 2 == 1) for n in range(1, 9)]
    rows = insights.comparisons(few, min_count=10, groupings=("all",))
    link = next(r for r in rows if r["problem"] == "link_failing")
    assert (link["verdict"], link["difference"], link["with"]["n"]) == ("not enough data", None, 4)
    rows = insights.comparisons(few, min_count=3, groupings=("all",))
    link = next(r for r in rows if r["problem"] == "link_failing")
    assert (link["difference"], link["claim"], link["verdict"]) == (40.0, True, "higher")
    answer = {
        "comparisons": rows,
        "problems": insights.summarise(few, 3)["problems"],
        "kpis": ["aht_s"],
    }
    (first, *_) = findings(answer)
    assert first["text"].startswith("handle time (s) is 40.0 higher (95 % CI 40.0 to 40.0)")
    assert first["text"].endswith("in the fleet: 4 against 4 agent-days of 1 agents")
    assert [s["kpi"] for s in sections(answer)] == ["aht_s"]


def test_hybrid_agents_are_compared_with_themselves() -> None:
    days = []
    for agent, level in (("a1", 200.0), ("a2", 300.0), ("a3", 400.0)):
        for n in range(1, 5):
            days.append(_day(agent, f"2026-11-{n:02d}", level + 10 + n % 2, False, "home"))
            days.append(_day(agent, f"2026-11-{n + 10:02d}", level + n % 2, False, "office"))
    answer = insights.summarise(days, 3)
    paired = next(r for r in answer["paired"] if r["measure"] == "aht_s" and r["team"] == "blue")
    assert (paired["agents"], paired["difference"], paired["verdict"]) == (
        3,
        10.0,
        "higher at home",
    )
    cells = {(r["team"], r["location"]): r["agent_days"] for r in answer["locations"]}
    # (no interface known in these days, so no "home on wifi" rows)
    assert cells == {
        ("all", "home"): 12,
        ("all", "office"): 12,
        ("blue", "home"): 12,
        ("blue", "office"): 12,
    }
