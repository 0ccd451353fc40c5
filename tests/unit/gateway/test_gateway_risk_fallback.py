"""`Learner.risk` while the risk service is down: the last stored assessment, marked stale."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from graphql import GraphQLError

from gateway.risk import RiskSource
from learnpulse.auth import principal_for
from learnpulse.risk.v1 import risk_pb2

PROFILE = {
    "learnerId": "lrn-1",
    "tenantId": "demo",
    "role": "picker",
    "department": "ops",
    "shift": "day",
    "location": "hub",
    "managerId": "mgr-1",
    "hireDate": "2025-03-01",
}
ESTIMATE = {
    "probability": 0.4,
    "band": "MEDIUM",
    "factors": [
        {
            "name": "days_since_last_activity",
            "label": "Days since last activity: 9",
            "direction": "RAISES",
            "contribution": 0.6,
        }
    ],
    "model": {"name": "learnpulse-attrition", "version": "3", "alias": "champion"},
}
STORED = {
    "asOf": "2026-12-09T09:00:00+00:00",
    "stale": False,
    "attrition": ESTIMATE,
    "stall": ESTIMATE,
}


class Stub:
    def __init__(self, fail: grpc.StatusCode | None) -> None:
        self.fail = fail

    async def ScoreTrajectories(self, request: Any, **_: Any) -> Any:
        if self.fail is not None:
            raise grpc.aio.AioRpcError(
                self.fail, grpc.aio.Metadata(), grpc.aio.Metadata(), details="connection refused"
            )
        model = risk_pb2.ModelRef(name="learnpulse-attrition", version="4", alias="champion")
        est = risk_pb2.RiskEstimate(probability=0.8, band=risk_pb2.BAND_HIGH, model=model)
        return risk_pb2.ScoreTrajectoriesResponse(
            scores=[risk_pb2.LearnerScore(attrition=est, stall=est) for _ in request.trajectories]
        )


@dataclass
class Ctx:
    principal: Any


@pytest.fixture
async def source() -> AsyncIterator[RiskSource]:
    src = RiskSource("127.0.0.1:1", key=b"k" * 40)
    yield src
    await src.close()


def rep(learner_id: str, stored: dict[str, Any] | None) -> dict[str, Any]:
    trajectory = {"profile": PROFILE | {"learnerId": learner_id}, "events": []}
    return {"id": learner_id, "trajectory": trajectory, "latestRisk": stored}


async def test_a_down_risk_service_serves_the_last_stored_assessment_as_stale(
    source: RiskSource,
) -> None:
    source.stub = Stub(grpc.StatusCode.UNAVAILABLE)  # type: ignore[assignment]
    hr = Ctx(principal_for("demo", "hr-1", ["hr_admin"]))

    stored, never = await source.entities(
        "Learner", [rep("lrn-1", STORED), rep("lrn-2", None)], [], hr
    )

    assert isinstance(stored, dict)
    assert stored["risk"] == STORED | {"stale": True}
    assert isinstance(never, GraphQLError)
    assert never.extensions is not None and never.extensions["code"] == "RISK_UNAVAILABLE"


async def test_a_live_score_is_not_stale_and_is_preferred_to_the_stored_one(
    source: RiskSource,
) -> None:
    source.stub = Stub(None)  # type: ignore[assignment]
    hr = Ctx(principal_for("demo", "hr-1", ["hr_admin"]))

    (live,) = await source.entities("Learner", [rep("lrn-1", STORED)], [], hr)

    assert isinstance(live, dict)
    assert live["risk"]["stale"] is False and live["risk"]["attrition"]["band"] == "HIGH"
    assert live["risk"]["attrition"]["model"]["version"] == "4"
