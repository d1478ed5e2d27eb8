"""The extension in a real Chromium: a WebRTC call's stats reach the native host and the spool.

Debian's headless Chromium loads a copy of `extension/` (the test origin added to its
host permissions: granting the optional permission takes a click on a browser prompt
that headless Chromium cannot show) and a page served on loopback that places calls
between two RTCPeerConnections with the fake microphone. Chromium starts the real
`python -m agentprobe native-host` through the manifest `agentprobe browser install`
wrote into a temporary HOME. The records in the spool must carry the page's own
getStats() packet totals exactly, both directions and the transport; a loopback UDP relay
that drops every 10th RTP packet from one peer must show up as that loss on both ends,
and a call forced through Debian's coturn (one peer over UDP, the other over TCP) must
show as `turn-channel` with each peer's relay protocol.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psutil
import pytest

from agentprobe.browser.install import DEFAULT_EXTENSION_ID
from tests.browser import turn
from tests.browser.udprelay import UdpRelay

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # ICE only on the default route's interface: other tests on this machine add and
    # remove veth interfaces, and a candidate on one that vanishes breaks the call.
    "--force-webrtc-ip-handling-policy=default_public_and_private_interfaces",
]
SPOOL_TIMEOUT_S = 20.0
LIVE_TIMEOUT_S = 40.0

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"),
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A temporary HOME with agentprobe's config, and the host installed for Chromium."""
    (tmp_path / "config.toml").write_text(f'[agent]\ndata_dir = "{tmp_path / "data"}"\n')
    env = {**os.environ, "HOME": str(tmp_path), "AGENTPROBE_CONFIG": str(tmp_path / "config.toml")}
    done = subprocess.run(
        [sys.executable, "-m", "agentprobe", "browser", "install", "--browser", "chromium"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return tmp_path


@pytest.fixture
def extension(tmp_path: Path) -> Path:
    target = tmp_path / "extension"
    shutil.copytree(ROOT / "extension", target, ignore=shutil.ignore_patterns("README*"))
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["host_permissions"].append("http://127.0.0.1/*")
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


@pytest.fixture
def page_url() -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(DATA))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/call.html"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_calls_reach_the_spool_with_the_pages_own_totals(
    home: Path, extension: Path, page_url: str
) -> None:
    from playwright.sync_api import sync_playwright

    spool = home / "data" / "calls"
    with (
        sync_playwright() as playwright,
        UdpRelay(drop_every=10) as relay,
        turn.turn_server(home) as turn_port,
    ):
        context = _launch(playwright, home, extension)
        try:
            worker = _allow_test_origin(context)
            page = context.new_page()
            page.goto(page_url)
            assert page.evaluate("RTCPeerConnection.__agentprobe") is True
            relays = [turn.config(turn_port, "udp"), turn.config(turn_port, "tcp")]
            # One call after the other (at once, they starve two shared cores), of
            # different lengths so that their packet totals differ.
            direct = page.evaluate("runCall({relay: null, seconds: 4})")
            impaired = page.evaluate("ports => runCall({relay: ports, seconds: 6})", relay.ports)
            relayed = page.evaluate("turn => runCall({seconds: 5, turn})", relays)
            records = _wait_for_records(spool, 6)
            status = worker.evaluate("chrome.storage.session.get('host')")
            options = context.new_page()
            options.goto(f"chrome-extension://{DEFAULT_EXTENSION_ID}/options.html")
            options.wait_for_selector("#origins li", timeout=10000)
            shown = options.text_content("body") or ""
            page.goto(page_url.replace("127.0.0.1", "localhost"))  # not an allowed origin
            wrapped_elsewhere = page.evaluate("RTCPeerConnection.__agentprobe")
        finally:
            children = psutil.Process().children(recursive=True)
            host_pids = [p.pid for p in children if _is_host(p)]
            context.close()
            hosts = _reap(children, host_pids)
    _check_direct(records, direct)
    _check_impaired(records, impaired, relay)
    _check_relayed(records, relayed)
    assert status["host"] == "connected", status
    assert "http://127.0.0.1/*" in shown and "Agent: connected" in shown, shown
    assert wrapped_elsewhere is None, "the page script ran on an origin not allowed"
    _check_nothing_but_counters(spool)
    assert hosts == {"started": 1, "left": 0}, hosts


