"""Risk sweeps send each learner's current milestone (the stretch of their path the calendar
is in, as training's `milestones` table has it) with the tenant's reminder policy, in batches,
and go on without it when the catalog cannot give due dates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from progress_helpers import CountingStore, gql, make_enrollment, make_event, make_learner

from learnpulse.auth import Principal, principal_for
from learnpulse.testing import serving
from ml.features import FEATURE_NAMES
from services.progress.app import create_app
from services.progress.assessments import Estimate, ModelRef, RiskBand, Score
from services.progress.catalog_client import CatalogUnavailable
from services.progress.domain import (
    CourseOutline,
    CurrentMilestone,
    Enrollment,
    EnrollmentStatus,
    MilestoneState,
    PathOutline,
    Trajectory,
)
from services.progress.ingest import record_events
from services.progress.milestone_context import current_milestone
from services.progress.policy import Policy
from services.progress.risk_client import to_proto
from services.progress.risk_options import RiskSweepOptions
from services.progress.risk_sweep import sweep_risk
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore
from services.risk import columns, scoring

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
TENANT = "t1"
ENROLLED = NOW - timedelta(days=18)
DAY = timedelta(days=1)


def units(course: str, n: int) -> tuple[str, ...]:
    return tuple(f"{course}-u{i}" for i in range(1, n + 1))


# "Basics" (4 units) is due 10 days after enrolment, "Practice" (10 units) 20 days after.
STAGED = PathOutline(
    "p-staged",
    (CourseOutline("c-1", units("c-1", 4)), CourseOutline("c-2", units("c-2", 10))),
    (("Basics", ("c-1",)), ("Practice", ("c-2",))),
)
FLAT = PathOutline("p-flat", (CourseOutline("c-3", units("c-3", 6)),))  # no milestones
DUE_DAYS = {"p-staged": {"Basics": 10, "Practice": 20}}


class FakeCatalog:
    """The catalog's milestone due days (`PathFacts`); `down` fails every call."""

    def __init__(self, *, down: bool = False) -> None:
        self.down = down
        self.calls: list[tuple[str, list[str]]] = []

    async def milestone_due_days(
        self, *, principal: Principal, path_ids: list[str]
    ) -> dict[str, dict[str, int]]:
        self.calls.append((principal.tenant, sorted(path_ids)))
        if self.down:
            raise CatalogUnavailable("catalog at http://catalog.test: connection refused")
        return {p: DUE_DAYS[p] for p in path_ids if p in DUE_DAYS}

    async def expected_minutes(
        self, *, principal: Principal, unit_ids: list[str]
    ) -> dict[str, int | None]:
        return {}


class RecordingScorer:
    """Scores everyone LOW and keeps the last trajectory sent for each learner."""

    def __init__(self) -> None:
        self.sent: dict[str, Trajectory] = {}
        self.calls = 0

    async def score(
        self, *, tenant: str, trajectories: Sequence[Trajectory], as_of: datetime
    ) -> list[Score]:
        self.calls += 1
        self.sent |= {t.learner.id: t for t in trajectories}
        low = Estimate(0.1, RiskBand.LOW, (), ModelRef("learnpulse-attrition", "1", "champion"))
        return [Score(t.learner.id, low, low) for t in trajectories]


@pytest.fixture
async def store() -> AsyncIterator[ProgressStore]:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    for outline in (STAGED, FLAT):
        await store.put_outline(tenant=TENANT, outline=outline)
    yield store
    await store.close()


async def enrol(
    store: ProgressStore, learner_id: str, path: PathOutline = STAGED, at: datetime = ENROLLED
) -> None:
    await store.put_learner(tenant=TENANT, learner=make_learner(id=learner_id))
    enrollment = make_enrollment(
        id=f"e-{learner_id}-{path.path_id}",
        learner_id=learner_id,
        path_id=path.path_id,
        enrolled_at=at,
        due_at=at + 20 * DAY,
    )
    await store.put_enrollment(tenant=TENANT, enrollment=enrollment)


async def complete(
    store: ProgressStore, learner_id: str, unit_ids: Sequence[str], at: datetime
) -> None:
    events = [
        make_event(
            event_id=f"{learner_id}-{u}",
            learner_id=learner_id,
            unit_id=u,
            course_id=u.rsplit("-", 1)[0],
            ts=at + timedelta(minutes=n),
        )
        for n, u in enumerate(unit_ids)
    ]
    await record_events(store=store, tenant=TENANT, events=events)


def served(trajectory: Trajectory) -> dict[str, float]:
    """The milestone features the risk service computes from what the sweep sent."""
    proto = to_proto(trajectory)
    row = scoring.features_of([proto.profile], columns.from_events([proto]), NOW)[0]
    names = ["milestone_days_left", "milestone_units_left", "milestone_lateness", "reminders_on"]
    return {n: float(row[FEATURE_NAMES.index(n)]) for n in names}


