"""`create_app(settings)`: the collector's FastAPI application and its lifespan.

The lifespan starts, in order, the group-commit writer with (on SQLite) its WAL
checkpointer, the voice reflector (UDP on the same port number as HTTPS) and the retention
purge, and stops them in reverse: the writer drains every queued report before the process
exits, so SIGTERM loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response

from agentprobe import __version__
from agentprobe.collector.api import ingest, kpis, measure, read
from agentprobe.collector.api.report_route import ReportIngest, ReportRoute
from agentprobe.collector.auth import Authenticator
from agentprobe.collector.errors import install_handlers
from agentprobe.collector.kpis.location import OfficeNetworks, parse_networks
from agentprobe.collector.metrics import CONTENT_TYPE, CollectorMetrics
from agentprobe.collector.reflector import Reflector
from agentprobe.collector.settings import Settings
from agentprobe.collector.store import kpis as kpi_store
from agentprobe.collector.store import queries
from agentprobe.collector.store.checkpointer import WalCheckpointer
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.store.writer import GroupCommitWriter
from agentprobe.collector.web import dashboard, kpi_pages

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
    app.state.reflector = Reflector()
    app.state.writer = None
    app.state.offices = OfficeNetworks(parse_networks(kpi_store.office_networks(engine)))
    app.state.report_ingest = ReportIngest(
        app.state.auth,
        app.state.metrics,
        settings.body_limit,
        lambda: app.state.writer,
        app.state.offices,
    )
    app.add_middleware(ReportRoute, ingest=lambda: app.state.report_ingest)
    install_handlers(app)
    routers = (ingest.router, read.router, kpis.router, measure.router, dashboard.router)
    for router in (*routers, kpi_pages.router):
        app.include_router(router)
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["service"])
    app.add_api_route("/metrics", metrics, methods=["GET"], tags=["service"])
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


async def healthz(request: Request) -> dict[str, Any]:
    """Liveness: the process answers and the writer is running."""
    writer = request.app.state.writer
    return {"status": "ok", "version": __version__, "writer": writer is not None}


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
    await app.state.reflector.start(settings.host, settings.port)
    purge = asyncio.create_task(_purge_forever(app), name="retention-purge")
    offices = asyncio.create_task(
        kpis.follow_offices(app.state.engine, app.state.offices), name="office-networks"
    )
    try:
        yield
    finally:
        for task in (offices, purge):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await app.state.reflector.stop()
        await asyncio.to_thread(checkpointer.stop)
        await writer.close()
        app.state.engine.dispose()


async def _purge_forever(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    store: ReportStore = app.state.store
    while True:
        cutoff = time.time() - settings.retention_days * 86400
        try:
            removed = await asyncio.to_thread(store.purge, cutoff)
            if removed:
                log.info(
                    "retention: purged %d reports older than %g days",
                    removed,
                    settings.retention_days,
                )
        except Exception:
            log.exception("retention purge failed; will retry")
        await asyncio.sleep(settings.purge_interval_s)


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
