"""The catalog's GraphQL queries, driven over HTTP with a signed principal."""

from __future__ import annotations

import httpx
import pytest
from catalog_helpers import CountingStore, author, caller, codes, gql

from learnpulse.auth import PRINCIPAL_HEADER, sign_principal

COURSE = """
query ($id: ID!) {
  course(id: $id) {
    id title status version tags durationMinutes
    units { id title kind expectedMinutes position course { id } }
  }
}
"""
PAGE = """
query ($first: Int!, $after: String, $status: CourseStatus, $tag: String, $search: String) {
  courses(first: $first, after: $after, status: $status, tag: $tag, search: $search) {
    totalCount
    edges { cursor node { id title units { id } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


async def test_a_course_comes_with_its_units_in_order(client: httpx.AsyncClient) -> None:
    body = await gql(client, COURSE, {"id": "c-safety"})

    course = body["data"]["course"]
    assert course["title"] == "Warehouse Safety Essentials"
    assert course["status"] == "PUBLISHED"
    assert [u["position"] for u in course["units"]] == [1, 2, 3, 4]
    assert [u["kind"] for u in course["units"]] == ["VIDEO", "READING", "VIDEO", "QUIZ"]
    assert {u["course"]["id"] for u in course["units"]} == {"c-safety"}
    assert course["durationMinutes"] == sum(u["expectedMinutes"] for u in course["units"])


async def test_an_unknown_course_is_null(client: httpx.AsyncClient) -> None:
    body = await gql(client, COURSE, {"id": "c-nope"})

    assert body == {"data": {"course": None}}


async def test_learning_paths_list_courses_and_milestones(client: httpx.AsyncClient) -> None:
    query = """{ learningPaths { id title courses { id }
                 milestones { title dueAfterDays courseIds courses { title } } } }"""
    body = await gql(client, query)

    paths = {p["id"]: p for p in body["data"]["learningPaths"]}
    assert set(paths) == {"p-onboarding", "p-service"}
    onboarding = paths["p-onboarding"]
    assert [c["id"] for c in onboarding["courses"]] == ["c-safety", "c-privacy"]
    assert onboarding["milestones"][0] == {
        "title": "Safe on the floor",
        "dueAfterDays": 7,
        "courseIds": ["c-safety"],
        "courses": [{"title": "Warehouse Safety Essentials"}],
    }


async def test_one_learning_path_by_id(client: httpx.AsyncClient) -> None:
    body = await gql(client, '{ learningPath(id: "p-service") { title } }')

    assert body["data"]["learningPath"] == {"title": "Service Excellence"}


async def test_pages_walk_every_course_once(client: httpx.AsyncClient) -> None:
    seen, after = [], None
    while True:
        body = await gql(client, PAGE, {"first": 3, "after": after}, principal=author())
        page = body["data"]["courses"]
        assert page["totalCount"] == 4
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert seen == ["c-lead", "c-privacy", "c-safety", "c-service"]


async def test_units_of_a_page_load_in_one_query(
    client: httpx.AsyncClient, counting: CountingStore
) -> None:
    body = await gql(client, PAGE, {"first": 10})

    assert all(e["node"]["units"] for e in body["data"]["courses"]["edges"])
    assert counting.calls["units_of_courses"] == 1


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"status": "DRAFT"}, ["c-lead"]),
        ({"tag": "onboarding"}, ["c-privacy", "c-safety"]),
        ({"search": "CUSTOMER"}, ["c-privacy", "c-service"]),  # title or summary, any case
        ({"search": "(forklift"}, []),  # regex characters are matched literally
    ],
)
async def test_courses_filter(
    client: httpx.AsyncClient, filters: dict[str, str], expected: list[str]
) -> None:
    body = await gql(client, PAGE, {"first": 20, **filters}, principal=author())

    assert [e["node"]["id"] for e in body["data"]["courses"]["edges"]] == expected
    assert body["data"]["courses"]["totalCount"] == len(expected)


@pytest.mark.parametrize("first", [0, 101, -1])
async def test_first_out_of_range_is_bad_user_input_naming_first(
    client: httpx.AsyncClient, first: int
) -> None:
    body = await gql(client, PAGE, {"first": first})

    assert codes(body) == ["BAD_USER_INPUT"]
    assert "`first`" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["argument"] == "first"


async def test_a_forged_cursor_is_bad_user_input_naming_after(client: httpx.AsyncClient) -> None:
    body = await gql(client, PAGE, {"first": 2, "after": "not-a-cursor"})

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["argument"] == "after"


async def test_another_tenant_sees_only_its_own_catalog(client: httpx.AsyncClient) -> None:
    acme = caller("acme-lrn-1", tenant="acme")

    assert (await gql(client, COURSE, {"id": "c-safety"}, principal=acme))["data"] == {
        "course": None
    }
    page = (await gql(client, PAGE, {"first": 20}, principal=acme))["data"]["courses"]
    assert [e["node"]["id"] for e in page["edges"]] == ["c-acme-intro"]
    paths = await gql(client, "{ learningPaths { id } }", principal=acme)
    assert paths["data"]["learningPaths"] == [{"id": "p-acme-start"}]


async def test_requests_without_a_principal_are_refused(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "{ learningPaths { id } }"})

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_principal_signed_with_another_key_is_refused(client: httpx.AsyncClient) -> None:
    forged = sign_principal(caller(), b"not-the-internal-key")
    response = await client.post(
        "/graphql", json={"query": "{ learningPaths { id } }"}, headers={PRINCIPAL_HEADER: forged}
    )

    assert response.status_code == 401
    assert "signature" in response.json()["errors"][0]["message"]
