"""Alert rules: hysteresis, config validation, webhook bodies, and delivery to a real receiver.

The delivery test runs the alert service over a real database (SQLite and the PostgreSQL
rig) with a clock the test moves, against an HTTP receiver the test starts on loopback:
a noisy MOS raises once, does not flap, clears once, and the raise is retried until the
receiver, down at first, takes it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from agentprobe.cli import cli
from agentprobe.collector.alerts.hysteresis import AlertState, step
from agentprobe.collector.alerts.rules import AlertConfig, AlertsSection, Rule, Webhook
from agentprobe.collector.alerts.service import AlertService
from agentprobe.collector.alerts.webhook import body
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.schema import open_engine
from tests.collector.alerting import mos_report, store
from tests.rigs.collector import start_collector
from tests.rigs.collector_client import post
from tests.rigs.waiting import wait_until
from tests.rigs.webhook_receiver import WebhookReceiver

T0 = 1_790_000_000.0
NOTICE = {
    "alert": "low-mos",
    "state": "raised",
    "subject": "a1",
    "agent_id": "a1",
    "team": "blue",
    "check": None,
    "metric": "mos",
    "value": 3.3,
    "threshold": 3.5,
    "since": "2026-09-21T13:46:40Z",
    "summary": "a1 (blue): mos under 3.5 in 2 of the last 3 reports (median 3.3)",
}


def test_hysteresis_raises_once_and_clears_after_a_quiet_period() -> None:
    state, transition = step(None, True, 100.0, 60.0)
    assert transition == "raised" and state == AlertState("raised", 100.0, None, 100.0)
    state, transition = step(state, False, 110.0, 60.0)
    assert transition is None and state is not None and state.good_since_ts == 110.0
    state, transition = step(state, True, 150.0, 60.0)  # held again: quiet time restarts
    assert transition is None and state is not None and state.good_since_ts is None
    state, transition = step(state, False, 160.0, 60.0)
    assert transition is None
    state, transition = step(state, False, 219.0, 60.0)
    assert transition is None
    state, transition = step(state, False, 220.0, 60.0)
    assert transition == "cleared" and state == AlertState("cleared", 100.0, 160.0, 220.0)
    assert step(state, False, 300.0, 60.0) == (state, None)


def test_webhook_bodies_are_exact() -> None:
    assert body(NOTICE, "json") == {k: v for k, v in NOTICE.items() if k != "subject"}
    assert body(NOTICE, "slack") == {"text": f":red_circle: *low-mos* raised: {NOTICE['summary']}"}
    assert body(NOTICE, "teams") == {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": NOTICE["summary"],
        "themeColor": "D32F2F",
        "title": "low-mos raised",
        "text": NOTICE["summary"],
    }


BAD = {
    "unknown-section": ("[alert]\n", "[alert]: unknown section (known: alerts, rule, webhook)"),
    "bad-kind": (
        '[[rule]]\nname = "x"\nkind = "vibes"\n',
        "[rule.1] kind: must be one of status, metric, silent, readiness; got 'vibes'",
    ),
    "metric-without-threshold": (
        '[[rule]]\nname = "x"\nkind = "metric"\nmetric = "mos"\n',
        "[rule.1] below: give exactly one of below or above",
    ),
    "twice": ('[[rule]]\nname = "x"\n[[rule]]\nname = "x"\n', "[rule.2] name: 'x' is used twice"),
    "bad-url": (
        '[[webhook]]\nname = "w"\nurl = "ftp://x"\n',
        "[webhook.1] url: must start with https://",
    ),
    "bad-shift": (
        '[[rule]]\nname = "s"\nkind = "silent"\nshifts = ["Mon-Fri 8-17"]\n',
        "[rule.1] shifts:",
    ),
    "not-array": ('[rule]\nname = "x"\n', "[rule]: write it as [[rule]], an array of tables"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_collector_config_is_one_line_and_exit_3(tmp_path: Path, case: str) -> None:
    content, expected = BAD[case]
    path = tmp_path / "collector.toml"
    path.write_text(content)
    for command in (
        ["collector", "config", "validate"],
        ["collector", "serve", "--data-dir", str(tmp_path / "d"), "--config"],
    ):
        result = CliRunner().invoke(cli, [*command, str(path)])
        assert result.exit_code == 3, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"agentprobe: config error: {path}: ")
        assert expected in lines[0]


def test_good_collector_config_validates(tmp_path: Path) -> None:
    path = tmp_path / "collector.toml"
    path.write_text(
        '[alerts]\ninterval = "30s"\n[[rule]]\nname = "m"\nkind = "metric"\nmetric = "mos"\n'
        'below = 3.5\ntrigger = "call_end"\n[[webhook]]\nname = "w"\nurl = "https://h/x"\n'
        'format = "teams"\n'
    )
    result = CliRunner().invoke(cli, ["collector", "config", "validate", str(path)])
    assert result.exit_code == 0 and result.output == f"{path}: valid (1 rules, 1 webhooks)\n"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    rig = WebhookReceiver()
    yield rig
    rig.stop()


# A MOS that wobbles around 3.5: 2 of the last 3 under it raises; it keeps crossing the
# line for a while (which must not raise again), then stays good long enough to clear.
NOISY_MOS = [4.2, 4.1, 3.4, 3.3, 4.0, 3.4, 4.1, 3.3, 4.0, 4.2, 3.4, 4.1, 4.2, 4.1, 4.3, 4.2]
NOISY_MOS += [4.2] * 12


def test_noisy_mos_raises_once_clears_once_and_retries_a_down_receiver(
    tmp_path: Path, db_url: str | None, receiver: WebhookReceiver
) -> None:
    engine = open_engine(db_url or f"sqlite:///{tmp_path / 'c.db'}")
    credentials = Credentials(engine)
    credentials.enroll(credentials.create_secret(), "a1", "pc")
    rule = Rule(
        name="low-mos",
        kind="metric",
        metric="mos",
        below=3.5,
        failing=2,
        of_last=3,
        clear_after=600.0,
    )
    hook = Webhook(name="ops", url=receiver.url, retries=5, backoff=120.0, timeout=5.0)
    clock = Clock()
    service = AlertService(
        engine, AlertConfig(AlertsSection(), (rule,), (hook,)), requests.Session(), clock
    )
    states, reports = [], ReportStore(engine)
    for index, mos in enumerate(NOISY_MOS):
        clock.now = T0 + 60.0 * index
        if index == 6:
            receiver.start()  # down for the raise at index 3, up two minutes later
        store(reports, mos_report("a1", "blue", mos, clock.now))
        states += [notice["state"] for notice in service.round()]
    assert states == ["raised", "cleared"]
    assert [b["state"] for b in receiver.bodies] == ["raised", "cleared"]
    raised = receiver.bodies[0]
    assert {
        k: raised[k] for k in ("alert", "agent_id", "team", "metric", "value", "threshold")
    } == {
        "alert": "low-mos",
        "agent_id": "a1",
        "team": "blue",
        "metric": "mos",
        "value": 3.4,
        "threshold": 3.5,
    }
    assert raised["since"] == "2026-09-21T14:16:20Z"  # T0 + 3 min, the third report
    assert raised["summary"] == "a1 (blue): mos under 3.5 in 2 of the last 3 reports (median 3.4)"
    log = service.deliveries()
    assert [(d["state"], d["outcome"], d["attempts"], d["last_status"]) for d in log] == [
        ("cleared", "delivered", 1, 200),
        ("raised", "delivered", 3, 200),  # refused at +0 and +2 min, taken at +6 min
    ]
    assert service.active() == []
    assert receiver.bodies[1]["summary"] == (
        "a1 (blue) is back to normal: low-mos, raised at 2026-09-21T14:16:20Z, "
        "cleared at 2026-09-21T14:31:20Z"  # 10 min after the last 2-of-3 (T0 + 7 min)
    )
    engine.dispose()


@pytest.mark.integration
def test_collector_serve_with_config_raises_and_clears_to_a_webhook(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    """The real `collector serve --config` process evaluates and delivers by itself."""
    receiver.start()
    config = tmp_path / "collector.toml"
    config.write_text(
        '[alerts]\ninterval = "1s"\n'
        '[[rule]]\nname = "voice-failing"\nkind = "status"\ncheck = "voice"\n'
        'failing = 1\nof_last = 1\nclear_after = "0s"\n'
        f'[[webhook]]\nname = "test"\nurl = "{receiver.url}"\nformat = "json"\nbackoff = "1s"\n'
    )
    rig = start_collector(tmp_path, extra_args=("--config", str(config)))
    try:
        token = rig.enroll("a9")
        now = time.time()
        bad = mos_report("a9", "red", 2.1, now - 60)
        assert post(rig, token, bad.to_json()).status_code == 201
        wait_until(lambda: len(receiver.bodies) >= 1, 30, "the raise at the receiver")
        good = mos_report("a9", "red", 4.3, now - 30)
        assert post(rig, token, good.to_json()).status_code == 201
        wait_until(lambda: len(receiver.bodies) >= 2, 30, "the clear at the receiver")
    finally:
        rig.stop()
    assert [(b["alert"], b["state"], b["agent_id"], b["check"]) for b in receiver.bodies] == [
        ("voice-failing", "raised", "a9", "voice"),
        ("voice-failing", "cleared", "a9", "voice"),
    ]
    assert receiver.bodies[0]["summary"] == (
        "a9 (red) failed 1 of its last 1 reports (the voice check): "
        "this agent may not be able to take calls"
    )
    cleared = receiver.bodies[1]["summary"]
    assert cleared.startswith("a9 (red) is back to normal: voice-failing, raised at 20")
