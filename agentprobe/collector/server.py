"""Run the collector: prepare the data dir and TLS, then serve the app under uvicorn.

HTTPS only: plain HTTP is refused unless explicitly asked for on a loopback address
(a reverse proxy on the same host terminating TLS, or a local demo). With `--workers N`
the process supervises N workers on one port (`workers.py`); with `--reuse-port` it is
one such worker, binding its TCP and UDP sockets with SO_REUSEPORT.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path

import uvicorn

from agentprobe.collector.app import create_app
from agentprobe.collector.connections import ConnectionGuard, protocol_class
from agentprobe.collector.settings import Settings
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.tls import ensure_certificate
from agentprobe.collector.workers import Supervisor, child_command
from agentprobe.config.addresses import is_loopback

# A client that keeps an idle TLS connection open delays shutdown until this runs out;
# requests still waiting then are cancelled, but their queued reports are still committed.
GRACEFUL_SHUTDOWN_S = 5
SWITCH_INTERVAL_S = 0.0005
KEEP_ALIVE_S = 5  # idle time between requests on one connection


class ServeError(ValueError):
    """The collector cannot start as configured (the message says why)."""


def tls_files(settings: Settings) -> tuple[Path, Path] | None:
    """(cert, key) to serve with, or None for plain HTTP (loopback + insecure_http only)."""
    if settings.insecure_http:
        if not is_loopback(settings.host):
            raise ServeError(
                f"--insecure-http is allowed only on a loopback address, not {settings.host}"
            )
        return None
    if (settings.tls_cert is None) != (settings.tls_key is None):
        raise ServeError("give both --tls-cert and --tls-key, or neither")
    if settings.tls_cert is not None and settings.tls_key is not None:
        for path in (settings.tls_cert, settings.tls_key):
            if not path.is_file():
                raise ServeError(f"TLS file not found: {path}")
        return settings.tls_cert, settings.tls_key
    return ensure_certificate(settings.tls_dir, settings.host)


def uvicorn_config(
    settings: Settings, log_level: str = "info", guard: ConnectionGuard | None = None
) -> uvicorn.Config:
    """The uvicorn setup shared by `serve` and the ingest benchmark."""
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    files = tls_files(settings)
    app = create_app(settings)
    guard = guard or ConnectionGuard(header_timeout_s=settings.header_timeout_s)
    app.state.metrics.watch_connections(guard.figures)
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ssl_certfile=str(files[0]) if files else None,
        ssl_keyfile=str(files[1]) if files else None,
        log_level=log_level,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        timeout_keep_alive=KEEP_ALIVE_S,
        # Our protocol (httptools underneath) adds the header deadline and connection caps.
        http=protocol_class(guard),
    )


def serve(settings: Settings, log_level: str = "info") -> int:
    """Serve until SIGINT/SIGTERM; queued reports are committed before exit."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(message)s")
    if settings.workers > 1:
        return _supervise(settings, log_level)
    # The writer thread drops the GIL for every SQLite call (and the fsync) and then waits
    # for the event loop to yield it back; at the default 5 ms switch interval those waits
    # dominate each commit. 0.5 ms keeps a batch's handful of handoffs cheap.
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    config = uvicorn_config(settings, log_level)
    sockets = [shared_socket(settings.host, settings.port)] if settings.reuse_port else None
    uvicorn.Server(config).run(sockets=sockets)
    return 0


def _supervise(settings: Settings, log_level: str) -> int:
    if not settings.shared_database:
        raise ServeError("--workers above 1 needs a shared database: --db postgresql://...")
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    files = tls_files(settings)  # made once here, not raced by the workers
    open_engine(settings.database_url).dispose()  # migrated once, before any worker
    env = {**os.environ, "AGENTPROBE_COLLECTOR_DB": settings.database_url}
    command = child_command(settings, files, log_level)
    return Supervisor(command, settings.workers, env).run()


def shared_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket that other processes of this host may bind too (SO_REUSEPORT:
    the kernel spreads incoming connections across them)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock
