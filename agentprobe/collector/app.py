"""`create_app(settings)`: the collector's FastAPI application and its lifespan.

The lifespan starts, in order, the group-commit writer with (on SQLite) its WAL
checkpointer, the voice reflector (UDP on the same port number as HTTPS) and the store's
upkeep (partitions ahead, retention), and stops them in reverse: the writer drains every
queued report before the process exits, so SIGTERM loses nothing. Nothing a request
depends on lives only in this process: credentials, reports and the reflector's secret
are in the database, so any number of collectors can serve one PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response

from agentprobe import __version__
from agentprobe.collector.api import ingest, measure, read
from agentprobe.collector.api.report_route import ReportIngest, ReportRoute
from agentprobe.collector.auth import Authenticator
from agentprobe.collector.errors import install_handlers
from agentprobe.collector.metrics import CONTENT_TYPE, CollectorMetrics
from agentprobe.collector.reflector import Reflector
from agentprobe.collector.settings import Settings
from agentprobe.collector.store import keyring, queries, rollups
from agentprobe.collector.store.checkpointer import WalCheckpointer
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.retention import run_upkeep
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.store.writer import GroupCommitWriter
from agentprobe.collector.web import dashboard

log = logging.getLogger("agentprobe.collector")


def create_app(settings: Settings) -> FastAPI:
    """The app over the database at `settings.database_url` (migrated on open)."""
    app = FastAPI(
        title="agentprobe collector",
        version=__version__,
        lifespan=_lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    # Checkpoints run in the lifespan's WalCheckpointer, not inside the writer's commits.
    engine = open_engine(settings.database_url, auto_checkpoint=False)
    app.state.settings = settings
    app.state.engine = engine
    app.state.credentials = Credentials(engine)
    app.state.store = ReportStore(engine)
    app.state.auth = Authenticator(app.state.credentials)
    app.state.metrics = CollectorMetrics(lambda: queries.agent_counts(engine))
    app.state.reflector = Reflector(secret=keyring.shared_secret(engine, keyring.REFLECTOR))
    app.state.writer = None
    app.state.report_ingest = ReportIngest(
        app.state.auth, app.state.metrics, settings.body_limit, lambda: app.state.writer
    )
    app.add_middleware(ReportRoute, ingest=lambda: app.state.report_ingest)
    install_handlers(app)
    for router in (ingest.router, read.router, measure.router, dashboard.router):
        app.include_router(router)
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["service"])
    app.add_api_route("/metrics", metrics, methods=["GET"], tags=["service"])
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


HEALTH_TIMEOUT_S = 5.0


def _database_answers(engine: Any) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")


async def healthz(request: Request) -> Response:
    """Readiness: the writer runs and the database answers; else 503 with the reason."""
    writer = request.app.state.writer
    try:
        await asyncio.wait_for(
            asyncio.to_thread(_database_answers, request.app.state.engine), HEALTH_TIMEOUT_S
        )
    except Exception as error:  # any failure to reach the database means "not ready"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        body = {"error": "unavailable", "detail": f"database unreachable: {reason}"}
        return JSONResponse(body, status_code=503)
    return JSONResponse(
        {"status": "ok", "version": __version__, "writer": writer is not None, "database": "ok"}
    )


async def metrics(request: Request) -> Response:
    """Prometheus text format."""
    collector_metrics: CollectorMetrics = request.app.state.metrics
    body = await asyncio.to_thread(collector_metrics.render)
    return Response(body, media_type=CONTENT_TYPE)


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    writer = GroupCommitWriter(
        app.state.store.save_batch, settings.batch_max, app.state.metrics.observe_commit
    )
    writer.start()
    checkpointer = WalCheckpointer(app.state.engine, writer.between_batches)
    if checkpointer.wanted:
        checkpointer.start()
    app.state.writer = writer
    await app.state.reflector.start(settings.host, settings.port, settings.reuse_port)
    chores = [
        asyncio.create_task(_purge_forever(app), name="retention-purge"),
        asyncio.create_task(_roll_up_forever(app), name="per-agent-rollups"),
    ]
    try:
        yield
    finally:
        for chore in chores:
            chore.cancel()
        for chore in chores:
            with contextlib.suppress(asyncio.CancelledError):
                await chore
        await app.state.reflector.stop()
        await asyncio.to_thread(checkpointer.stop)
        await writer.close()
        app.state.engine.dispose()


async def _purge_forever(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    while True:
        try:
            done = await asyncio.to_thread(run_upkeep, app.state.engine, settings.retention_days)
            if done.reports_deleted or done.partitions_dropped:
                log.info(
                    "retention (%g days): %d reports deleted, partitions dropped: %s",
                    settings.retention_days,
                    done.reports_deleted,
                    ", ".join(done.partitions_dropped) or "none",
                )
        except Exception:
            log.exception("store upkeep failed; will retry")
        await asyncio.sleep(settings.purge_interval_s)


async def _roll_up_forever(app: FastAPI) -> None:
    while True:
        await asyncio.sleep(rollups.CATCH_UP_S)
        try:
            await asyncio.to_thread(rollups.catch_up, app.state.engine)
        except Exception:
            log.exception("per-agent rollups failed; will retry")


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = {
        "type": "object",
        "required": ["error", "detail"],
        "properties": {"error": {"type": "string"}, "detail": {}},
    }
    schema["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    app.openapi_schema = schema
    return schema
