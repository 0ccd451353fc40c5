"""Stored risk through the progress subgraph: `latestRisk` and `riskHistory` for managers and HR
only, stale marks, paging, and the app's background sweep scoring new activity."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from progress_helpers import HR, MANAGER, caller, codes, gql, make_event

from learnpulse.testing import serving
from services.progress.app import create_app
from services.progress.assessments import (
    Assessment,
    Estimate,
    Factor,
    FactorDirection,
    ModelRef,
    RiskBand,
    Score,
    Trigger,
)
from services.progress.clock import ManualClock
from services.progress.domain import Trajectory
from services.progress.ingest import record_events
from services.progress.risk_options import RiskSweepOptions
from services.progress.risk_sweep import sweep_risk
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
LATEST = """query ($id: ID!) { learner(id: $id) { latestRisk {
  asOf stale attrition { probability band model { name version alias }
  factors { name label direction contribution } } stall { band model { version } } } } }"""
HISTORY = """query ($id: ID!, $after: String) { learner(id: $id) {
  riskHistory(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { node { asOf stale attrition { band model { version } } } } } } }"""


def estimate(band: RiskBand, version: str, name: str = "learnpulse-attrition") -> Estimate:
    factor = Factor(
        "days_since_last_activity", "Days since last activity: 9", FactorDirection.RAISES, 0.8
    )
    return Estimate(
        0.7 if band is RiskBand.HIGH else 0.1, band, (factor,), ModelRef(name, version, "champion")
    )


def assessment(learner_id: str, as_of: datetime, band: RiskBand, version: str) -> Assessment:
    score = Score(learner_id, estimate(band, version), estimate(band, version, "learnpulse-stall"))
    return Assessment.of(score, as_of=as_of, trigger=Trigger.DAILY)


async def clear_marks(store: ProgressStore) -> None:
    """As if every learner's activity so far had been scored."""
    pending = await store.assessments.pending(tenant="demo", limit=100)
    await store.assessments.clear_pending(
        tenant="demo", marks={i: m.marks for i, m in pending.items()}
    )


