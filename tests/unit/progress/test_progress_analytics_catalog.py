"""What the analytics ask the catalog (unit lengths, milestone due days) in one `_entities`
call each, and that an unreachable catalog leaves those figures unknown instead of failing."""

from __future__ import annotations

import json

import httpx
from progress_helpers import HR, KEY

from services.progress.analytics import unit_lengths, with_milestone_dues
from services.progress.catalog_client import HttpCatalog
from services.progress.roi import PathPlan


def catalog_answering(entities: list[dict | None], seen: list[dict]) -> HttpCatalog:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(json.loads(request.content))
        return httpx.Response(200, json={"data": {"_entities": entities}})

    return HttpCatalog(url="http://catalog/graphql", key=KEY, transport=httpx.MockTransport(answer))


async def test_unit_lengths_come_from_one_entities_call() -> None:
    seen: list[dict] = []
    catalog = catalog_answering(
        [{"id": "u-1", "expectedMinutes": 5}, {"id": "u-2", "expectedMinutes": None}, None], seen
    )

    found = await unit_lengths(catalog, HR, ["u-1", "u-2", "u-gone"])

    assert found == {"u-1": 5, "u-2": None}
    (call,) = seen
    assert call["variables"]["units"][0] == {"__typename": "Unit", "id": "u-1"}


async def test_milestone_due_days_fill_plans_that_lack_them() -> None:
    seen: list[dict] = []
    catalog = catalog_answering(
        [{"id": "p-1", "milestones": [{"title": "Week 1", "dueAfterDays": 7}, {"title": "Open"}]}],
        seen,
    )
    plans = {"p-1": PathPlan("p-1", ("u-1",), frozenset({"c-1"}), {"Week 2": 14})}

    found = await with_milestone_dues(plans, catalog, HR, ["p-1"])

    assert found["p-1"].milestone_due_days == {"Week 1": 7, "Week 2": 14}
    assert seen[0]["variables"]["paths"] == [{"__typename": "LearningPath", "id": "p-1"}]


async def test_an_unreachable_catalog_leaves_lengths_and_dues_unknown() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    catalog = HttpCatalog(
        url="http://catalog/graphql", key=KEY, transport=httpx.MockTransport(down)
    )
    plans = {"p-1": PathPlan("p-1", (), frozenset(), {})}

    assert await unit_lengths(catalog, HR, ["u-1"]) == {}
    assert await with_milestone_dues(plans, catalog, HR, ["p-1"]) == plans
    assert await unit_lengths(None, HR, ["u-1"]) == {}  # built without a catalog
