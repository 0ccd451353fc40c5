"""Export a course as JSON and import it elsewhere; importing the same file twice is a no-op."""

from __future__ import annotations

import copy
from typing import Any

import httpx
from catalog_helpers import author, build_course, caller, codes, gql, mutate

EXPORT = "query ($id: ID!, $v: Int) { exportCourse(id: $id, version: $v) }"
IMPORTED = (
    "course { id title status units { title kind expectedMinutes quiz { passScore } } } created"
)
ACME = author("acme")


async def export(client: httpx.AsyncClient, course_id: str, version: int | None = None) -> Any:
    body = await gql(client, EXPORT, {"id": course_id, "v": version}, principal=author())
    return body["data"]["exportCourse"]


async def import_(client: httpx.AsyncClient, document: Any, **kw: Any) -> dict[str, Any]:
    kw.setdefault("principal", ACME)
    return await mutate(client, "importCourse", {"document": document}, selection=IMPORTED, **kw)


async def count_courses(client: httpx.AsyncClient) -> int:
    body = await gql(client, "{ courses(first: 100) { totalCount } }", principal=ACME)
    return int(body["data"]["courses"]["totalCount"])


async def test_a_course_moves_to_another_tenant_with_units_and_quiz(
    client: httpx.AsyncClient,
) -> None:
    course = await build_course(client)
    document = await export(client, course["id"])

    body = await import_(client, document)

    payload = body["data"]["importCourse"]
    assert payload["created"] is True
    imported = payload["course"]
    assert (imported["title"], imported["status"]) == ("Pallet basics", "DRAFT")
    assert [u["kind"] for u in imported["units"]] == ["VIDEO", "READING", "QUIZ"]
    assert imported["units"][2]["quiz"] == {"passScore": 75}
    assert imported["id"] != course["id"]


async def test_importing_the_same_file_twice_keeps_one_copy(client: httpx.AsyncClient) -> None:
    course = await build_course(client)
    document = await export(client, course["id"])
    before = await count_courses(client)

    first = (await import_(client, document))["data"]["importCourse"]
    again = (await import_(client, copy.deepcopy(document)))["data"]["importCourse"]

    assert (first["created"], again["created"]) == (True, False)
    assert again["course"]["id"] == first["course"]["id"]
    assert await count_courses(client) == before + 1


async def test_a_changed_file_updates_the_copy_it_came_from(client: httpx.AsyncClient) -> None:
    course = await build_course(client)
    document = await export(client, course["id"])
    first = (await import_(client, document))["data"]["importCourse"]

    document["content"]["units"][0]["title"] = "Renamed"
    again = (await import_(client, document))["data"]["importCourse"]

    assert again["created"] is False
    assert again["course"]["id"] == first["course"]["id"]
    assert again["course"]["units"][0]["title"] == "Renamed"
    assert len(again["course"]["units"]) == 3


async def test_an_older_published_version_can_be_exported(client: httpx.AsyncClient) -> None:
    course = await build_course(client)
    await mutate(client, "publishCourse", {"courseId": course["id"]})
    await mutate(client, "updateCourse", {"courseId": course["id"], "title": "Pallets v2"})

    v1, head = await export(client, course["id"], 1), await export(client, course["id"])

    assert (v1["content"]["title"], v1["version"]) == ("Pallet basics", 1)
    assert (head["content"]["title"], head["version"]) == ("Pallets v2", 2)
    assert v1["externalId"] == head["externalId"]


async def test_a_malformed_document_is_refused_naming_the_field(
    client: httpx.AsyncClient,
) -> None:
    course = await build_course(client)
    document = await export(client, course["id"])
    document["content"]["units"][1]["kind"] = "hologram"

    body = await import_(client, document)
    wrong = await import_(client, {"format": "something-else"})

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "document.content.units[1]"
    assert wrong["errors"][0]["extensions"]["field"] == "document.format"
    assert await count_courses(client) == 1  # only the seeded acme course


async def test_learners_can_neither_export_nor_import(client: httpx.AsyncClient) -> None:
    body = await gql(client, EXPORT, {"id": "c-safety"})
    imported = await import_(client, {"format": "x"}, principal=caller())

    assert codes(body) == codes(imported) == ["FORBIDDEN"]
