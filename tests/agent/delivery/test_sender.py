"""Draining the outbox through a scripted uploader: one outcome per report, then stop."""

from __future__ import annotations

import random
from pathlib import Path

from agentprobe.agent.delivery.backoff import Backoff
from agentprobe.agent.delivery.outbox import Outbox
from agentprobe.agent.delivery.sender import Sender
from agentprobe.agent.delivery.uploader import Outcome
from tests.agent.fakes import Clock, ScriptedSend


def make(
    tmp_path: Path, outcomes: list[Outcome], clock: Clock
) -> tuple[Outbox, Sender, ScriptedSend]:
    outbox = Outbox(tmp_path / "o.sqlite3", clock=clock)
    for n in range(4):
        outbox.put(f"id-{n}", f'{{"n": {n}}}')
    send = ScriptedSend(outcomes)
    sent: list[str] = []
    sender = Sender(outbox, send, Backoff(2.0, 60.0), random.Random(0), clock, sent.append)
    return outbox, sender, send


def test_all_accepted_empties_the_outbox_in_order(tmp_path: Path) -> None:
    clock = Clock()
    outbox, sender, send = make(tmp_path, [], clock)
    result = sender.flush()
    assert result.sent == ["id-0", "id-1", "id-2", "id-3"]
    assert send.bodies[0] == '{"n": 0}'
    assert outbox.depth() == 0
    assert outbox.get("last_success_at") == clock.now


def test_rejected_report_is_dead_lettered_and_the_rest_still_go(tmp_path: Path) -> None:
    outbox, sender, _ = make(tmp_path, [Outcome("dead", "HTTP 422: bad")], Clock())
    result = sender.flush()
    assert result.dead == ["id-0"] and len(result.sent) == 3
    assert outbox.dead_letters()[0].reason == "HTTP 422: bad"


def test_unreachable_collector_stops_the_flush_and_backs_off(tmp_path: Path) -> None:
    clock = Clock()
    outbox, sender, send = make(tmp_path, [Outcome("retry", "refused")], clock)
    assert sender.flush().last == Outcome("retry", "refused")
    assert len(send.bodies) == 1 and outbox.depth() == 4
    assert outbox.oldest(1)[0].attempts == 1
    assert 1.0 <= sender.wait_s() <= 2.0
    assert sender.flush().last is None  # still backing off: nothing attempted
    clock.advance(2.0)
    assert len(sender.flush().sent) == 4


def test_retry_after_holds_even_when_a_person_asks_to_send(tmp_path: Path) -> None:
    clock = Clock()
    _, sender, _ = make(tmp_path, [Outcome("retry", "HTTP 429", retry_after=600.0)], clock)
    sender.flush()
    assert sender.wait_s() == 600.0
    sender.clear_backoff()
    assert sender.wait_s() == 600.0


def test_network_backoff_is_cleared_when_a_person_asks(tmp_path: Path) -> None:
    _, sender, _ = make(tmp_path, [Outcome("retry", "refused")], Clock())
    sender.flush()
    sender.clear_backoff()
    assert sender.wait_s() == 0.0


def test_revoked_token_stops_without_backoff_bookkeeping(tmp_path: Path) -> None:
    outbox, sender, send = make(tmp_path, [Outcome("revoked", "token revoked")], Clock())
    assert sender.flush().last == Outcome("revoked", "token revoked")
    assert len(send.bodies) == 1 and outbox.depth() == 4


def test_flush_is_bounded_by_its_budget(tmp_path: Path) -> None:
    outbox, sender, _ = make(tmp_path, [], Clock())
    assert len(sender.flush(budget=3).sent) == 3
    assert outbox.depth() == 1
