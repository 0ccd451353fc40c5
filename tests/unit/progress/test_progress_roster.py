"""The HRMS integration point: roster upserts by GraphQL and `POST /hr/learners`; new hires
are enrolled in the catalog's paths with due dates; leavers' enrollments close."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from progress_helpers import HR, KEY, MANAGER, codes, gql

from learnpulse.auth import PRINCIPAL_HEADER, Principal, mint_token, verify_principal
from services.progress.app import create_app
from services.progress.catalog_client import CatalogUnavailable, HttpCatalog, PathRule
from services.progress.domain import CourseOutline, Learner, PathOutline
from services.progress.settings import ProgressSettings
from services.progress.store import ProgressStore

JWT = b"progress-test-jwt-secret-of-32-bytes-or-more"
UPSERT = """mutation ($learners: [LearnerInput!]!) {
  upsertLearners(learners: $learners) { created updated enrolled closed }
}"""
ENROLLMENTS = """query ($id: ID!) {
  learner(id: $id) { role managerId enrollments { pathId status dueAt enrolledAt } }
}"""


class FakeCatalog:
    """Pickers get onboarding (due 14 days after enrolment); everyone gets privacy (due 30 days
    after hire)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def paths_for(self, *, principal: Principal, learner: Learner) -> list[PathRule]:
        self.asked.append(learner.id)
        rules = [PathRule("p-privacy-new", False, 30, "r-all", "HIRE")]
        if learner.role == "Picker":
            rules.insert(0, PathRule("p-onboarding", True, 14, "r-pickers"))
        return rules

    async def outline(self, *, principal: Principal, path_id: str) -> PathOutline | None:
        return PathOutline(path_id, (CourseOutline("c-privacy", ("u-privacy-1",)),))


@pytest.fixture
async def hr_client(
    tmp_path: Path, store: ProgressStore
) -> AsyncIterator[tuple[httpx.AsyncClient, FakeCatalog]]:
    settings = ProgressSettings(
        internal_secret=KEY.decode(),
        jwt_secret=JWT.decode(),
        state_dir=tmp_path,
        mongo_url="memory://",
    )
    catalog = FakeCatalog()
    app = create_app(settings, store=store, catalog=catalog)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as c:
        yield c, catalog


def hire(**overrides: object) -> dict[str, object]:
    return {
        "id": "lrn-new",
        "name": "Nia Okafor",
        "role": "Picker",
        "department": "Operations",
        "shift": "day",
        "location": "Leeds DC",
        "managerId": "mgr-1",
        "hireDate": "2026-12-01",
    } | overrides


async def test_a_new_hire_is_enrolled_in_the_catalogs_paths_with_due_dates(
    hr_client: tuple[httpx.AsyncClient, FakeCatalog],
) -> None:
    client, catalog = hr_client
    before = datetime.now(UTC)

    body = await gql(client, UPSERT, {"learners": [hire()]}, principal=HR)
    again = await gql(client, UPSERT, {"learners": [hire(shift="night")]}, principal=HR)
    learner = (await gql(client, ENROLLMENTS, {"id": "lrn-new"}, principal=HR))["data"]["learner"]

    assert body["data"]["upsertLearners"] == {
        "created": 1,
        "updated": 0,
        "closed": 0,
        "enrolled": ["lrn-new:p-onboarding", "lrn-new:p-privacy-new"],
    }
    assert again["data"]["upsertLearners"]["enrolled"] == []
    assert catalog.asked == ["lrn-new"]
    due = {e["pathId"]: e["dueAt"] for e in learner["enrollments"]}
    assert due["p-privacy-new"].startswith("2026-12-31T00:00:00")
    delta = datetime.fromisoformat(due["p-onboarding"]) - before
    assert timedelta(days=14) <= delta < timedelta(days=14, minutes=1)


async def test_a_leaver_has_their_enrollments_closed(
    hr_client: tuple[httpx.AsyncClient, FakeCatalog],
) -> None:
    client, _ = hr_client
    leaver = hire(id="lrn-2", name="Ben Carter", hireDate="2025-06-16", leftAt="2026-12-03")

    body = await gql(client, UPSERT, {"learners": [leaver]}, principal=HR)
    learner = (await gql(client, ENROLLMENTS, {"id": "lrn-2"}, principal=HR))["data"]["learner"]

    assert body["data"]["upsertLearners"]["closed"] == 1
    assert [e["status"] for e in learner["enrollments"]] == ["CLOSED"]


