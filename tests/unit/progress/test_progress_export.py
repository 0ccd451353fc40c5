"""`GET /export/trajectories`: the canonical dataset as NDJSON, for data scientists' tokens."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from progress_helpers import HR, KEY, caller

from learnpulse.auth import mint_token
from services.progress.app import create_app
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore

JWT = b"progress-export-jwt-secret-of-32-bytes-or-more"
SCIENTIST = caller("ds-1", roles=["data_scientist"])


@pytest.fixture
async def export(tmp_path: Path, store: ProgressStore) -> AsyncIterator[httpx.AsyncClient]:
    settings = ProgressSettings(
        internal_secret=KEY.decode(),
        jwt_secret=JWT.decode(),
        state_dir=tmp_path,
        mongo_url="memory://",
    )
    app = create_app(settings, store=store)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as c:
        yield c


def bearer(who: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(who, secret=JWT)}"}  # type: ignore[arg-type]


async def test_export_streams_the_tenants_learners_then_events(export: httpx.AsyncClient) -> None:
    response = await export.get("/export/trajectories", headers=bearer(SCIENTIST))
    rows = [json.loads(line) for line in response.text.splitlines()]

    assert response.headers["content-type"].startswith("application/x-ndjson")
    learners = [r for r in rows if r["type"] == "learner"]
    events = [r for r in rows if r["type"] == "event"]
    assert {r["tenant_id"] for r in learners} == {"demo"}
    assert {r["learner_id"] for r in learners} >= {"lrn-1", "lrn-2", "mgr-1"}
    assert set(learners[0]) == {
        "type",
        "learner_id",
        "tenant_id",
        "role",
        "department",
        "shift",
        "location",
        "manager_id",
        "hire_date",
        "left_at",
    }
    assert set(events[0]) == {
        "type",
        "learner_id",
        "ts",
        "verb",
        "course_id",
        "unit_id",
        "duration_s",
        "score",
        "success",
        "attempt",
        "response",
    }
    assert all(e["ts"].endswith("Z") for e in events)
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    assert "acme-lrn-1" not in {e["learner_id"] for e in events}


async def test_export_filters_events_by_time_window(export: httpx.AsyncClient) -> None:
    everything = await export.get("/export/trajectories", headers=bearer(HR))
    stamps = sorted(json.loads(x)["ts"] for x in everything.text.splitlines() if '"event"' in x)
    since, until = stamps[len(stamps) // 3], stamps[2 * len(stamps) // 3]

    window = await export.get(
        "/export/trajectories", params={"since": since, "until": until}, headers=bearer(HR)
    )
    got = [json.loads(x)["ts"] for x in window.text.splitlines() if '"event"' in x]

    assert got and all(since <= ts < until for ts in got)
    assert len(got) < len(stamps)


async def test_export_needs_a_data_scientist_or_hr_token(export: httpx.AsyncClient) -> None:
    learner = await export.get("/export/trajectories", headers=bearer(caller("lrn-1")))
    anonymous = await export.get("/export/trajectories")
    bad_window = await export.get(
        "/export/trajectories", params={"since": "last week"}, headers=bearer(SCIENTIST)
    )

    assert (learner.status_code, anonymous.status_code) == (403, 401)
    assert (bad_window.status_code, bad_window.json()["field"]) == (400, "since")
