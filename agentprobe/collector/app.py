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
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from agentprobe import __version__, privacy
from agentprobe.collector.alerts.rules import load_alert_config
from agentprobe.collector.alerts.service import AlertService
from agentprobe.collector.api import analysis, calls, ingest, kpis, measure, read
from agentprobe.collector.api.measure import MeasureBudget
from agentprobe.collector.api.report_route import ReportIngest, ReportRoute
from agentprobe.collector.attempts import Attempts
from agentprobe.collector.auth import Authenticator
from agentprobe.collector.errors import ERROR_RESPONSE, error_response, install_handlers
from agentprobe.collector.headers import SecurityHeaders
from agentprobe.collector.health import storage_trouble
from agentprobe.collector.kpis.location import OfficeNetworks, parse_networks
from agentprobe.collector.limits import BodyLimits, rules
from agentprobe.collector.metrics import CONTENT_TYPE, CollectorMetrics
from agentprobe.collector.reflector import Reflector
from agentprobe.collector.revocations import follow_revocations
from agentprobe.collector.security import Security
from agentprobe.collector.settings import Settings
from agentprobe.collector.store import keyring, queries, rollups
from agentprobe.collector.store import kpis as kpi_store
from agentprobe.collector.store.audit import AuditLog
from agentprobe.collector.store.checkpointer import WalCheckpointer
from agentprobe.collector.store.credentials import Credentials
from agentprobe.collector.store.operations import network_salt
from agentprobe.collector.store.reports import ReportStore
from agentprobe.collector.store.retention import run_upkeep
from agentprobe.collector.store.schema import open_engine
from agentprobe.collector.store.writer import GroupCommitWriter
from agentprobe.collector.validation import TimeBounds
from agentprobe.collector.web import dashboard, kpi_pages

log = logging.getLogger("agentprobe.collector")
_ERROR = ERROR_RESPONSE


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
    app.state.alerts = AlertService(engine, load_alert_config(settings.config_file))
    app.state.offices = OfficeNetworks(parse_networks(kpi_store.office_networks(engine)))
    app.state.measure_budget = MeasureBudget(
        app.state.metrics, volume=measure.byte_budget(settings.measure_budget_bytes)
    )
    attempts_salt = privacy.salt(settings.data_dir)
    app.state.security = Security(
        AuditLog(engine),
        Attempts("enroll", attempts_salt, app.state.metrics),
        Attempts("login", attempts_salt, app.state.metrics),
        app.state.auth,
        app.state.reflector,
    )
    app.state.writer = None
    with engine.begin() as connection:
        salt = network_salt(connection)
    app.state.report_ingest = ReportIngest(
        app.state.auth,
        app.state.metrics,
        settings.body_limit,
        lambda: app.state.writer,
        network_salt=salt,
        offices=app.state.offices,
        bounds=lambda: TimeBounds.around(
            time.time(), settings.retention_days * 86400, settings.clock_skew_s
        ),
    )
    # Outermost last: headers on every answer, then body limits before any route reads.
    app.add_middleware(ReportRoute, ingest=lambda: app.state.report_ingest)
    table = rules(settings.body_limit, measure.MAX_UPLOAD_BYTES, settings.body_timeout_s)
    app.add_middleware(BodyLimits, table=table)
    app.add_middleware(SecurityHeaders)
    install_handlers(app)
    routers = (ingest.router, read.router, analysis.router, calls.router, kpis.router)
    for router in (*routers, measure.router, dashboard.router, kpi_pages.router):
        app.include_router(router)
    app.add_api_route(
        "/healthz", healthz, methods=["GET"], tags=["service"], responses={503: _ERROR}
    )
    app.add_api_route(
        "/metrics",
        metrics,
        methods=["GET"],
        tags=["service"],
        response_class=PlainTextResponse,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


HEALTH_TIMEOUT_S = 5.0


def _database_answers(engine: Any) -> None:
    with engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")


async def healthz(request: Request) -> Response:
    """Readiness: the writer runs, the database answers and storage takes writes (else 503)."""
    writer = request.app.state.writer
    settings: Settings = request.app.state.settings
    try:
        await asyncio.wait_for(
            asyncio.to_thread(_database_answers, request.app.state.engine), HEALTH_TIMEOUT_S
        )
    except Exception as error:  # any failure to reach the database means "not ready"
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        return error_response(503, "unavailable", f"database unreachable: {reason}")
    trouble = await asyncio.to_thread(storage_trouble, settings.data_dir, request.app.state.engine)
    if trouble:
        return error_response(503, "unavailable", f"storage: {trouble}", {"Retry-After": "30"})
    body = {"status": "ok", "version": __version__, "writer": writer is not None}
    return JSONResponse({**body, "database": "ok"})


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
        asyncio.create_task(app.state.alerts.run_forever(), name="alerts"),
        asyncio.create_task(
            kpis.follow_offices(app.state.engine, app.state.offices), name="office-networks"
        ),
        asyncio.create_task(
            follow_revocations(app.state.engine, app.state.reflector), name="revocations"
        ),
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


# What `BodyLimits` may answer on any route (bad Content-Length, too large, too slow), and
# what token-protected routes answer without or beyond their token.
_EVERY_ROUTE = {"400": "Bad request", "408": "Body not received in time", "413": "Body too large"}
_AGENT_ROUTES = {"401": "Missing, unknown or revoked token", "429": "Budget spent (Retry-After)"}


def _document_common_errors(path: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    codes = dict(_EVERY_ROUTE)
    if path.startswith(("/speedtest", "/api/v1/reflector")):
        codes.update(_AGENT_ROUTES)
    for code, description in codes.items():
        responses.setdefault(code, {"description": description, **_ERROR})


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
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            _document_common_errors(path, operation)
    app.openapi_schema = schema
    return schema
