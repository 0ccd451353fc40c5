"""Factories and small helpers shared by the catalog tests (imported by module name)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import httpx

from learnpulse.auth import Principal, principal_for
from learnpulse.testing import CountingStore as CountingStore
from learnpulse.testing import codes as codes
from learnpulse.testing import post_as
from learnpulse.testing import serving as serving
from services.catalog.domain import Course, CourseStatus, Unit, UnitKind

KEY = b"catalog-test-internal-key"


def make_course(**overrides: Any) -> Course:
    course = Course(
        id="c-test",
        title="Test course",
        summary="A course made by a test.",
        status=CourseStatus.PUBLISHED,
        version=1,
        tags=("test",),
        published_version=1,
    )
    return replace(course, **overrides)


def make_unit(**overrides: Any) -> Unit:
    unit = Unit(
        id="u-test-1",
        course_id="c-test",
        title="Test unit",
        kind=UnitKind.VIDEO,
        expected_minutes=5,
        position=1,
    )
    return replace(unit, **overrides)


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


def author(tenant: str = "demo") -> Principal:
    return caller("author-1", tenant=tenant, roles=("author",))


COURSE_FIELDS = """
  id title status version publishedVersion durationMinutes
  units { id title kind expectedMinutes position skills
          quiz { passScore questions { prompt kind skill options { text correct } } } }
"""
PAYLOAD = f"course {{ {COURSE_FIELDS} }} unit {{ id }} warnings {{ field message unitId }}"


async def mutate(
    client: httpx.AsyncClient,
    name: str,
    input_: dict[str, Any],
    *,
    principal: Principal | None = None,
    selection: str = PAYLOAD,
) -> dict[str, Any]:
    """Run mutation `name(input: $input) { selection }` as an author by default; the JSON body."""
    input_type = name[0].upper() + name[1:] + "Input"
    query = f"mutation ($input: {input_type}!) {{ {name}(input: $input) {{ {selection} }} }}"
    return await gql(client, query, {"input": input_}, principal=principal or author())


def answerable_quiz(unit_id: str) -> dict[str, Any]:
    return {
        "unitId": unit_id,
        "passScore": 75,
        "maxAttempts": 3,
        "questions": [
            {
                "prompt": "Where do pallets go?",
                "kind": "SINGLE_CHOICE",
                "skill": "storage",
                "explanation": "Marked bays keep aisles clear.",
                "options": [{"text": "Marked bays", "correct": True}, {"text": "Aisles"}],
            },
            {
                "prompt": "Which gear is required?",
                "kind": "MULTIPLE_CHOICE",
                "skill": "ppe",
                "options": [
                    {"text": "Boots", "correct": True},
                    {"text": "Vest", "correct": True},
                    {"text": "Sandals"},
                ],
            },
        ],
    }


async def build_course(
    client: httpx.AsyncClient, *, minutes: tuple[int | None, ...] = (4, 5, 3)
) -> dict[str, Any]:
    """A draft course of video, reading and quiz units (the last with an answerable quiz)."""
    created = await mutate(client, "createCourse", {"title": "Pallet basics", "tags": ["floor"]})
    course_id = created["data"]["createCourse"]["course"]["id"]
    kinds = ["VIDEO", "READING", "QUIZ"]
    body: dict[str, Any] = created
    for i, (kind, mins) in enumerate(zip(kinds, minutes, strict=True)):
        unit = {"courseId": course_id, "title": f"Unit {i + 1}", "kind": kind}
        body = await mutate(client, "addUnit", unit | {"expectedMinutes": mins})
    quiz_unit = body["data"]["addUnit"]["unit"]["id"]
    body = await mutate(client, "attachQuiz", answerable_quiz(quiz_unit))
    return dict(body["data"]["attachQuiz"]["course"])
