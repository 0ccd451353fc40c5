"""The risk service as sweeps see it: score a batch of trajectories as of a time.

`GrpcRiskScorer` calls `ScoreTrajectories` with a signed service principal of the tenant; any
gRPC failure (down, overloaded, timed out, refused) is `ScorerUnavailable`, which sweeps answer
by backing off and trying again later.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from learnpulse.auth import PRINCIPAL_HEADER, principal_for, sign_principal
from learnpulse.risk.v1 import risk_pb2, risk_pb2_grpc
from services.progress.assessments import (
    Estimate,
    Factor,
    FactorDirection,
    ModelRef,
    RiskBand,
    Score,
)
from services.progress.domain import Trajectory
from services.progress.store_docs import midnight
from services.progress.tracking import CANONICAL_VERBS

SWEEP_SUBJECT = "service:progress-risk-sweep"
_BANDS = {risk_pb2.BAND_LOW: RiskBand.LOW, risk_pb2.BAND_MEDIUM: RiskBand.MEDIUM}
_BANDS[risk_pb2.BAND_HIGH] = RiskBand.HIGH


class ScorerUnavailable(Exception):
    """The risk service did not score a batch; `code` is the gRPC status name."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"risk service: {code}: {message}")
        self.code = code


class RiskScorer(Protocol):
    async def score(
        self, *, tenant: str, trajectories: Sequence[Trajectory], as_of: datetime
    ) -> list[Score]:
        """One score per trajectory, in order; raises `ScorerUnavailable`."""
        ...


class GrpcRiskScorer:
    """`ScoreTrajectories` over one lazily opened channel (opened inside the running loop)."""

    def __init__(
        self, target: str, *, key: bytes, timeout_s: float = 10.0, max_factors: int = 5
    ) -> None:
        self.target, self.key, self.timeout_s, self.max_factors = (
            target,
            key,
            timeout_s,
            max_factors,
        )
        self._channel: grpc.aio.Channel | None = None
        self._stub: risk_pb2_grpc.RiskServiceStub | None = None

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = self._stub = None

    async def score(
        self, *, tenant: str, trajectories: Sequence[Trajectory], as_of: datetime
    ) -> list[Score]:
        if not trajectories:
            return []
        if self._stub is None:
            self._channel = grpc.aio.insecure_channel(self.target)
            self._stub = risk_pb2_grpc.RiskServiceStub(self._channel)
        request = risk_pb2.ScoreTrajectoriesRequest(
            trajectories=[to_proto(t) for t in trajectories],
            as_of=_ts(as_of),
            explain=True,
            max_factors=self.max_factors,
        )
        principal = principal_for(tenant, SWEEP_SUBJECT, [])
        metadata = (
            (PRINCIPAL_HEADER, sign_principal(principal, self.key)),
            ("x-request-id", uuid.uuid4().hex),
        )
        try:
            response = await self._stub.ScoreTrajectories(
                request, metadata=metadata, timeout=self.timeout_s
            )
        except grpc.aio.AioRpcError as exc:
            raise ScorerUnavailable(exc.code().name, exc.details() or "") from exc
        if len(response.scores) != len(trajectories):
            raise ScorerUnavailable("INTERNAL", "the number of scores differs from the request")
        # Scores come back in request order; the id we sent is the one we store under.
        return [
            from_proto(s, learner_id=t.learner.id)
            for s, t in zip(response.scores, trajectories, strict=True)
        ]


def to_proto(t: Trajectory) -> risk_pb2.Trajectory:
    """A trajectory as the risk service validates it (verbs canonical, scores in [0, 1])."""
    who = t.learner
    profile = risk_pb2.LearnerProfile(
        learner_id=who.id,
        tenant_id=t.tenant_id,
        role=who.role,
        department=who.department,
        shift=who.shift,
        location=who.location,
        manager_id=who.manager_id or "",
    )
    hired = midnight(who.hire_date)
    if hired is not None:
        profile.hire_date.CopyFrom(_ts(hired))
    m = t.milestone
    if m is not None:
        profile.milestone.CopyFrom(
            risk_pb2.CurrentMilestone(
                assigned_at=_ts(m.assigned_at), due_at=_ts(m.due_at), units=m.units
            )
        )
        if m.reminders is not None:
            profile.milestone.reminders = m.reminders
    events = [
        risk_pb2.LearningEvent(
            ts=_ts(e.ts),
            verb=e.verb,
            course_id=e.course_id or "",
            unit_id=e.unit_id or "",
            duration_s=max(0.0, float(e.duration_s or 0)),
            score=_unit_interval(e.score),
            success=bool(e.success),
            attempt=max(0, e.attempt or 0),
            response=e.response or "",
        )
        for e in t.events
        if e.verb in CANONICAL_VERBS
    ]
    return risk_pb2.Trajectory(profile=profile, events=events)


def from_proto(s: risk_pb2.LearnerScore, *, learner_id: str | None = None) -> Score:
    return Score(learner_id or s.learner_id, _estimate(s.attrition), _estimate(s.stall))


def _estimate(e: risk_pb2.RiskEstimate) -> Estimate:
    factors = tuple(
        Factor(
            f.name,
            f.label,
            FactorDirection.RAISES
            if f.direction == risk_pb2.Factor.DIRECTION_RAISES
            else FactorDirection.LOWERS,
            f.contribution,
        )
        for f in e.factors
    )
    model = ModelRef(e.model.name, e.model.version, e.model.alias)
    return Estimate(e.probability, _BANDS.get(e.band, RiskBand.LOW), factors, model)


def _unit_interval(value: float | None) -> float:
    if value is None or not math.isfinite(value):
        return 0.0
    return min(1.0, max(0.0, value))


def _ts(dt: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(dt.astimezone(UTC))
    return ts
