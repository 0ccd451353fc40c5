"""Heatmap and ROI through the progress GraphQL app: a roster from the HR feed (with ratings),
events recorded by each learner, then the queries as HR, as managers and as a learner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from learnpulse.auth import Principal, principal_for
from learnpulse.testing import codes, post_as, serving
from services.progress.app import create_app
from services.progress.catalog_client import PathRule
from services.progress.clock import ManualClock
from services.progress.domain import CourseOutline, Learner, PathOutline
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore

KEY = b"analytics-test-internal-key"
START = datetime.now(UTC).replace(microsecond=0)
HR = principal_for("acme", "hr-1", ["hr_admin"])
OPS = [f"o{i}" for i in range(6)]  # report to mgr-a, retake the quiz five times
SALES = [f"s{i}" for i in range(6)]  # report to mgr-b, pass it first time
UPSERT = """mutation ($learners: [LearnerInput!]!) { upsertLearners(learners: $learners) {
  created enrolled } }"""
RECORD = """mutation ($events: [LearningEventInput!]!) { recordEvents(events: $events) { new } }"""
HEATMAP = """query ($by: HeatmapGroupBy!, $since: DateTime, $until: DateTime, $path: ID) {
  heatmap(groupBy: $by, since: $since, until: $until, pathId: $path) {
    groupBy minGroupSize groups { key learners suppressed }
    rows { unitId unit { id } expectedMinutes cells {
      group suppressed learners completed completionRate medianDwellS expectedS
      dwellVsExpected replays answers wrongAnswers errorRate retakes struggling rated
      performancePassed performancePassRate
      retakeBuckets { label learners rated passed passRate suppressed } } }
    retakeBuckets { label minRetakes maxRetakes learners rated passed passRate suppressed }
  }
}"""
ROI = """query ($since: DateTime, $assumptions: RoiAssumptionsInput,
  $basis: IndependenceBasis! = FIRST_PASSING_CHECK) {
  roi(since: $since, assumptions: $assumptions, independenceBasis: $basis) {
    minGroupSize independenceBasis assumptions { minutesPerSignIn }
    overall { learners
      completion { enrollments completed closed completionRate medianDaysToComplete }
      milestones { due onTime onTimeRate }
      newHires { newHires independent medianDaysToFirstIndependentWork }
      adminSavings { signIns quizResults milestoneChecks hoursSaved } }
    paths { pathId path { id } figures { learners completion { completed } } }
  }
}"""


class FakeCatalog:
    """Everyone gets one onboarding path (an intro video and a quiz), due 14 days later; its
    one milestone is due a day after enrolment."""

    async def paths_for(self, *, principal: Principal, learner: Learner) -> list[PathRule]:
        return [PathRule("p-onb", True, 14, "r-all")]

    async def outline(self, *, principal: Principal, path_id: str) -> PathOutline | None:
        course = CourseOutline("c-onb", ("u-intro", "u-quiz"))
        return PathOutline(path_id, (course,), (("Basics", ("c-onb",)),))

    async def milestone_due_days(
        self, *, principal: Principal, path_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        return {p: {"Basics": 1} for p in path_ids if p == "p-onb"}

    async def expected_minutes(
        self, *, principal: Principal, unit_ids: list[str]
    ) -> dict[str, int | None]:
        return {u: {"u-intro": 5, "u-quiz": 4}[u] for u in unit_ids}


def roster_row(learner_id: str, passes: bool) -> dict[str, Any]:
    ops = learner_id in OPS
    check_day = (START + timedelta(days=9)).date().isoformat()
    return {
        "id": learner_id,
        "name": learner_id.upper(),
        "role": "Picker",
        "department": "Ops" if ops else "Sales",
        "managerId": "mgr-a" if ops else "mgr-b",
        "hireDate": (START - timedelta(days=30)).date().isoformat(),
        "ratings": [{"period": check_day, "rating": 4.0 if passes else 2.0}],
    }


def events_of(learner_id: str) -> list[dict[str, Any]]:
    ops = learner_id in OPS
    at = START + timedelta(days=1)

    def event(n: int, verb: str, unit: str, **extra: Any) -> dict[str, Any]:
        ts = (at + timedelta(minutes=n)).isoformat()
        return (
            {"id": f"{learner_id}-{n}", "verb": verb, "ts": ts, "unitId": unit}
            | {"courseId": "c-onb"}
            | extra
        )

    out = [
        event(0, "progressed", "u-intro", durationS=300 if ops else 240),
        event(1, "completed", "u-intro"),
        event(2, "answered", "u-quiz", success=not ops, skill="safety"),
        event(3, "answered", "u-quiz", success=not ops, skill="safety"),
    ]
    fails = 5 if ops else 0
    out += [event(4 + i, "failed", "u-quiz", score=40.0, attempt=i + 1) for i in range(fails)]
    out.append(event(10, "passed", "u-quiz", score=90.0, attempt=fails + 1))
    return out


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, ManualClock]]:
    settings = ProgressSettings(
        internal_secret=KEY.decode(), state_dir=tmp_path, mongo_url="memory://", seed_demo=False
    )
    store = ProgressStore.connect("memory://")
    clock = ManualClock(START)
    app = create_app(settings, store=store, catalog=FakeCatalog(), clock=clock)
    try:
        async with serving(app) as client:
            passing = {"o0", "o1", "s0", "s1", "s2", "s3", "s4"}
            rows = [roster_row(i, i in passing) for i in OPS + SALES]
            made = await post_as(client, UPSERT, {"learners": rows}, principal=HR, key=KEY)
            assert made["data"]["upsertLearners"]["created"] == 12, made
            for learner_id in OPS + SALES:
                me = principal_for("acme", learner_id, ["learner"])
                body = await post_as(
                    client, RECORD, {"events": events_of(learner_id)}, principal=me, key=KEY
                )
                assert "errors" not in body, body
            clock.set(START + timedelta(days=20))
            yield client, clock
    finally:
        await store.close()


async def ask(client: httpx.AsyncClient, query: str, who: Principal, **variables: Any) -> Any:
    return await post_as(client, query, variables, principal=who, key=KEY)


def since() -> str:
    return (START - timedelta(days=60)).isoformat()


async def test_hr_sees_the_tenant_heatmap_with_the_retake_pattern(setup: Any) -> None:
    client, _ = setup
    body = await ask(client, HEATMAP, HR, by="DEPARTMENT", since=since(), path="p-onb")

    heatmap = body["data"]["heatmap"]
    assert [(g["key"], g["learners"]) for g in heatmap["groups"]] == [("Ops", 6), ("Sales", 6)]
    intro, quiz = heatmap["rows"]
    assert (intro["unitId"], intro["unit"], intro["expectedMinutes"]) == (
        "u-intro",
        {"id": "u-intro"},
        5,
    )
    ops_intro = intro["cells"][0]
    assert (ops_intro["learners"], ops_intro["completed"], ops_intro["medianDwellS"]) == (6, 6, 300)
    assert (ops_intro["expectedS"], ops_intro["dwellVsExpected"]) == (300, 1.0)
    ops_quiz, sales_quiz = quiz["cells"]
    assert (ops_quiz["retakes"], ops_quiz["struggling"], ops_quiz["errorRate"]) == (30, 6, 1.0)
    assert (sales_quiz["retakes"], sales_quiz["errorRate"]) == (0, 0.0)
    assert (ops_quiz["rated"], ops_quiz["performancePassed"]) == (6, 2)
    assert (sales_quiz["rated"], sales_quiz["performancePassed"]) == (6, 5)
    buckets = {b["label"]: b for b in heatmap["retakeBuckets"]}
    struggling, first_time = buckets["more than 3 retakes"], buckets["no retakes"]
    assert (struggling["learners"], struggling["passed"]) == (6, 2)
    assert (first_time["learners"], first_time["passed"]) == (6, 5)
    assert struggling["passRate"] < first_time["passRate"]


async def test_a_manager_sees_only_their_reports_and_small_teams_are_withheld(setup: Any) -> None:
    client, _ = setup
    mgr_a = principal_for("acme", "mgr-a", ["manager"], OPS)
    small = principal_for("acme", "mgr-c", ["manager"], OPS[:3])

    mine = (await ask(client, HEATMAP, mgr_a, by="TEAM"))["data"]["heatmap"]
    few = (await ask(client, HEATMAP, small, by="DEPARTMENT"))["data"]["heatmap"]

    assert [(g["key"], g["learners"]) for g in mine["groups"]] == [("mgr-a", 6)]
    assert {c["learners"] for r in mine["rows"] for c in r["cells"]} == {6}
    assert [(g["key"], g["learners"], g["suppressed"]) for g in few["groups"]] == [
        ("Ops", None, True)
    ]
    cells = [c for r in few["rows"] for c in r["cells"]]
    assert cells and all(c["suppressed"] and c["learners"] is None for c in cells)
    assert all(c["performancePassRate"] is None for c in cells)


async def test_roi_for_the_tenant_and_its_path(setup: Any) -> None:
    client, _ = setup
    body = await ask(client, ROI, HR, since=since(), assumptions={"minutesPerSignIn": 10})

    report = body["data"]["roi"]
    overall = report["overall"]
    assert (report["independenceBasis"], report["assumptions"]) == (
        "FIRST_PASSING_CHECK",
        {"minutesPerSignIn": 10.0},
    )
    assert overall["learners"] == 12
    assert overall["completion"]["enrollments"] == overall["completion"]["completed"] == 12
    assert 0 < overall["completion"]["medianDaysToComplete"] < 2
    # "Basics" is due a day after enrolment (the catalog says), finished 10 minutes late
    assert overall["milestones"] == {"due": 12, "onTime": 0, "onTimeRate": 0.0}
    assert overall["newHires"] == {
        "newHires": 12,
        "independent": 7,
        "medianDaysToFirstIndependentWork": 39.0,
    }
    savings = overall["adminSavings"]
    assert (savings["signIns"], savings["quizResults"], savings["milestoneChecks"]) == (12, 42, 12)
    assert savings["hoursSaved"] == pytest.approx((12 * 10 + 42 * 3 + 12 * 5) / 60)
    (path,) = report["paths"]
    assert (path["pathId"], path["path"], path["figures"]["learners"]) == (
        "p-onb",
        {"id": "p-onb"},
        12,
    )


async def test_learners_are_forbidden_and_bad_windows_name_the_argument(setup: Any) -> None:
    client, _ = setup
    learner = principal_for("acme", "o0", ["learner"])
    later, earlier = START.isoformat(), (START - timedelta(days=1)).isoformat()

    forbidden = [
        await ask(client, HEATMAP, learner, by="ROLE"),
        await ask(client, ROI, learner),
    ]
    backwards = await ask(client, HEATMAP, HR, by="ROLE", since=later, until=earlier)
    future = await ask(client, ROI, HR, since=(START + timedelta(days=90)).isoformat())
    negative = await ask(client, ROI, HR, assumptions={"minutesPerQuizResult": -1})
    unknown = await ask(client, HEATMAP, HR, by="ROLE", path="p-nope")

    assert [codes(b) for b in forbidden] == [["FORBIDDEN"], ["FORBIDDEN"]]
    assert codes(unknown) == ["NOT_FOUND"]
    for body, argument in (
        (backwards, "until"),
        (future, "since"),
        (negative, "minutesPerQuizResult"),
    ):
        assert codes(body) == ["BAD_USER_INPUT"]
        assert body["errors"][0]["extensions"]["argument"] == argument
