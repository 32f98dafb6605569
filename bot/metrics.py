"""Prometheus metrics: request latency, Slack API errors by method, deliveries by status, queued work."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from storage import work_queue
from storage.models import Delivery, DeliveryStatus

REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "mentori_request_seconds",
    "Time to answer an HTTP request, by path",
    ["path"],
    registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5, 10),
)
SLACK_API_ERRORS = Counter(
    "mentori_slack_api_errors_total", "Slack Web API calls that failed, by method and error", ["method", "error"],
    registry=REGISTRY,
)  # fmt: skip
SLACK_API_CALLS = Counter("mentori_slack_api_calls_total", "Slack Web API calls, by method", ["method"],
                          registry=REGISTRY)  # fmt: skip


class MeteredWebClient(WebClient):
    """A WebClient that counts its calls and failures for /metrics."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:
        SLACK_API_CALLS.labels(api_method).inc()
        try:
            return super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            SLACK_API_ERRORS.labels(api_method, str(error.response.get("error", "unknown"))).inc()
            raise
        except OSError as error:
            SLACK_API_ERRORS.labels(api_method, error.__class__.__name__).inc()
            raise


class DeliveryCollector(Collector):
    """Deliveries by status, read from the database at scrape time (so every process reports the same)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("mentori_deliveries", "Deliveries in the outbox, by status", labels=["status"])
        counts = dict.fromkeys((status.value for status in DeliveryStatus), 0)
        with Session(self.engine) as session:
            for status, count in session.exec(select(Delivery.status, func.count()).group_by(Delivery.status)):
                counts[status] = count
        for status, count in counts.items():
            family.add_metric([status], count)
        yield family


class QueueCollector(Collector):
    """The commands and events waiting for a worker, and how long the oldest has waited."""

    def __init__(self, engine: Engine, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.now = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        count, oldest = work_queue.backlog(self.engine)
        yield GaugeMetricFamily("mentori_queued_work", "Commands and events waiting for a worker", value=count)
        waited = (self.now() - oldest).total_seconds() if oldest else 0.0
        yield GaugeMetricFamily(
            "mentori_queued_work_oldest_wait_seconds",
            "How long the oldest queued item has waited",
            value=max(0.0, waited),
        )


def render_metrics(database: CollectorRegistry) -> bytes:
    """The text exposition of this process's counters plus the database-derived gauges."""
    return generate_latest(REGISTRY) + generate_latest(database)


def database_registry(engine: Engine) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeliveryCollector(engine))
    registry.register(QueueCollector(engine))
    return registry


class Timer:
    """Measures one request into REQUEST_SECONDS."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.started = time.perf_counter()

    def done(self) -> None:
        REQUEST_SECONDS.labels(self.path).observe(time.perf_counter() - self.started)
