"""The gRPC-backed risk source: who may see scores, batching, and gRPC errors on the field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
import pytest
from graphql import GraphQLError

from gateway.risk import RiskSource
from learnpulse.auth import principal_for
from learnpulse.risk.v1 import risk_pb2


def trajectory(learner_id: str) -> dict[str, Any]:
    return {
        "profile": {
            "learnerId": learner_id,
            "tenantId": "demo",
            "role": "picker",
            "department": "ops",
            "shift": "night",
            "location": "hub",
            "managerId": "mgr-1",
            "hireDate": "2025-03-01",
        },
        "events": [
            {
                "ts": "2026-12-01T08:00:00+00:00",
                "verb": "login",
                "courseId": None,
                "unitId": None,
                "durationS": None,
                "score": None,
                "success": None,
                "attempt": None,
                "response": None,
            }
        ],
    }


class FakeStub:
    def __init__(self, fail: grpc.StatusCode | None = None) -> None:
        self.requests: list[risk_pb2.ScoreTrajectoriesRequest] = []
        self.fail = fail

    async def ScoreTrajectories(self, request: Any, **_: Any) -> Any:
        self.requests.append(request)
        if self.fail is not None:
            raise grpc.aio.AioRpcError(
                self.fail, grpc.aio.Metadata(), grpc.aio.Metadata(), details="no model loaded"
            )
        model = risk_pb2.ModelRef(name="learnpulse-attrition", version="4", alias="champion")
        est = risk_pb2.RiskEstimate(probability=0.8, band=risk_pb2.BAND_HIGH, model=model)
        return risk_pb2.ScoreTrajectoriesResponse(
            scores=[
                risk_pb2.LearnerScore(learner_id=t.profile.learner_id, attrition=est, stall=est)
                for t in request.trajectories
            ]
        )


@dataclass
class Ctx:
    principal: Any


@pytest.fixture
async def source() -> Any:
    src = RiskSource("127.0.0.1:1", key=b"k" * 40, batch_size=2)
    yield src
    await src.close()


async def test_scores_are_batched_and_name_the_model(source: RiskSource) -> None:
    source.stub = FakeStub()  # type: ignore[assignment]
    reps = [{"id": f"lrn-{i}", "trajectory": trajectory(f"lrn-{i}")} for i in range(5)]
    ctx = Ctx(principal_for("demo", "hr-1", ["hr_admin"]))
    results = await source.entities("Learner", reps, [], ctx)
    assert [len(r.trajectories) for r in source.stub.requests] == [2, 2, 1]  # type: ignore[attr-defined]
    first = results[0]
    assert isinstance(first, dict)
    assert first["risk"]["attrition"]["model"] == {
        "name": "learnpulse-attrition",
        "version": "4",
        "alias": "champion",
    }
    assert first["risk"]["attrition"]["band"] == "HIGH"
    sent = source.stub.requests[0].trajectories[0]  # type: ignore[attr-defined]
    assert sent.profile.hire_date.ToDatetime().year == 2025 and sent.events[0].verb == "login"


async def test_only_managers_of_the_learner_and_hr_see_scores(source: RiskSource) -> None:
    source.stub = FakeStub()  # type: ignore[assignment]
    reps = [
        {"id": "lrn-1", "trajectory": trajectory("lrn-1")},
        {"id": "lrn-9", "trajectory": trajectory("lrn-9")},
    ]
    manager = Ctx(principal_for("demo", "mgr-1", ["manager"], ["lrn-1"]))
    results = await source.entities("Learner", reps, [], manager)
    assert isinstance(results[0], dict)
    assert isinstance(results[1], GraphQLError) and results[1].extensions["code"] == "FORBIDDEN"
    learner = Ctx(principal_for("demo", "lrn-1", ["learner"]))
    (own,) = await source.entities("Learner", reps[:1], [], learner)
    assert isinstance(own, GraphQLError) and own.extensions["code"] == "FORBIDDEN"


async def test_grpc_failure_becomes_a_field_error(source: RiskSource) -> None:
    source.stub = FakeStub(fail=grpc.StatusCode.UNAVAILABLE)  # type: ignore[assignment]
    ctx = Ctx(principal_for("demo", "hr-1", ["hr_admin"]))
    (result,) = await source.entities(
        "Learner", [{"id": "lrn-1", "trajectory": trajectory("lrn-1")}], [], ctx
    )
    assert isinstance(result, GraphQLError)
    assert result.extensions == {"code": "RISK_UNAVAILABLE", "grpcStatus": "UNAVAILABLE"}
    assert "no model loaded" in result.message


async def test_the_trajectorys_milestone_is_sent_with_the_profile(source: RiskSource) -> None:
    source.stub = FakeStub()  # type: ignore[assignment]
    with_one = trajectory("lrn-1") | {
        "milestone": {
            "assignedAt": "2026-11-24T08:00:00+00:00",
            "dueAt": "2026-12-08T08:00:00+00:00",
            "units": 8,
            "reminders": None,
        }
    }
    reps = [
        {"id": "lrn-1", "trajectory": with_one},
        {"id": "lrn-2", "trajectory": trajectory("lrn-2") | {"milestone": None}},
    ]
    ctx = Ctx(principal_for("demo", "hr-1", ["hr_admin"]))

    await source.entities("Learner", reps, [], ctx)

    first, second = source.stub.requests[0].trajectories  # type: ignore[attr-defined]
    milestone = first.profile.milestone
    assert milestone.assigned_at.ToJsonString() == "2026-11-24T08:00:00Z"
    assert milestone.due_at.ToJsonString() == "2026-12-08T08:00:00Z"
    assert milestone.units == 8 and not milestone.HasField("reminders")  # unknown stays unset
    assert not second.profile.HasField("milestone")
