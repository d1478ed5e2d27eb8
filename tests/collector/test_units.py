"""Unit tests of collector logic: settings, cursors, validation, writer, store, TLS, charts."""

from __future__ import annotations

import asyncio
import ipaddress
import random
import stat
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509

from agentprobe.collector.errors import ApiError
from agentprobe.collector.samples import sample_report
from agentprobe.collector.server import ServeError, tls_files
from agentprobe.collector.settings import Settings, parse_listen
from agentprobe.collector.store import queries
from agentprobe.collector.store.credentials import Credentials, EnrollError
from agentprobe.collector.store.fleet import fleet_summary
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.schema import LATEST, SchemaError, migrate, open_engine
from agentprobe.collector.store.writer import GroupCommitWriter
from agentprobe.collector.tls import ensure_certificate
from agentprobe.collector.validation import IncomingReport, parse, validate
from agentprobe.collector.web.charts import Chart, Series, line_chart, status_bar
from agentprobe.collector.web.series import agent_charts, metric_points
from agentprobe.config.addresses import is_loopback
from tests.collector.fakes import RecordingStore


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("127.0.0.1:9000", ("127.0.0.1", 9000)),
        ("[::1]:8443", ("::1", 8443)),
        (":7000", ("0.0.0.0", 7000)),
        ("example.org", ("example.org", 8443)),
    ],
    ids=["v4", "v6", "any", "default-port"],
)
def test_parse_listen(text: str, expected: tuple[str, int]) -> None:
    assert parse_listen(text) == expected


@pytest.mark.parametrize("text", ["host:0", "host:70000", "host:http"])
def test_parse_listen_rejects_bad_ports(text: str) -> None:
    with pytest.raises(ValueError, match="port"):
        parse_listen(text)


def test_loopback_only_for_plain_http(tmp_path: Path) -> None:
    assert is_loopback("127.0.0.2") and is_loopback("::1") and not is_loopback("0.0.0.0")
    refused = Settings(data_dir=tmp_path, host="0.0.0.0", insecure_http=True)
    with pytest.raises(ServeError, match="loopback"):
        tls_files(refused)
    assert tls_files(Settings(data_dir=tmp_path, host="127.0.0.1", insecure_http=True)) is None


def test_certificate_names_mode_and_reuse(tmp_path: Path) -> None:
    cert_file, key_file = ensure_certificate(tmp_path / "tls", "10.1.2.3")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)}
    assert {"10.1.2.3", "127.0.0.1", "::1"} <= ips
    assert "localhost" in sans.get_values_for_type(x509.DNSName)
    first = cert_file.read_bytes()
    assert ensure_certificate(tmp_path / "tls", "10.9.9.9") == (cert_file, key_file)
    assert cert_file.read_bytes() == first  # reused: agents pin it
    assert ipaddress.ip_address("10.1.2.3") in sans.get_values_for_type(x509.IPAddress)


def test_cursor_round_trip_and_tampering() -> None:
    cursor = queries.encode_cursor([1700000000.25, 42])
    assert queries.decode_cursor(cursor, (float, int)) == [1700000000.25, 42]
    for bad in ("!!", queries.encode_cursor(["x", 1]), queries.encode_cursor([1.0])):
        with pytest.raises(queries.BadCursor):
            queries.decode_cursor(bad, (float, int))


def _incoming(agent_id: str = "a1", seed: int = 0, **kwargs: object) -> IncomingReport:
    return validate(
        *parse(sample_report(agent_id, random.Random(seed), **kwargs).to_json().encode())
    )


def test_validation_rules() -> None:
    report = _incoming()
    assert (report.agent_id, len(report.checks)) == ("a1", 4)
    with pytest.raises(ApiError) as error:
        parse(b'{"a": NaN}')
    assert error.value.status == 400
    with pytest.raises(ApiError) as error:
        parse("{}".encode("utf-16"))
    assert error.value.status == 400
    with pytest.raises(ApiError) as error:
        validate({"schema": "agentprobe.report/1"})
    assert error.value.status == 422 and any("report_id" in p["msg"] for p in error.value.detail)


def test_writer_batches_dedupes_and_isolates_a_poison_row() -> None:
    reports = [_incoming(seed=n) for n in range(20)]
    poison = reports[7].report_id
    store = RecordingStore(fail_ids=frozenset({poison}))

    async def run() -> list[object]:
        writer = GroupCommitWriter(store.save_batch, batch_max=8)
        writer.start()
        jobs = [writer.submit(r) for r in [*reports, reports[0]]]
        outcome = await asyncio.gather(*jobs, return_exceptions=True)
        await writer.close()
        return outcome

    outcome = asyncio.run(run())
    assert isinstance(outcome[7], RuntimeError)
    assert outcome[:7] == [True] * 7 and outcome[8:20] == [True] * 12
    assert outcome[20] is False  # the duplicate of reports[0]
    assert max(len(batch) for batch in store.batches) == 8
    assert poison not in store.stored and len(store.stored) == 19


def test_store_duplicates_purge_and_fleet(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'c.db'}")
    credentials = Credentials(engine)
    secret = credentials.create_secret()
    for agent in ("a1", "a2"):
        credentials.enroll(secret, agent, "host")
    with pytest.raises(EnrollError):
        credentials.enroll("ape_nope", "a3", "host")
    old = datetime.now(UTC) - timedelta(days=100)
    batch = [
        _incoming("a1", 1, team="t1"),
        _incoming("a2", 2, team="t2", quality=0.05),
        _incoming("a1", 3, created=old),
    ]
    store = ReportStore(engine)
    assert store.save_batch([*batch, batch[0]]) == [True, True, True, False]
    assert store.save_batch(batch[:1]) == [False]
    summary = fleet_summary(engine, time.time() - 86400)
    assert summary["reports"]["total"] == 2
    assert {g["name"] for g in summary["groups"]["team"]} == {"t1", "t2"}
    assert summary["worst_agents"][0]["agent_id"] == "a2"
    assert store.purge(time.time() - 90 * 86400) == 1
    assert fleet_summary(engine, 0)["reports"]["total"] == 2
    agents, following = queries.list_agents(engine, 1, None)
    assert len(agents) == 1 and following is not None
    more, last = queries.list_agents(engine, 1, following)
    assert {agents[0]["agent_id"], more[0]["agent_id"]} == {"a1", "a2"} and last is None


def test_migrations_are_versioned(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'c.db'}")
    assert migrate(engine) == LATEST
    with engine.begin() as connection:
        connection.exec_driver_sql(f"UPDATE schema_version SET version = {LATEST + 1}")
    with pytest.raises(SchemaError, match="newer"):
        migrate(engine)


def test_charts_and_timeline() -> None:
    rng = random.Random(3)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    reports = [
        sample_report("a", rng, created=start + timedelta(hours=h)).to_dict() for h in range(3)
    ]
    points = metric_points(reports, ("bandwidth", "download_kbps"))
    assert [p[0] for p in points] == [start.timestamp() + 3600 * h for h in range(3)]
    charts = agent_charts(reports)
    assert charts[0].references == [("budget", 200.0)]
    svg = line_chart(Chart("Loss <b>", "%", [Series("x", [(0.0, 1.0), (60.0, 2.0)])]))
    assert "<b>" not in svg and "&lt;b&gt;" in svg and svg.count("<circle") == 2
    assert "no data" in line_chart(Chart("Empty", "ms", [Series("x", [])]))
    assert status_bar({"pass": 3, "fail": 1}).count("<rect") == 2