async def test_managers_and_hr_read_history_newest_first_with_model_versions(
    settings: ProgressSettings, store: ProgressStore
) -> None:
    days = [NOW - timedelta(days=n) for n in range(3)]
    await store.assessments.insert_new(
        tenant="demo",
        assessments=[
            assessment("lrn-1", days[2], RiskBand.LOW, "1"),
            assessment("lrn-1", days[1], RiskBand.MEDIUM, "1"),
            assessment("lrn-1", days[0], RiskBand.HIGH, "2"),
        ],
    )
    await clear_marks(store)
    app = create_app(settings, store=store, clock=ManualClock(NOW + timedelta(hours=1)))
    async with serving(app) as client:
        latest = await gql(client, LATEST, {"id": "lrn-1"}, principal=MANAGER)
        first = await gql(client, HISTORY, {"id": "lrn-1"}, principal=HR)
        cursor = first["data"]["learner"]["riskHistory"]["pageInfo"]["endCursor"]
        rest = await gql(client, HISTORY, {"id": "lrn-1", "after": cursor}, principal=HR)
        bad = await gql(client, HISTORY, {"id": "lrn-1", "after": "nope"}, principal=HR)

    risk = latest["data"]["learner"]["latestRisk"]
    assert risk["asOf"] == "2026-12-10T09:00:00+00:00" and risk["stale"] is False
    assert risk["attrition"]["band"] == "HIGH"
    assert risk["attrition"]["model"] == {
        "name": "learnpulse-attrition",
        "version": "2",
        "alias": "champion",
    }
    assert risk["attrition"]["factors"][0]["direction"] == "RAISES"
    page = first["data"]["learner"]["riskHistory"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"] is True
    bands = [e["node"]["attrition"] for e in page["edges"]]
    bands += [e["node"]["attrition"] for e in rest["data"]["learner"]["riskHistory"]["edges"]]
    assert [(b["band"], b["model"]["version"]) for b in bands] == [
        ("HIGH", "2"),
        ("MEDIUM", "1"),
        ("LOW", "1"),
    ]
    assert rest["data"]["learner"]["riskHistory"]["pageInfo"]["hasNextPage"] is False
    assert codes(bad) == ["BAD_USER_INPUT"]


async def test_the_learner_and_other_managers_are_refused_stored_risk(
    settings: ProgressSettings, store: ProgressStore
) -> None:
    await store.assessments.insert_new(
        tenant="demo", assessments=[assessment("lrn-1", NOW, RiskBand.HIGH, "1")]
    )
    other_manager = caller("mgr-9", roles=("manager",), reports=("lrn-1",))
    app = create_app(settings, store=store, clock=ManualClock(NOW))
    async with serving(app) as client:
        own = await gql(client, LATEST, {"id": "lrn-1"}, principal=caller("lrn-1"))
        own_history = await gql(client, HISTORY, {"id": "lrn-1"}, principal=caller("lrn-1"))
        # A manager whose token lists lrn-1 sees it; one whose token does not cannot even
        # resolve the learner.
        listed = await gql(client, LATEST, {"id": "lrn-1"}, principal=other_manager)
        unlisted = await gql(
            client, LATEST, {"id": "lrn-1"}, principal=caller("mgr-9", roles=("manager",))
        )

    assert own["data"]["learner"]["latestRisk"] is None and codes(own) == ["FORBIDDEN"]
    assert own["errors"][0]["path"] == ["learner", "latestRisk"]
    assert codes(own_history) == ["FORBIDDEN"]
    assert listed["data"]["learner"]["latestRisk"]["attrition"]["band"] == "HIGH"
    assert codes(unlisted) == ["FORBIDDEN"]


async def test_new_activity_marks_the_latest_assessment_stale_until_scored(
    settings: ProgressSettings, store: ProgressStore
) -> None:
    await store.assessments.insert_new(
        tenant="demo", assessments=[assessment("lrn-2", NOW, RiskBand.LOW, "1")]
    )
    await clear_marks(store)
    clock = ManualClock(NOW + timedelta(minutes=5))
    app = create_app(settings, store=store, clock=clock)
    async with serving(app) as client:
        fresh = await gql(client, LATEST, {"id": "lrn-2"}, principal=HR)
        await record_events(
            store=store, tenant="demo", events=[make_event(event_id="ev-s", learner_id="lrn-2")]
        )
        pending = await gql(client, LATEST, {"id": "lrn-2"}, principal=HR)
        await clear_marks(store)
        clock.advance(timedelta(hours=37))  # no daily sweep reached them since
        old = await gql(client, LATEST, {"id": "lrn-2"}, principal=HR)

    assert fresh["data"]["learner"]["latestRisk"]["stale"] is False
    assert pending["data"]["learner"]["latestRisk"]["stale"] is True
    assert old["data"]["learner"]["latestRisk"]["stale"] is True


class RecordingScorer:
    """Scores everyone LOW, naming version 7; records who was scored in each call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    async def score(
        self, *, tenant: str, trajectories: Sequence[Trajectory], as_of: datetime
    ) -> list[Score]:
        self.calls.append([t.learner.id for t in trajectories])
        return [
            Score(t.learner.id, estimate(RiskBand.LOW, "7"), estimate(RiskBand.LOW, "7"))
            for t in trajectories
        ]


async def eventually(check: object, *, tries: int = 500) -> None:
    for _ in range(tries):
        if callable(check) and check():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the background sweep did not get there")


async def test_a_burst_of_activity_is_scored_once_after_the_debounce(
    store: ProgressStore,
) -> None:
    scorer = RecordingScorer()
    options = RiskSweepOptions(debounce=timedelta(seconds=30))
    await sweep_risk(store=store, scorer=scorer, now=NOW, tenant="demo", options=options)
    calls = len(scorer.calls)
    burst = [NOW + timedelta(seconds=s) for s in (1, 2, 3, 12)]

    async def at(seconds: int) -> None:
        for n, ts in enumerate(burst):
            if NOW + timedelta(seconds=seconds - 1) < ts <= NOW + timedelta(seconds=seconds):
                event = make_event(event_id=f"ev-burst-{n}", learner_id="lrn-1", ts=ts)
                await record_events(store=store, tenant="demo", events=[event])
        now = NOW + timedelta(seconds=seconds)
        await sweep_risk(store=store, scorer=scorer, now=now, tenant="demo", options=options)

    for second in (1, 2, 3, 5, 12, 20, 30):
        await at(second)
    assert scorer.calls[calls:] == []  # first seen at +1 s: not due before +31 s
    await at(36)
    await at(50)

    assert scorer.calls[calls:] == [["lrn-1"]]  # four events, one score


async def test_the_background_sweep_scores_new_activity_and_stops_with_the_app(
    settings: ProgressSettings, store: ProgressStore
) -> None:
    scorer = RecordingScorer()
    clock = ManualClock(NOW)
    quick = settings.model_copy(update={"risk_sweep_interval_s": 0.01})
    app = create_app(quick, store=store, clock=clock, scorer=scorer)
    async with serving(app) as client:
        await eventually(lambda: any("lrn-3" in call for call in scorer.calls))  # daily pass
        before = len(scorer.calls)
        clock.advance(timedelta(seconds=20))
        await record_events(
            store=store,
            tenant="demo",
            events=[make_event(event_id="ev-bg", learner_id="lrn-3", ts=clock.now())],
        )
        seen: list[object] = []

        async def marked() -> None:
            mark = (await store.assessments.pending(tenant="demo", limit=10)).get("lrn-3")
            seen.append(mark and mark.seen_at)

        for _ in range(500):  # until a pass has seen the new activity
            await marked()
            if seen[-1]:
                break
            await asyncio.sleep(0.01)
        assert seen[-1] == clock.now() and scorer.calls[before:] == []  # debouncing
        clock.advance(timedelta(seconds=31))
        await eventually(lambda: any(c == ["lrn-3"] for c in scorer.calls[before:]))
        body = await gql(client, LATEST, {"id": "lrn-3"}, principal=HR)

    risk = body["data"]["learner"]["latestRisk"]
    assert risk["asOf"] == clock.now().isoformat() and risk["stale"] is False
    assert risk["attrition"]["model"]["version"] == "7"
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "risk-refresher"]
