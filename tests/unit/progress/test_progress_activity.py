"""Recent activity and trajectories: the event feed and the rows the risk service scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from progress_helpers import HR, MANAGER, CountingStore, caller, codes, gql

from learnpulse.demo import DEMO_TENANT, demo_people

TRAJECTORY = """
query ($id: ID!, $days: Int!) {
  learner(id: $id) {
    trajectory(days: $days) {
      profile { learnerId tenantId role department shift location managerId hireDate leftAt }
      events { ts verb courseId unitId durationS score success attempt response }
    }
  }
}
"""


async def test_recent_activity_is_newest_first_and_limited(client: httpx.AsyncClient) -> None:
    query = "{ me { recentActivity(limit: 5) { id ts verb courseId unitId durationS } } }"
    body = await gql(client, query, principal=caller("lrn-2"))

    events = body["data"]["me"]["recentActivity"]
    assert len(events) == 5
    assert [e["ts"] for e in events] == sorted((e["ts"] for e in events), reverse=True)
    assert events[0]["verb"] == "progressed"  # lrn-2 stalled mid-unit
    assert events[0]["unitId"] == "u-privacy-1"


async def test_recent_activity_limit_is_checked(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ me { recentActivity(limit: 0) { id } } }", principal=caller())

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "limit"


async def test_a_manager_reads_a_reports_trajectory(client: httpx.AsyncClient) -> None:
    body = await gql(client, TRAJECTORY, {"id": "lrn-3", "days": 90}, principal=MANAGER)

    trajectory = body["data"]["learner"]["trajectory"]
    assert trajectory["profile"] == {
        "learnerId": "lrn-3",
        "tenantId": "demo",
        "role": "Warehouse associate",
        "department": "Fulfilment",
        "shift": "swing",
        "location": "Leeds DC",
        "managerId": "mgr-1",
        "hireDate": "2023-10-02",
        "leftAt": None,
    }
    events = trajectory["events"]
    assert [e["ts"] for e in events] == sorted(e["ts"] for e in events)
    assert {"login", "launched", "progressed", "replayed", "answered", "failed"} <= {
        e["verb"] for e in events
    }
    failed = next(e for e in events if e["verb"] == "answered")
    assert (failed["success"], failed["attempt"], failed["response"]) == (False, 1, "5/10")


async def test_the_window_keeps_only_the_last_days(client: httpx.AsyncClient) -> None:
    body = await gql(client, TRAJECTORY, {"id": "lrn-1", "days": 7}, principal=HR)

    events = body["data"]["learner"]["trajectory"]["events"]
    week_ago = datetime.now(UTC) - timedelta(days=7)
    assert events
    assert all(datetime.fromisoformat(e["ts"]) >= week_ago for e in events)


async def test_a_learner_cannot_read_their_own_trajectory(client: httpx.AsyncClient) -> None:
    body = await gql(client, "{ me { id trajectory { events { ts } } } }", principal=caller())

    assert body["data"]["me"] == {"id": "lrn-1", "trajectory": None}  # the rest still shows
    assert codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["me", "trajectory"]


async def test_trajectory_window_is_checked(client: httpx.AsyncClient) -> None:
    body = await gql(client, TRAJECTORY, {"id": "lrn-1", "days": 0}, principal=HR)

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "days"


async def test_a_teams_progress_loads_in_one_query_per_collection(
    client: httpx.AsyncClient, counting: CountingStore
) -> None:
    query = """{ team(first: 50) { edges { node {
                 id enrollments { progress courses { percent } } } } } }"""
    body = await gql(client, query, principal=HR)

    assert len(body["data"]["team"]["edges"]) == len(
        [p for p in demo_people() if p.tenant == DEMO_TENANT]
    )
    assert counting.calls["enrollments_of"] == 1
    assert counting.calls["course_facts"] == 1
    assert counting.calls["outlines_of"] == 1
