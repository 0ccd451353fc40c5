"""The gRPC face of the risk service: authenticate, check, score in a worker thread, answer.

Order of checks: who is calling (UNAUTHENTICATED), batch size (RESOURCE_EXHAUSTED), the
payload (INVALID_ARGUMENT), the tenant (PERMISSION_DENIED), and only then whether a model is
loaded (UNAVAILABLE) — so a client only ever retries a request that would succeed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from learnpulse.auth import AuthError
from learnpulse.risk.v1 import risk_pb2, risk_pb2_grpc
from services.risk import scoring, validation
from services.risk.access import Caller, Gatekeeper
from services.risk.metrics import RiskMetrics
from services.risk.registry import ModelRegistry
from services.risk.tracing import request_id

log = logging.getLogger(__name__)
Request = risk_pb2.ScoreTrajectoriesRequest
Response = risk_pb2.ScoreTrajectoriesResponse


# Requests at most this big are scored on the event loop itself (see `_score`).
INLINE_MAX_TRAJECTORIES = 4
INLINE_MAX_EVENTS = 1_000


def events_in(request: Request) -> int:
    if request.HasField("event_columns"):
        return len(request.event_columns.ts_us)
    return sum(len(t.events) for t in request.trajectories)


class Refusal(Exception):
    """A call we answer with a status instead of scores; `fields` become BadRequest details."""

    def __init__(
        self, code: grpc.StatusCode, message: str, fields: list[validation.Violation] | None = None
    ) -> None:
        super().__init__(message)
        self.code, self.message, self.fields = code, message, fields or []

    async def abort(self, context: grpc.aio.ServicerContext) -> NoReturn:
        if not self.fields:
            await context.abort(self.code, self.message)
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=f, description=d)
                for f, d in self.fields
            ]
        )
        detail = any_pb2.Any()
        detail.Pack(bad)
        first = ", ".join(f"{f}: {d}" for f, d in self.fields[:3])
        more = f" (and {len(self.fields) - 3} more)" if len(self.fields) > 3 else ""
        status = rpc_status.to_status(
            status_pb2.Status(
                code=self.code.value[0], message=f"{self.message}: {first}{more}", details=[detail]
            )
        )
        await context.abort(status.code, status.details, status.trailing_metadata)
        raise AssertionError("context.abort returned")  # it raises; this tells type checkers


class RiskServicer(risk_pb2_grpc.RiskServiceServicer):
    def __init__(
        self,
        *,
        registry: ModelRegistry,
        gatekeeper: Gatekeeper,
        max_batch: int,
        metrics: RiskMetrics | None = None,
    ) -> None:
        self.registry = registry
        self.gatekeeper = gatekeeper
        self.max_batch = max_batch
        self.metrics = metrics

    async def ScoreTrajectories(
        self, request: Request, context: grpc.aio.ServicerContext
    ) -> Response:
        try:
            return await self._score(request, self._identify(context))
        except Refusal as refusal:
            await refusal.abort(context)

    async def StreamScores(
        self, request_iterator: AsyncIterator[Request], context: grpc.aio.ServicerContext
    ) -> AsyncIterator[Response]:
        # Credentials are checked once per stream; a bad request ends the stream with its
        # status, since gRPC has no per-message error on a stream.
        try:
            caller = self._identify(context)
            async for request in request_iterator:
                yield await self._score(request, caller)
        except Refusal as refusal:
            await refusal.abort(context)

    async def GetModelInfo(
        self, request: risk_pb2.GetModelInfoRequest, context: grpc.aio.ServicerContext
    ) -> risk_pb2.GetModelInfoResponse:
        try:
            self._identify(context)
        except Refusal as refusal:
            await refusal.abort(context)
        models = self.registry.current
        response = risk_pb2.GetModelInfoResponse()
        for model in models.models if models else ():
            meta = model.meta
            info = response.models.add(
                model=scoring.model_ref(meta),
                metrics=meta.metrics,
                features=meta.features,
                band_medium_threshold=meta.band_medium_threshold,
                band_high_threshold=meta.band_high_threshold,
                from_cache=model.from_cache,
            )
            if meta.trained_at is not None:
                info.trained_at.FromDatetime(meta.trained_at)
        return response

    def _identify(self, context: grpc.aio.ServicerContext) -> Caller:
        try:
            return self.gatekeeper.identify(context.invocation_metadata())
        except AuthError as exc:
            raise Refusal(grpc.StatusCode.UNAUTHENTICATED, str(exc)) from exc

    async def _score(self, request: Request, caller: Caller) -> Response:
        size = len(request.trajectories)
        if size > self.max_batch:
            raise Refusal(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                f"{size} trajectories exceed the limit of {self.max_batch} per request; "
                "split the batch",
            )
        problems = validation.violations(request)
        if problems:
            raise Refusal(grpc.StatusCode.INVALID_ARGUMENT, "invalid request", problems)
        foreign = validation.foreign_tenants(request, caller.tenant)
        if foreign:
            message = f"caller may only score tenant {caller.tenant!r}"
            raise Refusal(grpc.StatusCode.PERMISSION_DENIED, message, foreign)
        models = self.registry.current  # read once: the registry may swap it at any await
        if models is None:
            raise Refusal(
                grpc.StatusCode.UNAVAILABLE,
                f"no model loaded yet ({', '.join(self.registry.wanted)}); retry shortly",
            )
        lacking = validation.missing_features(
            request, {f for m in models.models for f in m.meta.features}
        )
        if lacking:
            raise Refusal(grpc.StatusCode.INVALID_ARGUMENT, "invalid request", lacking)
        as_of = request.as_of.ToDatetime(UTC) if request.HasField("as_of") else datetime.now(UTC)
        work = functools.partial(
            scoring.score_trajectories,
            models=models,
            trajectories=request.trajectories,
            as_of=as_of,
            explain=request.explain,
            max_factors=request.max_factors,
            feature_names=request.feature_names,
            event_columns=request.event_columns if request.HasField("event_columns") else None,
        )
        try:
            if events_in(request) <= INLINE_MAX_EVENTS and size <= INLINE_MAX_TRAJECTORIES:
                # A small request costs about a millisecond: less than handing it to a
                # thread, whose GIL hand-overs with the event loop add milliseconds at p99.
                scores = work()
            else:
                # Feature building and prediction are CPU-bound; a thread keeps the event
                # loop answering health checks and other calls meanwhile.
                scores = await asyncio.to_thread(work)
        except Exception as exc:
            log.exception("scoring failed", extra={"tenant": caller.tenant, "learners": size})
            message = f"scoring failed; quote request id {request_id.get()} when reporting it"
            raise Refusal(grpc.StatusCode.INTERNAL, message) from exc
        if self.metrics is not None:
            self.metrics.count_scores(scores)
        return Response(scores=scores)
