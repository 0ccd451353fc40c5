"""Factories and small helpers shared by the progress tests (imported by module name)."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import httpx

from learnpulse.auth import Principal, principal_for
from learnpulse.testing import CountingStore as CountingStore
from learnpulse.testing import codes as codes
from learnpulse.testing import post_as
from learnpulse.testing import serving as serving
from services.progress.domain import Enrollment, EnrollmentStatus, Learner, LearningEvent

KEY = b"progress-test-internal-key"


def make_learner(**overrides: Any) -> Learner:
    learner = Learner(
        id="lrn-t",
        name="Test Learner",
        role="Picker",
        department="Operations",
        shift="day",
        location="Testville",
        manager_id="mgr-t",
        hire_date=date(2025, 1, 6),
    )
    return replace(learner, **overrides)


def make_event(**overrides: Any) -> LearningEvent:
    event = LearningEvent(
        event_id="ev-1",
        learner_id="lrn-t",
        ts=datetime(2026, 11, 30, 9, 0, tzinfo=UTC),
        verb="completed",
        course_id="c-test",
        unit_id="u-test-1",
    )
    return replace(event, **overrides)


def make_enrollment(**overrides: Any) -> Enrollment:
    enrollment = Enrollment(
        id="e-test",
        learner_id="lrn-t",
        path_id="p-test",
        status=EnrollmentStatus.ACTIVE,
        enrolled_at=datetime(2026, 11, 1, 8, 0, tzinfo=UTC),
    )
    return replace(enrollment, **overrides)


MANAGER = principal_for(
    "demo", "mgr-1", ["learner", "manager"], ["lrn-1", "lrn-2", "lrn-3", "lrn-4"]
)
HR = principal_for("demo", "hr-1", ["learner", "hr_admin"])


def caller(
    subject: str = "lrn-1",
    *,
    tenant: str = "demo",
    roles: Iterable[str] = ("learner",),
    reports: Iterable[str] = (),
) -> Principal:
    return principal_for(tenant, subject, roles, reports)


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    principal: Principal | None = None,
) -> dict[str, Any]:
    """POST a GraphQL query as `principal` (a demo learner by default); returns the JSON body."""
    return await post_as(client, query, variables, principal=principal or caller(), key=KEY)


CREATE_CREDENTIAL = """mutation ($scopes: [String!]) {
  createXapiCredential(name: "partner LMS", scopes: $scopes) { key secret scopes }
}"""
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


async def xapi_headers(
    client: httpx.AsyncClient, *, principal: Principal = HR, scopes: list[str] | None = None
) -> dict[str, str]:
    """Headers of an xAPI client whose Basic credential an HR admin just created."""
    body = await gql(client, CREATE_CREDENTIAL, {"scopes": scopes}, principal=principal)
    made = body["data"]["createXapiCredential"]
    basic = base64.b64encode(f"{made['key']}:{made['secret']}".encode()).decode()
    return {"Authorization": f"Basic {basic}", "X-Experience-API-Version": "2.0.0"}


def make_statement(**overrides: Any) -> dict[str, Any]:
    """A statement of demo learner lrn-2 completing unit u-privacy-1 of course c-privacy."""
    statement: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "actor": {
            "objectType": "Agent",
            "account": {"homePage": "https://hr.example", "name": "lrn-2"},
        },
        "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
        "object": {
            "id": "https://lms.example/units/u-privacy-1",
            "definition": {"name": {"en-US": "Ladders"}},
        },
        "context": {
            "contextActivities": {"parent": [{"id": "https://lms.example/courses/c-privacy"}]},
            "registration": "6f1d1c5e-2f5b-4a8e-9a34-1c0f1b2a3c4d",
        },
        "result": {"duration": "PT4M30S", "score": {"scaled": 0.9}, "success": True},
        "timestamp": "2026-12-01T10:00:00Z",
    }
    return statement | overrides