def test_a_browser_killed_mid_call_leaves_the_call_as_last_reported(
    home: Path, extension: Path, page_url: str
) -> None:
    from playwright.sync_api import sync_playwright

    children: list[psutil.Process] = []
    host_pids: list[int] = []
    with sync_playwright() as playwright:
        context = _launch(playwright, home, extension)
        try:
            worker = _allow_test_origin(context)
            page = context.new_page()
            page.goto(page_url)
            page.evaluate("() => { window.call = runCall({relay: null, seconds: 60}); }")
            _wait_for_live_calls(worker, 2)  # the page script's first live summary: ~10 s
            children = psutil.Process().children(recursive=True)
            host_pids = [p.pid for p in children if _is_host(p)]
            next(p for p in children if _is_browser(p)).kill()  # SIGKILL: no goodbye
            records = _wait_for_records(home / "data" / "calls", 2)
        finally:
            with contextlib.suppress(Exception):
                context.close()
            # the host has written its records, so it is ending; the killed browser's own
            # children (renderers, zygote) may outlive it and are killed here by PID
            hosts = _reap(children, host_pids, timeout=3.0)
    assert hosts == {"started": 1, "left": 0}, hosts
    for record in records:
        metrics = record["metrics"]
        assert metrics["call_state"] == "live" and record["duration_s"] >= 9.0
        assert metrics["rx_packets"] > 100 and metrics["tx_packets"] > 100
        assert metrics["rx_loss_pct"] == 0.0 and metrics["mos"] > 4.0


def _wait_for_live_calls(worker: Any, count: int) -> None:
    deadline = time.monotonic() + LIVE_TIMEOUT_S
    live = None
    while time.monotonic() < deadline:
        live = worker.evaluate("chrome.storage.session.get('live')").get("live")
        if live == count:
            return
        time.sleep(0.5)
    raise AssertionError(f"the host never held {count} live calls (last said {live})")


def _launch(playwright: Any, home: Path, extension: Path) -> Any:
    env = {"HOME": str(home), "PATH": os.environ["PATH"],
           "AGENTPROBE_CONFIG": str(home / "config.toml")}  # fmt: skip
    return playwright.chromium.launch_persistent_context(
        str(home / ".config" / "chromium"),
        executable_path=CHROMIUM,
        headless=False,  # the real headless mode comes from --headless=new in ARGS
        args=[*ARGS, f"--load-extension={extension}",
              f"--disable-extensions-except={extension}"],
        ignore_default_args=["--disable-extensions"],
        env=env,
    )  # fmt: skip


def _allow_test_origin(context: Any) -> Any:
    worker = context.service_workers[0] if context.service_workers else None
    worker = worker or context.wait_for_event("serviceworker", timeout=15000)
    worker.evaluate("chrome.storage.local.set({origins: ['http://127.0.0.1/*']})")
    for _ in range(100):
        scripts = worker.evaluate("chrome.scripting.getRegisteredContentScripts()")
        if scripts and all(s["matches"] == ["http://127.0.0.1/*"] for s in scripts):
            return worker
        time.sleep(0.1)
    raise AssertionError(f"content scripts never registered for the test origin: {scripts}")


