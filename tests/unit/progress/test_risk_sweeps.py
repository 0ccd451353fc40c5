"""Risk sweeps against a real risk service (grpc.aio on loopback, models from an in-memory
registry): assessments kept as history with their model versions, promotions, band-up alerts
once, and back-off with stale reads while the service is down."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "risk"))

from progress_helpers import make_event
from risk_fakes import INTERNAL_SECRET, FakeBackend, RunningServer, free_port, running_server

from learnpulse.auth import principal_for
from learnpulse.demo import DEMO_TENANT, demo_people
from services.progress import sweep_command
from services.progress.assessments import LatestRisk, RiskBand, Trigger
from services.progress.clock import ManualClock
from services.progress.ingest import record_events
from services.progress.risk_client import GrpcRiskScorer
from services.progress.risk_queries import latest_loader, latest_risk, risk_history
from services.progress.risk_sweep import sweep_risk
from services.progress.seed import seed_demo
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore

NOW = datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
HR = principal_for("demo", "hr-1", ["hr_admin"])
DEMO_ACTIVE = {p.id for p in demo_people() if p.tenant == DEMO_TENANT}  # nobody has left
NEVER = {"band_medium_threshold": 0.9999, "band_high_threshold": 0.99999}  # every score LOW
ALWAYS = {"band_medium_threshold": 0.0, "band_high_threshold": 0.0}  # every score HIGH


@pytest.fixture
async def store() -> AsyncIterator[ProgressStore]:
    store = ProgressStore.connect("memory://")
    await store.ensure_indexes()
    await seed_demo(store=store, now=NOW - timedelta(days=1))
    yield store
    await store.close()


@pytest.fixture
async def risk(tmp_path: Path) -> AsyncIterator[RunningServer]:
    backend = FakeBackend()
    backend.publish("1", **NEVER)
    async with running_server(tmp_path, backend) as running:
        yield running


@pytest.fixture
async def scorer(risk: RunningServer) -> AsyncIterator[GrpcRiskScorer]:
    client = GrpcRiskScorer(risk.settings.risk_target, key=INTERNAL_SECRET.encode())
    yield client
    await client.close()


async def promote(risk: RunningServer, version: str, **thresholds: float) -> None:
    risk.backend.publish(version, **thresholds)
    assert await risk.registry.refresh()


async def history(store: ProgressStore, learner_id: str) -> list[tuple[datetime, str, str]]:
    page = await risk_history(
        store=store, principal=HR, learner_id=learner_id, first=100, after=None
    )
    return [(a.as_of, a.attrition.model.version, a.stall.model.version) for a in page.items]


async def band_up_notices(store: ProgressStore) -> list[dict[str, object]]:
    page = await store.alerts.page_of_notifications(
        tenant="demo",
        recipients=None,
        learners=None,
        kinds=["risk.band_up"],
        unacknowledged=False,
        first=100,
        after=None,
    )
    return [
        {"to": n.recipient_id, "about": n.learner_id, "data": n.data, "body": n.body}
        for n in page.items
    ]


async def test_a_daily_sweep_stores_one_assessment_per_active_learner_naming_its_models(
    store: ProgressStore, scorer: GrpcRiskScorer
) -> None:
    report = await sweep_risk(store=store, scorer=scorer, now=NOW, tenant="demo")

    (demo,) = report.tenants
    assert demo.daily and demo.failed is None and demo.scored == len(DEMO_ACTIVE)
    assert sorted(demo.models) == ["learnpulse-attrition:1", "learnpulse-stall:1"]
    latest = await store.assessments.latest(tenant="demo", learner_ids=sorted(DEMO_ACTIVE))
    assert set(latest) == DEMO_ACTIVE
    a = latest["lrn-3"]
    assert a.as_of == NOW and a.trigger is Trigger.ACTIVITY  # seeded events marked them
    assert latest["hr-1"].trigger is Trigger.DAILY  # no activity: scored by the daily pass
    assert a.attrition.model.name == "learnpulse-attrition" and a.attrition.model.version == "1"
    assert a.stall.model.name == "learnpulse-stall" and a.stall.model.alias == "champion"
    assert 0.0 <= a.attrition.probability <= 1.0 and a.attrition.factors  # explained
    assert await store.assessments.latest(tenant="acme", learner_ids=["acme-lrn-1"]) == {}

    # The same day again: nothing new to score, nothing stored twice.
    again = await sweep_risk(store=store, scorer=scorer, now=NOW + timedelta(hours=2))
    assert again.scored == 1  # only acme, which the first pass left out
    assert len(await history(store, "lrn-3")) == 1


async def test_a_promoted_model_scores_new_assessments_and_history_keeps_the_old_versions(
    store: ProgressStore, scorer: GrpcRiskScorer, risk: RunningServer
) -> None:
    await sweep_risk(store=store, scorer=scorer, now=NOW, tenant="demo")
    await promote(risk, "2", **NEVER)
    tomorrow = NOW + timedelta(days=1)

    report = await sweep_risk(store=store, scorer=scorer, now=tomorrow, tenant="demo")

    assert sorted(report.tenants[0].models) == ["learnpulse-attrition:2", "learnpulse-stall:2"]
    assert await history(store, "lrn-1") == [(tomorrow, "2", "2"), (NOW, "1", "1")]


async def test_a_report_moving_up_a_band_alerts_their_manager_once_with_the_reasons(
    store: ProgressStore, scorer: GrpcRiskScorer, risk: RunningServer
) -> None:
    await sweep_risk(store=store, scorer=scorer, now=NOW, tenant="demo")  # everyone LOW
    assert await band_up_notices(store) == []
    await promote(risk, "2", **ALWAYS)  # everyone HIGH from now on
    later = NOW + timedelta(days=1)

    first = await sweep_risk(store=store, scorer=scorer, now=later, tenant="demo")
    again = await sweep_risk(store=store, scorer=scorer, now=later, tenant="demo")
    await record_events(
        store=store, tenant="demo", events=[make_event(event_id="ev-up", learner_id="lrn-2")]
    )
    still_high = await sweep_risk(
        store=store, scorer=scorer, now=later + timedelta(minutes=1), tenant="demo"
    )

    assert first.tenants[0].band_ups == len(DEMO_ACTIVE)
    assert again.tenants[0].scored == 0 and still_high.tenants[0].scored == 1
    assert still_high.tenants[0].band_ups == 0  # HIGH to HIGH is no move
    notices = await band_up_notices(store)
    assert len(notices) == len(DEMO_ACTIVE)  # once per learner, not once per pass
    to_maya = {n["about"]: n for n in notices if n["to"] == "mgr-1"}
    assert set(to_maya) == {"lrn-1", "lrn-2", "lrn-3", "lrn-4"}
    ana = to_maya["lrn-1"]
    data = ana["data"]
    assert isinstance(data, dict)
    assert [(m["target"], m["from"], m["to"]) for m in data["moves"]] == [
        ("attrition", "low", "high"),
        ("stall", "low", "high"),
    ]
    assert data["models"]["attrition"]["version"] == "2"
    assert data["factors"], "the alert names the factors that raised the score"
    assert all(f["label"] in str(ana["body"]) for f in data["factors"])
    # Learners without a manager (the manager herself, HR) alert HR instead.
    unmanaged = {p.id for p in demo_people() if p.tenant == DEMO_TENANT and not p.manager_id}
    assert {n["about"] for n in notices if n["to"] == "hr_admin"} == unmanaged
    assert {"mgr-1", "hr-1"} < unmanaged


async def test_while_the_risk_service_is_down_sweeps_back_off_and_reads_are_stale(
    store: ProgressStore, scorer: GrpcRiskScorer
) -> None:
    await sweep_risk(store=store, scorer=scorer, now=NOW, tenant="demo")
    down = GrpcRiskScorer(f"127.0.0.1:{free_port()}", key=INTERNAL_SECRET.encode(), timeout_s=2)
    clock = ManualClock(NOW + timedelta(hours=1))
    await record_events(
        store=store,
        tenant="demo",
        events=[make_event(event_id="ev-new", learner_id="lrn-2", ts=clock.now())],
    )
    try:
        failed = await sweep_risk(store=store, scorer=down, now=clock.now(), tenant="demo")
        clock.advance(timedelta(seconds=10))
        waiting = await sweep_risk(store=store, scorer=scorer, now=clock.now(), tenant="demo")
        clock.advance(timedelta(seconds=25))
        failed_again = await sweep_risk(store=store, scorer=down, now=clock.now(), tenant="demo")
    finally:
        await down.close()
    (latest,) = await latest_loader(store, "demo", clock)(["lrn-2"])

    assert failed.tenants[0].failed and "UNAVAILABLE" in failed.tenants[0].failed
    assert failed.tenants[0].retry_at == NOW + timedelta(hours=1, seconds=30)
    assert waiting.tenants[0].deferred and waiting.tenants[0].scored == 0
    assert failed_again.tenants[0].retry_at == clock.now() + timedelta(seconds=60)  # doubled
    assert latest is not None and latest.stale and latest.assessment.as_of == NOW

    clock.advance(timedelta(seconds=61))
    recovered = await sweep_risk(store=store, scorer=scorer, now=clock.now(), tenant="demo")
    (fresh,) = await latest_loader(store, "demo", clock)(["lrn-2"])

    assert recovered.tenants[0].scored == 1 and recovered.tenants[0].activity == 1
    assert fresh is not None and not fresh.stale and fresh.assessment.as_of == clock.now()
    assert fresh.assessment.trigger is Trigger.ACTIVITY
    state = await store.assessments.sweep_state(tenant="demo")
    assert state.failures == 0 and state.retry_at is None


async def test_a_learner_sees_no_risk_of_their_own_and_a_manager_none_of_others(
    store: ProgressStore, scorer: GrpcRiskScorer
) -> None:
    await sweep_risk(store=store, scorer=scorer, now=NOW, tenant="demo")
    batch = latest_loader(store, "demo", ManualClock(NOW))

    async def load(learner_id: str) -> LatestRisk | None:
        (found,) = await batch([learner_id])
        return found

    maya = principal_for("demo", "mgr-1", ["manager"], ["lrn-1", "lrn-2"])
    other = principal_for("demo", "mgr-9", ["manager"], ["lrn-9"])
    ana = principal_for("demo", "lrn-1", ["learner"])

    seen = await latest_risk(principal=maya, learner_id="lrn-1", load=load)
    assert seen is not None and seen.assessment.attrition.band is RiskBand.LOW
    for who in (other, ana):
        with pytest.raises(Exception, match="only to the learner's managers and HR") as caught:
            await latest_risk(principal=who, learner_id="lrn-1", load=load)
        assert getattr(caught.value, "code", None) == "FORBIDDEN"
        with pytest.raises(Exception, match="only to the learner's managers and HR"):
            await risk_history(store=store, principal=who, learner_id="lrn-1", first=5, after=None)


async def test_learnpulse_sweep_as_of_runs_the_risk_sweep_too(
    risk: RunningServer, tmp_path: Path
) -> None:
    settings = ProgressSettings(
        mongo_url="memory://",
        state_dir=tmp_path,
        internal_secret=INTERNAL_SECRET,
        risk_port=risk.settings.risk_port,
    )
    args = argparse.Namespace(tenant=["demo"], no_deliver=True, no_risk=False)

    report = await sweep_command.sweep(args, settings, NOW)

    (demo,) = report["risk"]["tenants"]
    assert demo["tenant"] == "demo" and demo["daily"] is True and demo["failed"] is None
    assert demo["scored"] == len(DEMO_ACTIVE)
    assert sorted(demo["models"]) == ["learnpulse-attrition:1", "learnpulse-stall:1"]
    assert report["stalls"]["opened"] >= 2  # the stall sweep still ran after it
