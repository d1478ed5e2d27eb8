"""The outbox survives kill -9 at any instant: a real writer process is SIGKILLed repeatedly
while it queues and uploads; afterwards the file is intact and every report it had
committed reaches the server."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(json.loads(body)["report_id"])
        time.sleep(0.002)  # widen the window in which an upload is in flight
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    received: ClassVar[list[str]] = []
    handler = type("Handler", (Receiver,), {"received": received})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def writer(data_dir: Path, url: str, out: Path, *flags: str) -> subprocess.Popen[bytes]:
    with out.open("ab") as handle:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.rigs.outbox_writer", str(data_dir), url, *flags],
            cwd=ROOT,
            stdout=handle,
        )


def test_outbox_survives_repeated_sigkill(tmp_path: Path, server: tuple[str, list[str]]) -> None:
    url, received = server
    data_dir, out = tmp_path / "data", tmp_path / "writer.out"
    rng = random.Random(6)
    for _ in range(12):
        process = writer(data_dir, url, out)
        time.sleep(rng.uniform(0.4, 1.2))
        os.kill(process.pid, signal.SIGKILL)
        assert process.wait(10) == -signal.SIGKILL
    with sqlite3.connect(data_dir / "outbox.sqlite3") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    drain = writer(data_dir, url, out, "--drain")
    assert drain.wait(60) == 0
    lines = out.read_text().splitlines()
    queued = {line.split()[1] for line in lines if line.startswith("queued ") and len(line) == 43}
    assert len(queued) > 100  # the writer really was working when it was killed
    assert lines[-1] == "drained 0"
    assert queued <= set(received)
