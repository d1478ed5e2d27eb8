"""The outbox on a real SQLite file: ordering, idempotence, dead letters, counted eviction."""

from __future__ import annotations

from pathlib import Path

from agentprobe.agent.delivery.outbox import MAX_REPORTS, Outbox
from agentprobe.checks.registry import config_from_dict
from tests.agent.fakes import Clock


def test_reports_come_out_oldest_first_and_survive_reopening(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3")
    for n in range(3):
        outbox.put(f"id-{n}", f'{{"n": {n}}}')
    outbox.close()
    again = Outbox(tmp_path / "o.sqlite3")
    assert [e.report_id for e in again.oldest()] == ["id-0", "id-1", "id-2"]
    assert again.oldest(1)[0].body == '{"n": 0}'


def test_queueing_the_same_report_twice_keeps_one(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3")
    outbox.put("same", "{}")
    outbox.put("same", "{}")
    assert outbox.depth() == 1


def test_full_outbox_evicts_the_oldest_and_counts_them(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3", max_reports=3)
    evicted = [outbox.put(f"id-{n}", "{}") for n in range(5)]
    assert evicted == [0, 0, 0, 1, 1]
    assert [e.report_id for e in outbox.oldest()] == ["id-2", "id-3", "id-4"]
    assert outbox.evicted() == 2


def test_the_bound_comes_from_agent_outbox_max_reports(tmp_path: Path) -> None:
    assert config_from_dict({}, None).agent.outbox_max_reports == MAX_REPORTS
    config = config_from_dict(
        {"agent": {"data_dir": str(tmp_path), "outbox_max_reports": 100}}, None
    )
    outbox = Outbox.for_config(config)
    evicted = sum(outbox.put(f"id-{n}", "{}") for n in range(103))
    assert (evicted, outbox.depth(), outbox.evicted()) == (3, 100, 3)
    assert outbox.oldest(1)[0].report_id == "id-3"
    assert outbox.path == tmp_path / "outbox.sqlite3"


def test_dead_letters_keep_the_reason_and_leave_the_queue(tmp_path: Path) -> None:
    clock = Clock(500.0)
    outbox = Outbox(tmp_path / "o.sqlite3", clock=clock)
    outbox.put("bad", '{"x": 1}')
    outbox.put("good", "{}")
    outbox.kill("bad", "HTTP 422: checks[0].status: not a status")
    assert [e.report_id for e in outbox.oldest()] == ["good"]
    assert outbox.dead_count() == 1
    (letter,) = outbox.dead_letters()
    assert (letter.report_id, letter.reason, letter.dead_at) == (
        "bad",
        "HTTP 422: checks[0].status: not a status",
        500.0,
    )


def test_removing_an_accepted_report(tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "o.sqlite3")
    outbox.put("a", "{}")
    outbox.note_attempt("a")
    assert outbox.oldest()[0].attempts == 1
    outbox.remove("a")
    assert outbox.depth() == 0
