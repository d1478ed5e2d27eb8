"""What the host accepts from the extension: known keys, types, ranges, origins only."""

from __future__ import annotations

from typing import Any

import pytest

from agentprobe.browser import messages
from tests.browser.stats import call, dump, reduce

REPORTS = reduce(dump("antmedia-play.json"))


def refused(value: Any) -> str:
    with pytest.raises(messages.MessageError) as caught:
        messages.parse(value)
    return str(caught.value)


def test_a_reduced_real_dump_is_accepted() -> None:
    parsed = messages.parse(call(REPORTS))
    assert isinstance(parsed, messages.CallMessage)
    assert len(parsed.reports) == 5 and parsed.origin == "https://ccp.example.my.connect.aws"


def test_hello_carries_only_a_version() -> None:
    assert messages.parse({"type": "hello", "extension_version": "0.1.0"}) == "0.1.0"
    assert "unknown key" in refused({"type": "hello", "extension_version": "1", "x": 1})


@pytest.mark.parametrize(
    ("origin", "ok"),
    [
        ("https://ccp.example.my.connect.aws", True),
        ("https://apps.mypurecloud.com:8443", True),
        ("http://localhost:8080", True),
        ("http://127.0.0.1", True),
        ("http://[::1]:9000", True),
        ("https://flex.twilio.com/agent-desktop", False),
        ("https://flex.twilio.com/", False),
        ("https://flex.twilio.com?x=1", False),
        ("https://user@flex.twilio.com", False),
        ("http://flex.twilio.com", False),
        ("chrome-extension://abcdefghijklmnop", False),
        ("https://localhost", True),
        ("https://intranet", False),
        ("https://Flex.Twilio.com", False),
        ("https://flex.twilio.com:0", False),
        ("https://-bad-.example.com", False),
        ("null", False),
        ("", False),
        (42, False),
    ],
)
def test_only_web_origins_pass(origin: Any, ok: bool) -> None:
    if ok:
        assert messages.origin(origin) == origin
    else:
        text = refused(call(REPORTS, origin=origin))
        assert "https origin" in text and "/agent-desktop" not in text


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"type": "calls"}, '"type" must be'),
        ({"state": "ringing"}, '"state" must be one of'),
        ({"call_id": "../../etc/passwd"}, "call_id must match"),
        ({"call_id": "short"}, "call_id must match"),
        ({"started_at": 12}, "milliseconds since 1970"),
        ({"at": 1729360380000.0}, "within 24 h"),
        ({"at": float("inf")}, "milliseconds since 1970"),
        ({"reports": {}}, '"reports" must be a list'),
        ({"reports": [{}] * 65}, "at most 64"),
        ({"extra": True}, "unknown key 'extra'"),
        ({"url": "https://x/y"}, "unknown key 'url'"),
    ],
)
def test_a_bad_envelope_is_named(change: dict[str, Any], reason: str) -> None:
    assert reason in refused({**call(REPORTS), **change})


def test_reports_may_not_repeat_an_id() -> None:
    assert "repeat an id" in refused(call([REPORTS[0], REPORTS[0]]))


def test_missing_keys_are_named() -> None:
    message = call(REPORTS)
    del message["origin"]
    assert "missing key 'origin'" in refused(message)


@pytest.mark.parametrize(
    ("report", "reason"),
    [
        ({"type": "media-source", "id": "s1"}, "type must be one of"),
        ({"type": "inbound-rtp", "id": "s1", "audioLevel": 0.5}, "unknown key 'audioLevel'"),
        ({"type": "inbound-rtp", "id": "s1", "totalAudioEnergy": 1.0}, "unknown key"),
        ({"type": "local-candidate", "id": "s1", "address": "192.0.2.1"}, "unknown key 'address'"),
        ({"type": "local-candidate", "id": "s1", "url": "turn:x"}, "unknown key 'url'"),
        ({"type": "codec", "id": "s1", "sdpFmtpLine": "minptime=10"}, "unknown key"),
        ({"type": "inbound-rtp", "id": "s1", "packetsReceived": -1}, "integer from 0"),
        ({"type": "inbound-rtp", "id": "s1", "packetsReceived": 1.5}, "integer"),
        ({"type": "inbound-rtp", "id": "s1", "packetsReceived": True}, "integer"),
        ({"type": "inbound-rtp", "id": "s1", "packetsReceived": 2**60}, "2^53"),
        ({"type": "inbound-rtp", "id": "s1", "jitter": -0.1}, "number from 0"),
        ({"type": "inbound-rtp", "id": "s1", "jitter": "0.1"}, "number from 0"),
        ({"type": "inbound-rtp", "id": "s1", "kind": "screen"}, "one of audio, video"),
        ({"type": "codec", "id": "s1", "mimeType": "audio/opus; rate=48000"}, "must match"),
        ({"type": "candidate-pair", "id": "s1", "nominated": 1}, "true or false"),
        ({"type": "candidate-pair", "id": "CP70BEs/fi_0ExDz0x8"}, "id must match"),
        ({"type": "inbound-rtp"}, "missing key 'id'"),
        ({"type": "inbound-rtp", "id": "s1", "timestamp": 1234.5}, "milliseconds since 1970"),
        ("inbound-rtp", "must be an object"),
    ],
)
def test_a_bad_report_is_named_without_its_value(report: Any, reason: str) -> None:
    text = refused(call([report]))
    assert reason in text
    assert "192.0.2.1" not in text and "turn:x" not in text and "minptime" not in text
