"""Course and unit completion statistics: the figures, and whose learners each role counts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import httpx
import pytest
from progress_helpers import caller, gql, make_enrollment, make_event, make_learner

from learnpulse.auth import principal_for
from services.progress.app import create_app
from services.progress.completion import (
    LearnerOnCourse,
    StatsScope,
    course_completion,
    stats_scope,
)
from services.progress.domain import CourseOutline, PathOutline
from services.progress.ingest import record_events
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore

T = "t-stats"
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OUTLINE = PathOutline("p1", (CourseOutline("c1", ("u1", "u2")), CourseOutline("c2", ("u3",))))
STATS = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Course { id completion { scope unitCount enrolled started completed completionRate
                                    medianDwellSeconds } }
    ... on Unit { id completion { scope enrolled started completed completionRate
                                  medianDwellSeconds attempted averageAttempts passRate
                                  averageBestScore } }
  }
}
"""


def activity() -> list[Any]:
    ids, at = count(), (START + timedelta(minutes=m) for m in count())

    def ev(learner: str, verb: str, unit: str, **more: Any) -> Any:
        course = "c2" if unit == "u3" else "c1"
        return make_event(event_id=f"e{next(ids)}", learner_id=learner, ts=next(at), verb=verb,
                          course_id=course, unit_id=unit, **more)  # fmt: skip

    return [
        ev("a", "progressed", "u1", duration_s=120),
        ev("a", "completed", "u1"),
        ev("a", "progressed", "u2", duration_s=60),
        ev("a", "completed", "u2"),
        ev("a", "failed", "u3", score=0.5),
        ev("a", "passed", "u3", score=0.9),
        ev("b", "progressed", "u1", duration_s=300),
        ev("b", "failed", "u3", score=0.3),
        ev("d", "progressed", "u1", duration_s=30),  # active, but enrolled in nothing
        ev("d", "completed", "u1"),
    ]


@pytest.fixture
async def client(settings: ProgressSettings, store: ProgressStore) -> AsyncIterator[Any]:
    await store.put_outline(tenant=T, outline=OUTLINE)
    for who in "abcde":
        await store.put_learner(tenant=T, learner=make_learner(id=who, manager_id="m"))
    for who in "abc":
        await store.put_enrollment(tenant=T, enrollment=make_enrollment(id=f"e-{who}",
                                   learner_id=who, path_id="p1"))  # fmt: skip
    closed = make_enrollment(id="e-e", learner_id="e", path_id="p1")
    await store.put_enrollment(tenant=T, enrollment=closed)
    await store.close_enrollments(tenant=T, learner_id="e")
    await record_events(store=store, tenant=T, events=activity())
    app = create_app(settings, store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as c:
        yield c


def reps(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"representations": [{"__typename": kind, "id": i} for kind, i in pairs]}


async def stats(client: Any, principal: Any, *pairs: tuple[str, str]) -> list[Any]:
    body = await gql(client, STATS, reps(*pairs), principal=principal)
    assert "errors" not in body, body
    return [e["completion"] for e in body["data"]["_entities"]]


HR = principal_for(T, "hr", ["hr_admin"])


async def test_hr_admins_count_the_tenant(client: Any) -> None:
    course, quiz = await stats(client, HR, ("Course", "c1"), ("Unit", "u3"))

    assert course == {
        "scope": "TENANT", "unitCount": 2, "enrolled": 3, "started": 3, "completed": 1,
        "completionRate": pytest.approx(1 / 3), "medianDwellSeconds": 180.0,
    }  # fmt: skip
    assert quiz == {
        "scope": "TENANT", "enrolled": 3, "started": 2, "completed": 1,
        "completionRate": pytest.approx(1 / 3), "medianDwellSeconds": 0.0, "attempted": 2,
        "averageAttempts": 1.5, "passRate": 0.5, "averageBestScore": pytest.approx(0.6),
    }  # fmt: skip


async def test_a_closed_enrollment_and_an_unknown_course_count_nobody(client: Any) -> None:
    [ghost] = await stats(client, HR, ("Course", "c-none"))

    assert ghost["enrolled"] == ghost["started"] == ghost["unitCount"] == 0
    assert ghost["completionRate"] is None and ghost["medianDwellSeconds"] is None


async def test_a_manager_counts_only_their_reports(client: Any) -> None:
    manager = principal_for(T, "m", ["learner", "manager"], ["a", "b"])

    [course] = await stats(client, manager, ("Course", "c1"))

    assert (course["scope"], course["enrolled"], course["started"], course["completed"]) == (
        "REPORTS", 2, 2, 1,
    )  # fmt: skip
    assert (course["completionRate"], course["medianDwellSeconds"]) == (0.5, 240.0)


async def test_a_learner_counts_only_themself(client: Any) -> None:
    [course, unit] = await stats(client, caller("b", tenant=T), ("Course", "c1"), ("Unit", "u3"))

    assert (course["scope"], course["enrolled"], course["started"], course["completed"]) == (
        "SELF", 1, 1, 0,
    )  # fmt: skip
    assert course["medianDwellSeconds"] == 300.0
    assert (unit["attempted"], unit["passRate"], unit["averageBestScore"]) == (1, 0.0, 0.3)


async def test_other_tenants_and_other_roles_see_no_figures(client: Any) -> None:
    [elsewhere] = await stats(client, principal_for("demo", "hr-1", ["hr_admin"]), ("Course", "c1"))
    body = await gql(client, STATS, reps(("Course", "c1")), principal=caller(roles=["partner"]))

    assert elsewhere["enrolled"] == elsewhere["started"] == 0
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


def test_completion_rate_counts_only_enrolled_finishers() -> None:
    done = LearnerOnCourse("x", frozenset({"u1"}), 10)
    figures = course_completion(
        scope=StatsScope.TENANT, unit_ids=frozenset({"u1"}), enrolled=["y"], learners=[done]
    )

    assert (figures.completed, figures.completion_rate) == (1, 0.0)


def test_the_broadest_role_decides_the_scope() -> None:
    both = principal_for(T, "m", ["manager", "author"], ["a"])

    assert stats_scope(both) == (StatsScope.TENANT, None)
    assert stats_scope(caller("b", tenant=T)) == (StatsScope.SELF, frozenset({"b"}))