async def test_a_learner_behind_on_a_milestone_due_soon_is_sent_with_it(
    store: ProgressStore,
) -> None:
    """Basics fell due 8 days ago and Practice is due in 2: 8 of its 10 days are gone, so an
    even pace would have 8 of its 10 units done; with 5 done she is 3 units behind."""
    await enrol(store, "ana")
    await complete(store, "ana", units("c-1", 4), ENROLLED + 2 * DAY)  # Basics, on time
    await complete(store, "ana", units("c-2", 5), NOW - 3 * DAY)  # half of Practice
    scorer = RecordingScorer()

    report = await sweep_risk(
        store=store, scorer=scorer, now=NOW, tenant=TENANT, catalog=FakeCatalog(), defaults=Policy()
    )

    sent = scorer.sent["ana"]
    assert sent.milestone == CurrentMilestone(
        assigned_at=ENROLLED + 10 * DAY, due_at=NOW + 2 * DAY, units=10, reminders=True
    )
    assert report.tenants[0].milestones == report.tenants[0].scored == 1
    assert served(sent) == pytest.approx(
        {
            "milestone_days_left": 2.0,
            "milestone_units_left": 5.0,
            "milestone_lateness": 3.0,
            "reminders_on": 1.0,
        }
    )


async def test_one_catalog_call_and_one_enrollment_read_per_batch_whatever_the_learners(
    store: ProgressStore,
) -> None:
    for n in range(12):
        await enrol(store, f"l-{n:02}")
    await enrol(store, "l-00", FLAT)
    counting, catalog, scorer = CountingStore(store), FakeCatalog(), RecordingScorer()

    report = await sweep_risk(
        store=counting,  # type: ignore[arg-type]
        scorer=scorer,
        now=NOW,
        tenant=TENANT,
        catalog=catalog,
        options=RiskSweepOptions(batch_size=5),
    )

    assert scorer.calls == 3 and report.tenants[0].milestones == 12
    assert counting.calls["enrollments_of"] == 3  # one per batch of 5
    assert counting.calls["outlines_of"] == 1  # both paths came up in the first batch
    assert catalog.calls == [(TENANT, ["p-staged"])]  # once per pass, for paths with milestones
    # Without `defaults` the sweep cannot tell whether reminders go out: unknown.
    assert {t.milestone.reminders for t in scorer.sent.values() if t.milestone} == {None}


async def test_while_the_catalog_is_down_only_what_is_known_is_sent_and_the_sweep_goes_on(
    store: ProgressStore, caplog: pytest.LogCaptureFixture
) -> None:
    await enrol(store, "ana")  # a path with milestones: due dates need the catalog
    await enrol(store, "ben", FLAT)  # one without: due with the path
    catalog, scorer = FakeCatalog(down=True), RecordingScorer()

    with caplog.at_level(logging.WARNING, logger="learnpulse.progress.risk"):
        report = await sweep_risk(
            store=store, scorer=scorer, now=NOW, tenant=TENANT, catalog=catalog
        )

    (tenant,) = report.tenants
    assert tenant.failed is None and tenant.scored == 2 and tenant.milestones == 1
    assert scorer.sent["ana"].milestone is None
    assert scorer.sent["ben"].milestone == CurrentMilestone(ENROLLED, ENROLLED + 20 * DAY, 6)
    assert not to_proto(scorer.sent["ana"]).profile.HasField("milestone")
    assert "catalog unavailable" in caplog.text
    assert len(catalog.calls) == 1


async def test_the_tenants_reminder_policy_says_whether_learners_are_reminded(
    store: ProgressStore,
) -> None:
    await enrol(store, "ana", FLAT)
    await store.alerts.set_policy_overrides(tenant=TENANT, overrides={"daily_cap": 0})
    scorer = RecordingScorer()

    await sweep_risk(store=store, scorer=scorer, now=NOW, tenant=TENANT, defaults=Policy())

    milestone = scorer.sent["ana"].milestone
    assert milestone is not None and milestone.reminders is False
    assert to_proto(scorer.sent["ana"]).profile.milestone.HasField("reminders")
    assert served(scorer.sent["ana"])["reminders_on"] == 0.0


def staged(**fields: object) -> Enrollment:
    return replace(
        make_enrollment(path_id="p-staged", enrolled_at=ENROLLED, due_at=ENROLLED + 20 * DAY),
        **fields,
    )


def state(title: str, done: int, total: int) -> MilestoneState:
    return MilestoneState(title, done, total, ENROLLED if done == total else None)