def _wait_for_records(spool: Path, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + SPOOL_TIMEOUT_S
    paths: list[Path] = []
    while time.monotonic() < deadline:
        paths = sorted(spool.glob("*.json")) if spool.is_dir() else []
        if len(paths) >= count:
            break
        time.sleep(0.2)
    assert len(paths) == count, f"{len(paths)} records in the spool, expected {count}"
    return [json.loads(path.read_text()) for path in paths]


def _reap(
    children: list[psutil.Process], host_pids: list[int], timeout: float = 10.0
) -> dict[str, int]:
    """Wait for the browser's processes and the hosts to end, kill any left; count the hosts.

    Playwright's own driver is among the children too; it ends with `sync_playwright`.
    """
    hosts = [p for p in children if p.pid in host_pids]
    browser = [p for p in children if p.pid not in host_pids and _is_chromium(p)]
    _, alive = psutil.wait_procs(hosts, timeout=10.0)  # a host ends at end of input
    _, rest = psutil.wait_procs(browser, timeout=timeout)
    for process in alive + rest:
        process.kill()
    return {"started": len(host_pids), "left": len(alive)}


def _is_chromium(process: psutil.Process) -> bool:
    try:
        return process.exe().endswith("/chromium")
    except psutil.Error:
        return False


def _is_browser(process: psutil.Process) -> bool:
    """Chromium's main process (its helpers carry a --type= switch)."""
    try:
        command = process.cmdline()
    except psutil.Error:
        return False
    return _is_chromium(process) and not any(a.startswith("--type=") for a in command)


def _is_host(process: psutil.Process) -> bool:
    try:
        return "native-host" in " ".join(process.cmdline())
    except psutil.Error:
        return False


def _pair(records: list[dict[str, Any]], totals: dict[str, Any]) -> list[dict[str, Any]]:
    """The two records of one call, in the page's order (pc1, pc2), by their packet totals.

    Each peer's own getStats() totals at the end of the call must equal, exactly, what
    the extension sent the host for that peer.
    """

    def key(counts: dict[str, int]) -> tuple[int, int, int]:
        return counts["received"], counts["lost"], counts["sent"]

    def seen(record: dict[str, Any]) -> tuple[int, int, int]:
        m = record["metrics"]
        return m["rx_packets"], m["rx_packets_lost"], m["tx_packets"]

    wanted = sorted([key(totals["pc1"]), key(totals["pc2"])])
    records = [r for r in records if seen(r) in wanted]
    assert sorted(map(seen, records)) == wanted
    first = next(r for r in records if seen(r) == key(totals["pc1"]))
    return [first, next(r for r in records if r is not first)]


def _check_direct(records: list[dict[str, Any]], totals: dict[str, Any]) -> None:
    for record in _pair(records, totals):
        metrics = record["metrics"]
        assert record["source"] == "browser"
        assert record["transport"] == "srtp" and metrics["relay_protocol"] is None
        assert record["codec"] == "opus"
        assert metrics["rx_packets_lost"] == 0
        assert 0.0 <= metrics["concealment_pct"] <= 100.0 and metrics["jitter_buffer_ms"] > 0
        assert metrics["rx_loss_pct"] == 0.0 and metrics["tx_loss_pct"] == 0.0
        assert metrics["rx_packets"] > 50 and metrics["tx_packets"] > 50
        assert metrics["rtt_ms"] is not None and metrics["mos"] > 4.0 and metrics["tx_mos"] > 4.0
        assert metrics["origin"].startswith("http://127.0.0.1:")
        assert "127.0.0.1" not in record["remote"]


def _check_relayed(records: list[dict[str, Any]], totals: dict[str, Any]) -> None:
    """pc1 reaches coturn over UDP, pc2 over TCP: both calls go through the relay.

    Without loss both peers' totals are alike, so which record is which is not known.
    """
    pair = _pair(records, totals)
    assert sorted(r["metrics"]["relay_protocol"] for r in pair) == ["tcp", "udp"]
    for record in pair:
        metrics = record["metrics"]
        assert record["transport"] == metrics["transport"] == "turn-channel"
        assert metrics["candidate_type"] == "relay" and metrics["rx_packets"] > 0
        # No loss figure is asserted: on a busy machine Chrome may discard packets it
        # cannot write to the TURN/TCP socket (candidate-pair packetsDiscardedOnSend).


def _check_nothing_but_counters(spool: Path) -> None:
    written = "".join(path.read_text() for path in spool.glob("*.json"))
    for secret in ("call.html", "test softphone", "audioLevel", "totalAudioEnergy",
                   "candidate:", "192.0.2.", "a=", "ARDAMS", "fmtp", "turn:",
                   turn.PASSWORD, turn.REALM):  # fmt: skip
        assert secret not in written, secret


def _check_impaired(records: list[dict[str, Any]], totals: dict[str, Any], relay: UdpRelay) -> None:
    one, two = _pair(records, totals)
    dropped = relay.one_to_two.dropped
    assert dropped == relay.one_to_two.rtp // 10 > 10
    # Peer 2 counts a drop as lost once a later packet arrives (RFC 3550 §6.4.1).
    assert dropped - 1 <= two["metrics"]["rx_packets_lost"] <= dropped
    assert 8.0 <= two["metrics"]["rx_loss_pct"] <= 10.5
    assert one["transport"] == two["transport"] == "srtp"
    # Peer 1 hears of the same loss from peer 2's RTCP receiver reports, which lag by up
    # to 7.5 s (libwebrtc's audio report interval, 5 s ± 50 %).
    assert 0 < one["metrics"]["tx_packets_lost"] <= dropped and one["metrics"]["tx_loss_pct"] > 0
    assert one["metrics"]["rx_loss_pct"] == 0.0 and two["metrics"]["tx_loss_pct"] == 0.0
    assert two["metrics"]["mos"] < one["metrics"]["mos"]
    assert one["metrics"]["tx_mos"] < one["metrics"]["mos"]
