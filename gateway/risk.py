"""The risk service as a gateway source: GraphQL fields answered by gRPC calls.

`Learner.risk` scores a learner on demand from their current trajectory (fetched from the
progress subgraph through `@requires`), batched across the whole query into one
`ScoreTrajectories` call; `Query.riskModels` reads `GetModelInfo`. When the risk service fails,
`Learner.risk` is the last assessment the progress sweeps stored (also `@requires`), marked
`stale`; with none stored, the gRPC failure becomes a GraphQL error on the field.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from graphql import FieldNode, GraphQLError

from learnpulse.auth import PRINCIPAL_HEADER, Principal, sign_principal
from learnpulse.risk.v1 import risk_pb2, risk_pb2_grpc

TRAJECTORY = (
    "trajectory { profile { learnerId tenantId role department shift location managerId hireDate }"
    " events { ts verb courseId unitId durationS score success attempt response }"
    " milestone { assignedAt dueAt units reminders } }"
)
_ESTIMATE = (
    "probability band factors { name label direction contribution } model { name version alias }"
)
STORED = f"latestRisk {{ asOf stale attrition {{ {_ESTIMATE} }} stall {{ {_ESTIMATE} }} }}"
REQUIRED_ALIAS = "lp__req_trajectory"

SDL = f'''
scalar DateTime
enum RiskBand {{ LOW MEDIUM HIGH }}
enum FactorDirection {{ RAISES LOWERS }}
"""Which registered model version produced a score."""
type ModelRef @shareable {{ name: String! version: String! alias: String! }}
type RiskFactor @shareable {{
  name: String! label: String! direction: FactorDirection! contribution: Float!
}}
type RiskEstimate @shareable {{
  probability: Float! band: RiskBand! factors: [RiskFactor!]! model: ModelRef!
}}
"""`stale`: the risk service could not score now; this is the last stored assessment."""
type RiskAssessment @shareable {{
  asOf: DateTime! attrition: RiskEstimate! stall: RiskEstimate! stale: Boolean!
}}
type ModelMetric {{ name: String! value: Float! }}
type RiskModel {{
  model: ModelRef! trainedAt: DateTime metrics: [ModelMetric!]! features: [String!]!
  bandMediumThreshold: Float! bandHighThreshold: Float! fromCache: Boolean!
}}
type Learner @key(fields: "id") {{
  id: ID!
  """Attrition (14 days) and stall (7 days) risk, scored now (or the last stored assessment,
  stale, while the risk service is down); managers and HR only."""
  risk: RiskAssessment @requires(fields: "{TRAJECTORY} {STORED}")
}}
type Query {{
  """The models the risk service serves."""
  riskModels: [RiskModel!]!
}}
'''

_CODES = {
    grpc.StatusCode.INVALID_ARGUMENT: "BAD_USER_INPUT",
    grpc.StatusCode.UNAUTHENTICATED: "UNAUTHENTICATED",
    grpc.StatusCode.PERMISSION_DENIED: "FORBIDDEN",
    grpc.StatusCode.DEADLINE_EXCEEDED: "RISK_TIMEOUT",
    grpc.StatusCode.UNAVAILABLE: "RISK_UNAVAILABLE",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "RISK_OVERLOADED",
}
_BANDS = {risk_pb2.BAND_LOW: "LOW", risk_pb2.BAND_MEDIUM: "MEDIUM", risk_pb2.BAND_HIGH: "HIGH"}


class RiskSource:
    name = "risk"

    def __init__(
        self, target: str, *, key: bytes, timeout_s: float = 2.0, batch_size: int = 500
    ) -> None:
        # the risk service refuses batches above its max_batch (1000 by default)
        self.target, self.key, self.timeout_s, self.batch_size = target, key, timeout_s, batch_size
        self.channel = grpc.aio.insecure_channel(target)
        self.stub = risk_pb2_grpc.RiskServiceStub(self.channel)

    async def close(self) -> None:
        await self.channel.close()

    def _metadata(self, principal: Principal) -> tuple[tuple[str, str], ...]:
        return (
            (PRINCIPAL_HEADER, sign_principal(principal, self.key)),
            ("x-request-id", uuid.uuid4().hex),
        )

    async def root(self, fields: list[FieldNode], ctx: Any) -> dict[str, Any]:
        try:
            info = await self.stub.GetModelInfo(
                risk_pb2.GetModelInfoRequest(),
                metadata=self._metadata(ctx.principal),
                timeout=self.timeout_s,
            )
        except grpc.aio.AioRpcError as exc:
            return {"riskModels": _grpc_error(exc)}
        return {"riskModels": [_model_info(m) for m in info.models]}

    async def entities(
        self, type_name: str, reps: list[dict[str, Any]], fields: list[FieldNode], ctx: Any
    ) -> list[dict[str, Any] | Exception]:
        principal: Principal = ctx.principal
        results: list[dict[str, Any] | Exception] = []
        batch: list[tuple[int, risk_pb2.Trajectory, dict[str, Any] | None]] = []
        for i, rep in enumerate(reps):
            learner_id = rep.get("id")
            if not (
                principal.has("hr_admin")
                or (principal.has("manager") and learner_id in principal.reports)
            ):
                results.append(
                    GraphQLError(
                        "risk scores are visible only to the learner's managers and HR",
                        extensions={"code": "FORBIDDEN"},
                    )
                )
                continue
            trajectory = rep.get("trajectory")
            if not trajectory:
                results.append(
                    GraphQLError(
                        "the learner's trajectory could not be read",
                        extensions={"code": "DOWNSTREAM_SERVICE_ERROR"},
                    )
                )
                continue
            results.append({})
            batch.append((i, to_proto(trajectory), rep.get("latestRisk")))
        if not batch:
            return results
        now = datetime.now(UTC)
        chunks = [batch[i : i + self.batch_size] for i in range(0, len(batch), self.batch_size)]
        for chunk in await asyncio.gather(*(self._score(c, now, principal) for c in chunks)):
            for i, value in chunk:
                results[i] = value
        return results

    async def _score(
        self,
        batch: list[tuple[int, risk_pb2.Trajectory, dict[str, Any] | None]],
        now: datetime,
        principal: Principal,
    ) -> list[tuple[int, dict[str, Any] | Exception]]:
        """One `ScoreTrajectories` call; on a gRPC failure each learner gets their last stored
        assessment marked stale, or the error on their field when none is stored."""
        request = risk_pb2.ScoreTrajectoriesRequest(
            trajectories=[t for _, t, _ in batch], as_of=_ts(now), explain=True, max_factors=5
        )
        try:
            response = await self.stub.ScoreTrajectories(
                request, metadata=self._metadata(principal), timeout=self.timeout_s
            )
        except grpc.aio.AioRpcError as exc:
            error = _grpc_error(exc)
            return [
                (i, {"risk": stored | {"stale": True}} if stored else error)
                for i, _, stored in batch
            ]
        return [
            (
                i,
                {
                    "risk": {
                        "asOf": now.isoformat(),
                        "attrition": _estimate(score.attrition),
                        "stall": _estimate(score.stall),
                        "stale": False,
                    }
                },
            )
            for (i, _, _), score in zip(batch, response.scores, strict=True)
        ]


def to_proto(trajectory: dict[str, Any]) -> risk_pb2.Trajectory:
    p = trajectory.get("profile") or {}
    profile = risk_pb2.LearnerProfile(
        learner_id=p.get("learnerId") or "",
        tenant_id=p.get("tenantId") or "",
        role=p.get("role") or "",
        department=p.get("department") or "",
        shift=p.get("shift") or "",
        location=p.get("location") or "",
        manager_id=p.get("managerId") or "",
    )
    if p.get("hireDate"):
        profile.hire_date.CopyFrom(_ts(_parse_dt(p["hireDate"])))
    m = trajectory.get("milestone")
    if m:  # the current milestone (progress computes it as its risk sweeps do)
        profile.milestone.CopyFrom(
            risk_pb2.CurrentMilestone(
                assigned_at=_ts(_parse_dt(m["assignedAt"])),
                due_at=_ts(_parse_dt(m["dueAt"])),
                units=m["units"],
            )
        )
        if m.get("reminders") is not None:
            profile.milestone.reminders = m["reminders"]
    events = []
    for e in trajectory.get("events") or ():
        events.append(
            risk_pb2.LearningEvent(
                ts=_ts(_parse_dt(e["ts"])),
                verb=e.get("verb") or "",
                course_id=e.get("courseId") or "",
                unit_id=e.get("unitId") or "",
                duration_s=e.get("durationS") or 0.0,
                score=e.get("score") or 0.0,
                success=bool(e.get("success")),
                attempt=e.get("attempt") or 0,
                response=e.get("response") or "",
            )
        )
    return risk_pb2.Trajectory(profile=profile, events=events)


def _parse_dt(value: str) -> datetime:
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _ts(dt: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(dt.astimezone(UTC))
    return ts


def _model_ref(ref: risk_pb2.ModelRef) -> dict[str, str]:
    return {"name": ref.name, "version": ref.version, "alias": ref.alias}


def _estimate(est: risk_pb2.RiskEstimate) -> dict[str, Any]:
    return {
        "probability": est.probability,
        "band": _BANDS.get(est.band, "LOW"),
        "model": _model_ref(est.model),
        "factors": [
            {
                "name": f.name,
                "label": f.label,
                "contribution": f.contribution,
                "direction": "RAISES"
                if f.direction == risk_pb2.Factor.DIRECTION_RAISES
                else "LOWERS",
            }
            for f in est.factors
        ],
    }


def _model_info(m: risk_pb2.ModelInfo) -> dict[str, Any]:
    trained = m.trained_at.ToDatetime(tzinfo=UTC).isoformat() if m.HasField("trained_at") else None
    return {
        "model": _model_ref(m.model),
        "trainedAt": trained,
        "metrics": [{"name": k, "value": v} for k, v in sorted(m.metrics.items())],
        "features": list(m.features),
        "bandMediumThreshold": m.band_medium_threshold,
        "bandHighThreshold": m.band_high_threshold,
        "fromCache": m.from_cache,
    }


def _grpc_error(exc: grpc.aio.AioRpcError) -> GraphQLError:
    code = _CODES.get(exc.code(), "RISK_ERROR")
    return GraphQLError(
        f"risk service: {exc.details() or exc.code().name}",
        extensions={"code": code, "grpcStatus": exc.code().name},
    )