@pytest.mark.parametrize(
    ("now", "milestones", "expected"),
    [
        # nothing stored yet: the outline's milestones, the first current from enrolment
        (ENROLLED + DAY, (), (ENROLLED, ENROLLED + 10 * DAY, 4)),
        # finished early: Basics stays current until Practice is assigned on its due date
        (
            ENROLLED + 5 * DAY,
            (state("Basics", 4, 4), state("Practice", 0, 10)),
            (ENROLLED, ENROLLED + 10 * DAY, 4),
        ),
        # Basics missed: the calendar moves on to Practice, as training's table does
        (
            ENROLLED + 12 * DAY,
            (state("Basics", 1, 4), state("Practice", 0, 10)),
            (ENROLLED + 10 * DAY, ENROLLED + 20 * DAY, 10),
        ),
        # past every due date: the last milestone, overdue
        (
            ENROLLED + 30 * DAY,
            (state("Basics", 4, 4), state("Practice", 3, 10)),
            (ENROLLED + 10 * DAY, ENROLLED + 20 * DAY, 10),
        ),
    ],
    ids=["not-started", "finished-early", "missed", "overdue"],
)
def test_the_current_milestone_follows_the_calendar(
    now: datetime,
    milestones: tuple[MilestoneState, ...],
    expected: tuple[datetime, datetime, int],
) -> None:
    found = current_milestone(
        [staged(milestones=milestones)], {"p-staged": STAGED}, DUE_DAYS, now, reminders=True
    )
    assert found == CurrentMilestone(*expected, reminders=True)


def test_of_several_enrollments_the_unfinished_milestone_due_first_is_current() -> None:
    finished = staged(id="e-1", milestones=(state("Basics", 4, 4), state("Practice", 10, 10)))
    flat = make_enrollment(
        id="e-2", path_id="p-flat", enrolled_at=ENROLLED, due_at=ENROLLED + 40 * DAY
    )
    closed = replace(flat, id="e-3", status=EnrollmentStatus.CLOSED, due_at=ENROLLED + DAY)
    outlines = {"p-staged": STAGED, "p-flat": FLAT}
    now = ENROLLED + 15 * DAY

    found = current_milestone([finished, flat, closed], outlines, DUE_DAYS, now)

    assert found == CurrentMilestone(ENROLLED, ENROLLED + 40 * DAY, 6)  # not the finished one
    assert current_milestone([finished], outlines, DUE_DAYS, now) == CurrentMilestone(
        ENROLLED + 10 * DAY, ENROLLED + 20 * DAY, 10
    )


def test_without_due_dates_or_an_outline_there_is_no_milestone() -> None:
    assert current_milestone([staged()], {"p-staged": STAGED}, {}, NOW) is None  # no catalog
    assert current_milestone([staged()], {}, DUE_DAYS, NOW) is None  # path unknown here
    undated = {"p-staged": {"Basics": 10}}  # Practice falls back to the path's due date
    assert current_milestone([staged(due_at=None)], {"p-staged": STAGED}, undated, NOW) is None
    before = current_milestone([staged()], {"p-staged": STAGED}, DUE_DAYS, ENROLLED - DAY)
    assert before is None  # nothing assigned before enrolment


class StaggeredStore(CountingStore):
    """Answers each learner's events some loop turns apart, as a real database would."""

    async def events_since(self, **query: Any) -> Any:
        for _ in range(3 * len(query["learner_id"])):
            await asyncio.sleep(0)
        return await self.inner.events_since(**query)


TEAM_MILESTONES = """{ team(first: 10) { edges { node { id
  trajectory(days: 7) { milestone { assignedAt dueAt units reminders } } } } } }"""


async def test_a_trajectory_read_through_graphql_carries_the_milestone_sweeps_send(
    store: ProgressStore, settings: ProgressSettings
) -> None:
    """What the gateway scores on demand (`Learner.risk` requires `trajectory`) gets the same
    milestone as the sweeps, loaded once for the whole team."""
    # the field reads the real time, as the gateway scores; Mongo keeps milliseconds
    enrolled = datetime.now(UTC).replace(microsecond=0) - 18 * DAY
    for who in ("ana", "bob"):
        await enrol(store, who, at=enrolled)
    await store.put_learner(tenant=TENANT, learner=make_learner(id="chris"))  # not enrolled
    counting, catalog = StaggeredStore(store), FakeCatalog()
    quiet = settings.model_copy(
        update={"seed_demo": False, "sweep_interval_s": 0, "delivery_interval_s": 0}
    )
    app = create_app(quiet, store=counting, catalog=catalog)  # type: ignore[arg-type]

    async with serving(app) as client:
        body = await gql(
            client, TEAM_MILESTONES, principal=principal_for(TENANT, "hr-1", ["hr_admin"])
        )

    edges = body["data"]["team"]["edges"]
    nodes = {e["node"]["id"]: e["node"]["trajectory"]["milestone"] for e in edges}
    practice = {
        "assignedAt": enrolled + 10 * DAY,
        "dueAt": enrolled + 20 * DAY,
        "units": 10,
        "reminders": True,  # the settings' default policy reminds (dailyCap 2)
    }
    for who in ("ana", "bob"):
        got = nodes[who]
        times = {k: datetime.fromisoformat(got[k]) for k in ("assignedAt", "dueAt")}
        assert got | times == practice
    assert nodes["chris"] is None
    assert counting.calls["enrollments_of"] == 1 and len(catalog.calls) == 1