async def test_only_hr_admins_upsert_and_bad_rows_are_named(
    hr_client: tuple[httpx.AsyncClient, FakeCatalog],
) -> None:
    client, _ = hr_client
    backwards = hire(leftAt="2026-01-01")

    forbidden = await gql(client, UPSERT, {"learners": [hire()]}, principal=MANAGER)
    invalid = await gql(client, UPSERT, {"learners": [hire(id="ok"), backwards]}, principal=HR)

    assert codes(forbidden) == ["FORBIDDEN"]
    assert invalid["errors"][0]["extensions"]["argument"] == "learners[1].leftAt"


async def test_hrms_pushes_the_roster_over_http_with_an_hr_token(
    hr_client: tuple[httpx.AsyncClient, FakeCatalog],
) -> None:
    client, _ = hr_client
    hr = {"Authorization": f"Bearer {mint_token(HR, secret=JWT)}"}
    manager = {"Authorization": f"Bearer {mint_token(MANAGER, secret=JWT)}"}
    payload = {"learners": [hire(ratings=[{"period": "2026-H1", "rating": 3.5}])]}

    pushed = await client.post("/hr/learners", json=payload, headers=hr)
    refused = await client.post("/hr/learners", json=payload, headers=manager)
    anonymous = await client.post("/hr/learners", json=payload)
    bad = await client.post("/hr/learners", json={"learners": [hire(hireDate="soon")]}, headers=hr)

    assert pushed.status_code == 200 and pushed.json()["created"] == 1
    assert (refused.status_code, anonymous.status_code) == (403, 401)
    assert (bad.status_code, bad.json()["field"]) == (400, "learners[0].hireDate")


async def test_the_http_catalog_asks_pathsfor_as_the_signed_principal() -> None:
    seen: list[dict[str, object]] = []

    def catalog(request: httpx.Request) -> httpx.Response:
        assert verify_principal(request.headers[PRINCIPAL_HEADER], KEY) == HR
        body = json.loads(request.content)
        seen.append(body["variables"])
        if "pathsFor" in body["query"]:
            rule = {"pathId": "p-1", "mandatory": True, "dueAfterDays": 7, "ruleId": "r-1"}
            return httpx.Response(200, json={"data": {"pathsFor": [rule]}})
        path = {
            "courses": [{"id": "c-1", "units": [{"id": "u-1"}, {"id": "u-2"}]}],
            "milestones": [{"title": "Go", "courseIds": ["c-1"]}],
        }
        return httpx.Response(200, json={"data": {"learningPath": path}})

    client = HttpCatalog(
        url="http://catalog/graphql", key=KEY, transport=httpx.MockTransport(catalog)
    )
    learner = Learner("n", "N", "Picker", "Ops", "day", "Leeds")

    rules = await client.paths_for(principal=HR, learner=learner)
    outline = await client.outline(principal=HR, path_id="p-1")

    assert rules == [PathRule("p-1", True, 7, "r-1")]
    assert seen[0]["profile"] == {
        "role": "Picker",
        "department": "Ops",
        "shift": "day",
        "location": "Leeds",
        "hireDate": None,
    }
    assert outline == PathOutline(
        "p-1", (CourseOutline("c-1", ("u-1", "u-2")),), (("Go", ("c-1",)),)
    )


class DownOnceCatalog(FakeCatalog):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    async def paths_for(self, *, principal: Principal, learner: Learner) -> list[PathRule]:
        if self.down:
            self.down = False
            raise CatalogUnavailable("catalog at http://catalog: connection refused")
        return await super().paths_for(principal=principal, learner=learner)


async def test_a_push_while_the_catalog_is_down_writes_nothing_and_its_retry_enrols(
    tmp_path: Path, store: ProgressStore
) -> None:
    settings = ProgressSettings(internal_secret=KEY.decode(), jwt_secret=JWT.decode(),
                                state_dir=tmp_path, mongo_url="memory://")  # fmt: skip
    app = create_app(settings, store=store, catalog=DownOnceCatalog())
    hr = {"Authorization": f"Bearer {mint_token(HR, secret=JWT)}"}
    payload = {"learners": [hire(id="lrn-a"), hire(id="lrn-b", role="Packer")]}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://p") as c:
        failed = await c.post("/hr/learners", json=payload, headers=hr)
        written = await store.learners_by_ids(tenant="demo", ids=["lrn-a", "lrn-b"])
        retried = await c.post("/hr/learners", json=payload, headers=hr)

    assert failed.status_code == 502 and written == {}
    assert retried.json()["created"] == 2
    assert retried.json()["enrolled"] == [
        "lrn-a:p-onboarding", "lrn-a:p-privacy-new", "lrn-b:p-privacy-new",
    ]  # fmt: skip
