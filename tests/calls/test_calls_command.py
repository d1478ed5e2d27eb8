"""`agentprobe calls watch` and `calls capture` as real processes: privilege, interfaces,
the spool, and what a real packet socket hands over (headers only)."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentprobe.calls.capture.linux import LinuxSource
from agentprobe.privacy import hash_locator
from tests.calls import capturerig
from tests.rigs import media, netns
from tests.rigs.mediarelay import MediaRelay
from tests.rigs.netns import Impairment

pytestmark = [pytest.mark.integration, pytest.mark.root]


@pytest.fixture
def root() -> None:
    if os.geteuid() != 0:
        pytest.skip("packet sockets need root (CAP_NET_RAW)")


def run_watch(
    *prefix: str, args: tuple[str, ...], config: Path
) -> subprocess.CompletedProcess[str]:
    command = [
        *prefix,
        str(capturerig.AGENTPROBE),
        "calls",
        "watch",
        *args,
        "--config",
        str(config),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def test_without_cap_net_raw_watch_says_so_in_one_line_and_exits_3(
    root: None, tmp_path: Path
) -> None:
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux)")
    dropped = ("setpriv", "--bounding-set", "-net_raw", "--inh-caps", "-net_raw")
    done = run_watch(*dropped, args=("--seconds", "1"), config=capturerig.write_config(tmp_path))
    assert done.returncode == 3
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and "CAP_NET_RAW" in done.stderr
    assert "Traceback" not in done.stderr


def test_cap_net_raw_alone_is_enough_for_an_unprivileged_user() -> None:
    """As nobody with CAP_NET_RAW as its one capability, in a namespace of its own."""
    if netns.available() or shutil.which("setpriv") is None:
        pytest.skip("needs root, ip netns and setpriv (util-linux)")
    home = Path(tempfile.mkdtemp(prefix="agentprobe-nobody-"))
    try:
        home.chmod(0o777)  # nobody may write its salt here
        config = capturerig.write_config(home)
        (home / "data").chmod(0o777)
        with netns.empty_namespace() as name:
            only_net_raw = ("ip", "netns", "exec", name, "setpriv", "--reuid=nobody",
                            "--regid=nogroup", "--clear-groups", "--inh-caps=+net_raw",
                            "--ambient-caps=+net_raw", "--bounding-set=-all,+net_raw")  # fmt: skip
            done = run_watch(*only_net_raw, args=("--seconds", "1"), config=config)
    finally:
        shutil.rmtree(home)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "0 call(s), 0 datagram(s) captured, 0 dropped by the kernel\n"


def test_a_data_dir_that_cannot_hold_the_salt_is_said_in_one_line(
    root: None, tmp_path: Path
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    config = tmp_path / "config.toml"
    config.write_text(f'[agent]\ndata_dir = "{blocked / "data"}"\n')
    done = run_watch(args=("--seconds", "1"), config=config)
    assert done.returncode == 3
    assert done.stderr.startswith("agentprobe: cannot keep the salt for remote hashes: ")
    assert len(done.stderr.splitlines()) == 1


def test_an_unknown_interface_is_named_and_exits_3(root: None, tmp_path: Path) -> None:
    args = ("--interface", "nosuch0", "--seconds", "1")
    done = run_watch(args=args, config=capturerig.write_config(tmp_path))
    assert (done.returncode, done.stderr) == (
        3,
        "agentprobe: no network interface named 'nosuch0'\n",
    )


IPV6_DSTOPTS = 59  # linux/in6.h: send with a Destination Options header (RFC 8200 §4.6)
PADN_OPTION = [(socket.IPPROTO_IPV6, IPV6_DSTOPTS, b"\x00\x00\x01\x04\x00\x00\x00\x00")]


@pytest.mark.parametrize(
    ("family", "host", "extension"),
    [(socket.AF_INET, "127.0.0.1", []), (socket.AF_INET6, "::1", []),
     (socket.AF_INET6, "::1", PADN_OPTION)],
    ids=["v4", "v6", "v6-extension-header"],
)  # fmt: skip
def test_the_kernel_hands_over_headers_never_payload_or_audio_levels(
    root: None, family: socket.AddressFamily, host: str, extension: list[tuple[int, int, bytes]]
) -> None:
    receiver = socket.socket(family, socket.SOCK_DGRAM)
    try:
        receiver.bind((host, 0))
    except OSError:
        receiver.close()
        pytest.skip(f"no {host} on this machine's loopback")
    port = receiver.getsockname()[1]
    source, rng, got = LinuxSource(["lo"]), random.Random(3), []
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sender:
            packets = [media.rtp_packet(media.G711, i, 9, rng, srtp=False) for i in range(20)]
            for packet in packets:
                sender.sendmsg([packet], extension, 0, (host, port))
            for _ in range(40):  # bounded: 40 short reads
                got += [d for d in source.read(0.05) or [] if d.dst[1] == port]
                if len(got) >= len(packets):
                    break
    finally:
        source.close()
        receiver.close()
    assert [(d.payload, d.length) for d in got] == [(p[:16], len(p)) for p in packets]


@pytest.fixture
def link() -> Iterator[netns.ShapedLink]:
    if netns.available():
        pytest.skip(netns.available())
    with netns.shaped_namespace() as made:
        yield made


def test_the_capture_service_spools_each_call_group_readable_until_sigterm(
    link: netns.ShapedLink, tmp_path: Path
) -> None:
    spool, salt = tmp_path / "spool", tmp_path / "salt"
    command = ["ip", "netns", "exec", link.netns, str(capturerig.AGENTPROBE), "calls", "capture",
               "--spool", str(spool), "--data-dir", str(salt), "--group-readable",
               "--config", str(capturerig.write_config(tmp_path))]  # fmt: skip
    service = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sink = capturerig.rig(link.netns, "sink", "--bind", f"{link.ns_ip}:40000", "--seconds", "15")
    try:
        capturerig.capture_ready(service.pid, sockets=1)
        relay = MediaRelay(("127.0.0.1", 0), link.host_ip, (link.ns_ip, 40000), Impairment())
        with relay, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            plan = media.StreamPlan(media.G711, 100, ssrc=0x77)
            media.send_stream(sock, relay.front.getsockname(), plan)
            time.sleep(0.3)
        service.send_signal(signal.SIGTERM)
        _, err = service.communicate(timeout=30)
    finally:
        capturerig.stop(service)
        capturerig.stop(sink)
    assert service.returncode == 0, err
    (path,) = spool.glob("*.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    record = json.loads(path.read_text())
    assert (record["transport"], record["codec"], record["source"]) == ("rtp", "g711", "capture")
    assert record["remote"] == hash_locator(link.host_ip, salt)
    assert record["metrics"]["rx_packets"] == 100
    assert link.host_ip not in path.read_text() + err
    assert f"spooled as {path.name}" in err
    live = json.loads((spool / "live.state").read_text())
    assert stat.S_IMODE((spool / "live.state").stat().st_mode) == 0o640
    assert live["live_calls"] in (0, 1) and live["at"] > time.time() - 60


def test_a_link_that_goes_down_and_up_again_loses_nothing_of_the_call(
    link: netns.ShapedLink, tmp_path: Path
) -> None:
    """packet(7) sockets report ENETDOWN once and resume on NETDEV_UP: a Wi-Fi reconnect."""
    sink = capturerig.rig(link.netns, "sink", "--bind", f"{link.ns_ip}:40000", "--seconds", "20")
    command = ["ip", "netns", "exec", link.netns, str(capturerig.AGENTPROBE), "calls", "watch",
               "--json", "--interface", link.ns_if,
               "--config", str(capturerig.write_config(tmp_path))]  # fmt: skip
    watch = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        capturerig.capture_ready(watch.pid, sockets=1)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            plan = media.StreamPlan(media.G711, 50, ssrc=0x99)
            media.send_stream(sock, (link.ns_ip, 40000), plan)
            netns.sh("ip", "link", "set", link.ns_if, "down", netns=link.netns)
            netns.sh("ip", "link", "set", link.ns_if, "up", netns=link.netns)
            wait_for_carrier(link)
            plan = media.StreamPlan(media.G711, 50, ssrc=0x99, first=50)
            media.send_stream(sock, (link.ns_ip, 40000), plan)
        time.sleep(0.3)
        watch.send_signal(signal.SIGTERM)
        found, output = capturerig.records(watch, timeout_s=30)
    finally:
        capturerig.stop(watch)
        capturerig.stop(sink)
    (record,) = found
    assert (record["metrics"]["rx_packets"], record["metrics"]["rx_loss_pct"]) == (100, 0.0), output


def wait_for_carrier(link: netns.ShapedLink) -> None:
    for _ in range(100):  # bounded: 5 s
        state = Path(f"/sys/class/net/{link.host_if}/operstate").read_text().strip()
        if state == "up":
            return
        time.sleep(0.05)
    raise AssertionError("the veth did not come back up")
