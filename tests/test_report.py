"""The wire contract: JSON round trip, status aggregation, schema validation, durations."""

from __future__ import annotations

import itertools
import json

import jsonschema
import pytest

from agentprobe.config.durations import format_duration, parse_duration
from agentprobe.report import (
    SCHEMA,
    CheckResult,
    Context,
    Event,
    Report,
    Status,
    json_schema,
    worst,
)


def sample_report() -> Report:
    return Report(
        agent_id="pc-0042",
        checks=[
            CheckResult(
                "system",
                Status.PASS,
                "CPU 12.5%",
                {"cpu_pct": 12.5, "on_battery": False},
                duration_ms=2003,
            ),
            CheckResult(
                "network",
                Status.WARN,
                "Wi-Fi -71 dBm",
                {"wifi_rssi_dbm": -71.0, "interface_type": "wifi", "gateway_probe": None},
                ["Move closer."],
                840,
            ),
            CheckResult("voice", Status.SKIP, "no collector configured"),
        ],
        trigger="shift_start",
        context=Context("blue", "leeds", "home", in_call=True),
        events=[Event("change", "network.ssid_hash", "a1b2", "c3d4", "2026-03-04T08:00:00.000Z")],
        report_id="5f0c8a52-3b1e-4c8e-9d6a-0e5f1b2c3d4e",
        created_at="2026-03-04T08:00:01.250Z",
    )


def test_json_round_trip_is_exact() -> None:
    report = sample_report()
    text = report.to_json()
    again = Report.from_json(text)
    assert again == report
    assert again.to_json() == text
    assert json.loads(text)["status"] == "warn"
    assert json.loads(text)["schema"] == SCHEMA == "agentprobe.report/1"


def test_internal_fields_stay_off_the_wire() -> None:
    result = CheckResult("network", Status.PASS, "ok", inventory={"network.ssid_hash": "ab"})
    result.events.append(Event("change", "x", "1", "2"))
    assert set(result.to_dict()) == {
        "name", "status", "summary", "metrics", "advice", "duration_ms",
    }  # fmt: skip


def test_from_dict_rejects_other_schema() -> None:
    data = sample_report().to_dict()
    data["schema"] = "agentprobe.report/2"
    with pytest.raises(ValueError, match=r"unsupported schema 'agentprobe\.report/2'"):
        Report.from_dict(data)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ([], Status.PASS),
        ([Status.SKIP], Status.PASS),
        ([Status.PASS, Status.SKIP], Status.PASS),
        ([Status.WARN, Status.SKIP, Status.PASS], Status.WARN),
        ([Status.WARN, Status.ERROR], Status.ERROR),
        ([Status.ERROR, Status.FAIL, Status.WARN], Status.FAIL),
        ([Status.FAIL, Status.SKIP], Status.FAIL),
    ],
)
def test_status_aggregation(statuses: list[Status], expected: Status) -> None:
    assert worst(statuses) is expected


def test_aggregation_order_over_every_combination() -> None:
    rank = {Status.PASS: 0, Status.WARN: 1, Status.ERROR: 2, Status.FAIL: 3}
    for size in range(1, 4):
        for combo in itertools.product(list(Status), repeat=size):
            graded = [s for s in combo if s is not Status.SKIP] or [Status.PASS]
            assert worst(combo) is max(graded, key=rank.__getitem__)


def test_exit_codes() -> None:
    codes = {status: status.exit_code for status in Status}
    assert codes == {
        Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3, Status.SKIP: 0,
    }  # fmt: skip


def test_produced_report_validates_against_shipped_schema() -> None:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(json.loads(sample_report().to_json()), schema)
    minimal = Report("pc-1", [])
    jsonschema.validate(minimal.to_dict(), schema)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.update(status="skip"), "status"),
        (lambda d: d["checks"][0]["metrics"].update({"Bad-Name": 1}), "Bad-Name"),
        (lambda d: d["checks"][0]["metrics"].update(series=[1, 2, 3]), "series"),
        (lambda d: d.update(extra=1), "extra"),
        (lambda d: d.update(trigger="cron"), "cron"),
    ],
)
def test_schema_rejects_what_the_contract_forbids(mutate, field) -> None:  # type: ignore[no-untyped-def]
    data = sample_report().to_dict()
    mutate(data)
    with pytest.raises(jsonschema.ValidationError, match=field):
        jsonschema.validate(data, json_schema())


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(30, 30.0), (1.5, 1.5), ("30s", 30.0), ("15m", 900.0), ("2h", 7200.0), ("1d", 86400.0),
     ("250ms", 0.25), (" 45 ", 45.0)],
)  # fmt: skip
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["-5s", "5 minutes", "", True, -1, [30], "1h30m"])
def test_parse_duration_rejects(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("seconds", "text"), [(1800, "30m"), (90, "90s"), (7200, "2h"), (86400, "1d"), (0.5, "0.5s")]
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds
