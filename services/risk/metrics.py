"""Prometheus metrics of the risk service: call latency per RPC and status, scores per model
and band, and the model versions in use; served on their own HTTP port (`/metrics`)."""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Iterable
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from learnpulse.risk.v1 import risk_pb2
from services.risk.models import ModelSet

log = logging.getLogger(__name__)

# Single learners answer in milliseconds, batches of 1000 in about half a second.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_BANDS = {
    risk_pb2.BAND_LOW: "low",
    risk_pb2.BAND_MEDIUM: "medium",
    risk_pb2.BAND_HIGH: "high",
}


class RiskMetrics:
    """One registry per instance, so several servers (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "learnpulse_risk_rpc_duration_seconds",
            "Time to answer one gRPC call, by method and status code.",
            ["method", "code"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.scores = Counter(
            "learnpulse_risk_scores",
            "Learner scores served, by model and band.",
            ["model", "band"],
            registry=self.registry,
        )
        self.model = Gauge(
            "learnpulse_risk_model_info",
            "1 for each model version in use (from_cache: loaded from disk during an outage).",
            ["model", "version", "alias", "from_cache"],
            registry=self.registry,
        )
        self._http: tuple[WSGIServer, threading.Thread] | None = None

    def observe_call(self, method: str, code: str, seconds: float) -> None:
        """`method` is the full gRPC path; the metric keeps the method name after the slash."""
        self.latency.labels(method.rsplit("/", 1)[-1], code).observe(seconds)

    def count_scores(self, scores: Iterable[risk_pb2.LearnerScore]) -> None:
        tally: collections.Counter[tuple[str, str]] = collections.Counter()
        for score in scores:
            for estimate in (score.attrition, score.stall):
                tally[estimate.model.name, _BANDS.get(estimate.band, "unspecified")] += 1
        for (model, band), n in tally.items():
            self.scores.labels(model, band).inc(n)

    async def report_models(self, models: ModelSet | None) -> None:
        """A registry listener: the gauge shows exactly the versions now served."""
        self.model.clear()
        for loaded in models.models if models else ():
            meta = loaded.meta
            self.model.labels(
                meta.name, meta.version, meta.alias, str(loaded.from_cache).lower()
            ).set(1)

    def start_http(self, host: str, port: int) -> None:
        """Serve `/metrics` on `host:port` from a daemon thread; port 0 means off. A taken
        port is logged, not fatal: scoring matters more than its metrics."""
        if not port:
            return
        try:
            self._http = start_http_server(port, addr=host, registry=self.registry)
        except OSError as exc:
            log.error(
                "risk metrics not served", extra={"target": f"{host}:{port}", "error": str(exc)}
            )
            return
        log.info("risk metrics listening", extra={"target": f"{host}:{port}"})

    def stop_http(self) -> None:
        if self._http is not None:
            server, thread = self._http
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
            self._http = None
