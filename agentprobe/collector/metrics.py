"""The collector's Prometheus metrics, in a registry of its own per app instance.

A private registry (not prometheus-client's global one) keeps two apps in one process,
as in tests, from colliding, and keeps process-level noise out unless asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class _AgentsByStatus(Collector):
    """Agents by the status of their latest report, read from the store at scrape time."""

    def __init__(self, counts: Callable[[], dict[str, int]]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "agentprobe_agents", "Enrolled agents by last report status", labels=["status"]
        )
        for status, count in sorted(self.counts().items()):
            family.add_metric([status], count)
        yield family


class _Connections(Collector):
    """The connection guard's figures, read at scrape time: open, refused, timed out."""

    def __init__(self, figures: Callable[[], tuple[int, int, int]]) -> None:
        self.figures = figures

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        open_now, refused, timed_out = self.figures()
        yield GaugeMetricFamily("agentprobe_connections_open", "HTTP connections open", open_now)
        yield CounterMetricFamily(
            "agentprobe_connections_refused",
            "Connections closed at once by the total or per-address cap",
            refused,
        )
        yield CounterMetricFamily(
            "agentprobe_connections_timed_out",
            "Connections closed for not sending their headers in time",
            timed_out,
        )


class CollectorMetrics:
    """Counters and histograms the ingest path updates, plus the scrape-time agent gauge."""

    def __init__(self, agent_counts: Callable[[], dict[str, int]]) -> None:
        self.registry = CollectorRegistry()
        self.reports = Counter(
            "agentprobe_reports_ingested",
            "Reports newly stored, by report status",
            ["status"],
            registry=self.registry,
        )
        self.requests = Counter(
            "agentprobe_ingest_requests",
            "Report uploads by HTTP outcome (stored, duplicate, or the 4xx/5xx code)",
            ["outcome"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "agentprobe_ingest_latency_seconds",
            "Time from request start to durable acknowledgement",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.batch_size = Histogram(
            "agentprobe_commit_batch_size",
            "Reports per group-commit transaction",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256, 512),
            registry=self.registry,
        )
        self.commit_seconds = Histogram(
            "agentprobe_commit_seconds",
            "Time to store and commit one batch",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.measure_bytes = Counter(
            "agentprobe_measure_bytes",
            "Bytes the speed-test endpoints sent (download) and received (upload)",
            ["direction"],
            registry=self.registry,
        )
        self.limited = Counter(
            "agentprobe_limited_requests",
            "Requests answered 429 by a budget or rate limit, by limit",
            ["limit"],
            registry=self.registry,
        )
        self.registry.register(_AgentsByStatus(agent_counts))

    def watch_connections(self, figures: Callable[[], tuple[int, int, int]]) -> None:
        """Publish the connection guard's (open, refused, timed out) on /metrics."""
        self.registry.register(_Connections(figures))

    def observe_commit(self, size: int, seconds: float) -> None:
        self.batch_size.observe(size)
        self.commit_seconds.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
