"""The progress subgraph's queries over HTTP: computed progress and who may see whom."""

from __future__ import annotations

import httpx
import pytest
from progress_helpers import HR, MANAGER, caller, codes, gql

from learnpulse.demo import DEMO_TENANT, demo_people

PROGRESS = """
query ($id: ID!) {
  learner(id: $id) {
    id name managerId hireDate
    enrollments {
      pathId path { id } status progress dueAt
      courses { course { id } completedUnits totalUnits percent status lastActivityAt }
    }
  }
}
"""


def enrollment(body: dict, path_id: str) -> dict:
    return next(e for e in body["data"]["learner"]["enrollments"] if e["pathId"] == path_id)


async def test_a_diligent_learner_has_finished_onboarding(client: httpx.AsyncClient) -> None:
    body = await gql(client, PROGRESS, {"id": "lrn-1"}, principal=MANAGER)

    assert body["data"]["learner"]["name"] == "Ana Silva"
    assert body["data"]["learner"]["hireDate"] == "2024-02-05"
    onboarding = enrollment(body, "p-onboarding")
    assert (onboarding["status"], onboarding["progress"]) == ("COMPLETED", 1.0)
    assert onboarding["path"] == {"id": "p-onboarding"}
    assert [c["course"]["id"] for c in onboarding["courses"]] == ["c-safety", "c-privacy"]
    assert all(c["percent"] == 100.0 for c in onboarding["courses"])


async def test_a_stalled_learner_shows_an_open_course(client: httpx.AsyncClient) -> None:
    body = await gql(client, PROGRESS, {"id": "lrn-2"}, principal=MANAGER)

    onboarding = enrollment(body, "p-onboarding")
    safety, privacy = onboarding["courses"]
    assert (safety["completedUnits"], safety["totalUnits"], safety["status"]) == (4, 4, "COMPLETED")
    assert (privacy["completedUnits"], privacy["status"]) == (0, "IN_PROGRESS")
    assert privacy["lastActivityAt"] is not None
    assert onboarding["status"] == "ACTIVE"
    assert onboarding["progress"] == pytest.approx(4 / 7)


async def test_a_failed_quiz_leaves_the_course_unfinished(client: httpx.AsyncClient) -> None:
    body = await gql(client, PROGRESS, {"id": "lrn-3"}, principal=MANAGER)

    safety = enrollment(body, "p-onboarding")["courses"][0]
    assert (safety["completedUnits"], safety["percent"]) == (3, 75.0)
    service = enrollment(body, "p-service")
    assert {c["status"] for c in service["courses"]} >= {"NOT_STARTED"}


async def test_a_learner_sees_themself(client: httpx.AsyncClient) -> None:
    me = await gql(client, "{ me { id name } }", principal=caller("lrn-4"))
    by_id = await gql(client, '{ learner(id: "lrn-4") { id } }', principal=caller("lrn-4"))

    assert me["data"]["me"] == {"id": "lrn-4", "name": "Dev Patel"}
    assert by_id["data"]["learner"] == {"id": "lrn-4"}


async def test_a_learner_cannot_read_another_learner(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ learner(id: "lrn-2") { name } }', principal=caller("lrn-1"))

    assert body["data"] == {"learner": None}
    assert codes(body) == ["FORBIDDEN"]


async def test_a_manager_reads_reports_and_themself_but_no_one_else(
    client: httpx.AsyncClient,
) -> None:
    query = """{ a: learner(id: "lrn-3") { id } b: learner(id: "mgr-1") { id }
                 c: learner(id: "hr-1") { id } }"""
    body = await gql(client, query, principal=MANAGER)

    assert body["data"] == {"a": {"id": "lrn-3"}, "b": {"id": "mgr-1"}, "c": None}
    assert codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["path"] == ["c"]


async def test_unknown_ids_are_not_found_only_inside_the_callers_scope(
    client: httpx.AsyncClient,
) -> None:
    for_hr = await gql(client, '{ learner(id: "lrn-99") { id } }', principal=HR)
    for_learner = await gql(client, '{ learner(id: "lrn-99") { id } }', principal=caller())

    assert codes(for_hr) == ["NOT_FOUND"]
    assert codes(for_learner) == ["FORBIDDEN"]  # no probing for which ids exist


async def test_roles_without_learning_progress_are_forbidden(client: httpx.AsyncClient) -> None:
    author = caller("lrn-1", roles=["author"])

    body = await gql(client, '{ me { id } learner(id: "lrn-1") { id } }', principal=author)

    assert body["data"] == {"me": None, "learner": None}
    assert codes(body) == ["FORBIDDEN", "FORBIDDEN"]


async def test_another_tenant_cannot_see_demo_learners(client: httpx.AsyncClient) -> None:
    acme_hr = caller("hr-9", tenant="acme", roles=["hr_admin"])

    single = await gql(client, '{ learner(id: "lrn-1") { id } }', principal=acme_hr)
    team = await gql(client, "{ team { edges { node { id } } totalCount } }", principal=acme_hr)

    assert single["data"] == {"learner": None}
    assert codes(single) == ["NOT_FOUND"]
    assert team["data"]["team"] == {"edges": [{"node": {"id": "acme-lrn-1"}}], "totalCount": 1}


TEAM = """
query ($first: Int!, $after: String) {
  team(first: $first, after: $after) {
    totalCount edges { cursor node { id } } pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_a_managers_team_is_their_reports(client: httpx.AsyncClient) -> None:
    body = await gql(client, TEAM, {"first": 10}, principal=MANAGER)

    team = body["data"]["team"]
    assert [e["node"]["id"] for e in team["edges"]] == ["lrn-1", "lrn-2", "lrn-3", "lrn-4"]
    assert (team["totalCount"], team["pageInfo"]["hasNextPage"]) == (4, False)


async def test_hr_pages_through_the_whole_tenant(client: httpx.AsyncClient) -> None:
    first = (await gql(client, TEAM, {"first": 4}, principal=HR))["data"]["team"]
    after = first["pageInfo"]["endCursor"]
    rest = (await gql(client, TEAM, {"first": 50, "after": after}, principal=HR))["data"]["team"]

    ids = [e["node"]["id"] for e in first["edges"] + rest["edges"]]
    assert ids == sorted(p.id for p in demo_people() if p.tenant == DEMO_TENANT)
    assert (first["pageInfo"]["hasNextPage"], rest["pageInfo"]["hasNextPage"]) == (True, False)
    assert first["totalCount"] == rest["totalCount"] == len(ids)


async def test_a_learner_has_no_team(client: httpx.AsyncClient) -> None:
    body = await gql(client, TEAM, {"first": 5}, principal=caller())

    assert codes(body) == ["FORBIDDEN"]


@pytest.mark.parametrize("first", [0, 101])
async def test_team_page_size_is_checked(client: httpx.AsyncClient, first: int) -> None:
    body = await gql(client, TEAM, {"first": first}, principal=HR)

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "first"
    assert "`first`" in body["errors"][0]["message"]


async def test_requests_without_a_principal_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ me { id } }"})

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
