"""Unit and milestone state kept current: any order of events and any retry give the same
state, and enrollments complete when their last unit does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx
from progress_helpers import HR, caller, codes, gql, make_event

from services.progress.domain import CourseOutline, LearningEvent, PathOutline
from services.progress.ingest import record_events
from services.progress.store import ProgressStore
from services.progress.tracking import enrollment_state

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
RECORD = """mutation ($events: [LearningEventInput!]!) {
  recordEvents(events: $events) { accepted new }
}"""
UNITS = (
    "{ me { units { unit { id } status dwellS replays attempts bestScore passed "
    "firstActivityAt lastActivityAt errorsBySkill { skill errors } } } }"
)


def session(learner: str = "lrn-t") -> list[LearningEvent]:
    verbs = [
        ("launched", {}),
        ("progressed", {"duration_s": 120}),
        ("replayed", {"duration_s": 30}),
        ("answered", {"success": False, "skill": "ladders"}),
        ("answered", {"success": True}),
        ("failed", {"score": 0.4}),
        ("passed", {"score": 0.9}),
        ("completed", {}),
    ]
    return [
        make_event(
            event_id=f"{learner}-{i}",
            learner_id=learner,
            verb=verb,
            ts=T0 + timedelta(minutes=i),
            unit_id="u-x",
            course_id="c-x",
            **extra,
        )
        for i, (verb, extra) in enumerate(verbs)
    ]


async def states(store: ProgressStore, learner: str) -> list[object]:
    return (await store.unit_states(tenant="t", learner_ids=[learner]))[learner]


async def test_shuffled_and_repeated_batches_give_the_state_of_one_ordered_pass(
    store: ProgressStore,
) -> None:
    await record_events(store=store, tenant="t", events=session("a"))
    shuffled = session("b")
    random.Random(7).shuffle(shuffled)
    for chunk in (shuffled[:3], shuffled[3:], shuffled, shuffled[2:5]):
        await record_events(store=store, tenant="t", events=chunk)

    [ordered], [messy] = await states(store, "a"), await states(store, "b")

    assert vars(messy) | {"learner_id": "a"} == vars(ordered)
    assert (ordered.dwell_s, ordered.replays, ordered.attempts) == (150, 1, 2)  # type: ignore[attr-defined]
    assert dict(ordered.errors) == {"ladders": 1}  # type: ignore[attr-defined]
    assert ordered.best_score == 0.9 and ordered.passed and ordered.status == "completed"  # type: ignore[attr-defined]
    assert ordered.first_at == T0 and ordered.last_at == T0 + timedelta(minutes=7)  # type: ignore[attr-defined]


def test_milestones_and_completion_follow_finished_units() -> None:
    outline = PathOutline(
        "p",
        (CourseOutline("c1", ("u1", "u2")), CourseOutline("c2", ("u3",))),
        (("First", ("c1",)), ("Second", ("c2",))),
    )

    partial = enrollment_state(outline, {"u1": T0, "u2": T0 + timedelta(hours=1)})
    whole = enrollment_state(outline, {"u1": T0, "u2": T0, "u3": T0 + timedelta(days=1)})

    assert [(m.title, m.completed) for m in partial.milestones] == [
        ("First", True),
        ("Second", False),
    ]
    assert partial.milestones[0].completed_at == T0 + timedelta(hours=1)
    assert (partial.progress, partial.completed_at) == (2 / 3, None)
    assert (whole.progress, whole.completed_at) == (1.0, T0 + timedelta(days=1))


async def test_record_events_retried_counts_once(client: httpx.AsyncClient) -> None:
    events = [
        {
            "id": "ev-a",
            "verb": "progressed",
            "ts": "2026-12-01T10:00:00Z",
            "unitId": "u-service-1",
            "courseId": "c-service",
            "durationS": 90,
        },
        {
            "id": "ev-b",
            "verb": "replayed",
            "ts": "2026-12-01T10:05:00Z",
            "unitId": "u-service-1",
            "courseId": "c-service",
            "durationS": 40,
        },
    ]
    me = caller("lrn-2")

    first = await gql(client, RECORD, {"events": events}, principal=me)
    retry = await gql(client, RECORD, {"events": events}, principal=me)
    units = (await gql(client, UNITS, principal=me))["data"]["me"]["units"]

    assert first["data"]["recordEvents"] == {"accepted": 2, "new": 2}
    assert retry["data"]["recordEvents"] == {"accepted": 2, "new": 0}
    service = next(u for u in units if u["unit"]["id"] == "u-service-1")
    assert (service["dwellS"], service["replays"], service["status"]) == (130, 1, "in_progress")


async def test_record_events_names_a_bad_event(client: httpx.AsyncClient) -> None:
    events = [
        {"id": "ok", "verb": "login", "ts": "2026-12-01T10:00:00Z"},
        {"id": "bad", "verb": "watched", "ts": "2026-12-01T10:00:00Z", "unitId": "u-1"},
    ]

    body = await gql(client, RECORD, {"events": events}, principal=caller("lrn-2"))
    recent = await gql(
        client, "{ me { recentActivity(limit: 1) { id } } }", principal=caller("lrn-2")
    )

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "events[1].verb"
    assert recent["data"]["me"]["recentActivity"][0]["id"] != "ok"


async def test_finishing_the_last_unit_completes_the_enrollment_and_its_milestone(
    client: httpx.AsyncClient,
) -> None:
    query = (
        '{ learner(id: "lrn-2") { enrollments { pathId status completedAt progress '
        "milestones { title completed doneUnits totalUnits } } } }"
    )
    before = (await gql(client, query, principal=HR))["data"]["learner"]["enrollments"][0]
    missing = [("c-safety", "u-safety-3"), ("c-safety", "u-safety-4")] + [
        ("c-privacy", f"u-privacy-{i}") for i in (1, 2, 3)
    ]
    events = [
        {
            "id": f"done-{u}",
            "verb": "completed",
            "ts": "2026-12-02T10:00:00Z",
            "unitId": u,
            "courseId": c,
        }
        for c, u in missing
    ]

    await gql(client, RECORD, {"events": events}, principal=caller("lrn-2"))
    after = (await gql(client, query, principal=HR))["data"]["learner"]["enrollments"][0]

    assert before["status"] == "ACTIVE" and before["progress"] < 1
    assert after["pathId"] == "p-onboarding" and after["status"] == "COMPLETED"
    assert after["completedAt"].startswith("2026-12-02")
    assert [m["completed"] for m in after["milestones"]] == [True, True]
