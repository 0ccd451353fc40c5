"""Authoring through GraphQL: build, publish, re-edit as a new version, and who may do it."""

from __future__ import annotations

import httpx
from catalog_helpers import COURSE_FIELDS, author, build_course, caller, codes, gql, mutate

VERSION = f"query ($id: ID!, $v: Int) {{ course(id: $id, version: $v) {{ {COURSE_FIELDS} }} }}"


async def test_an_author_builds_a_course_of_units_and_a_quiz(client: httpx.AsyncClient) -> None:
    course = await build_course(client)

    assert course["status"] == "DRAFT"
    assert [u["kind"] for u in course["units"]] == ["VIDEO", "READING", "QUIZ"]
    assert [u["position"] for u in course["units"]] == [1, 2, 3]
    quiz = course["units"][2]["quiz"]
    assert quiz["passScore"] == 75
    assert [q["skill"] for q in quiz["questions"]] == ["storage", "ppe"]
    assert quiz["questions"][0]["options"][0] == {"text": "Marked bays", "correct": True}


async def test_publishing_freezes_version_one(client: httpx.AsyncClient) -> None:
    course = await build_course(client)

    body = await mutate(client, "publishCourse", {"courseId": course["id"]})

    published = body["data"]["publishCourse"]["course"]
    assert (published["status"], published["version"], published["publishedVersion"]) == (
        "PUBLISHED",
        1,
        1,
    )
    assert body["data"]["publishCourse"]["warnings"] == []


async def test_editing_a_published_course_opens_a_new_draft_version(
    client: httpx.AsyncClient,
) -> None:
    course = await build_course(client)
    await mutate(client, "publishCourse", {"courseId": course["id"]})
    first_unit = course["units"][0]["id"]

    body = await mutate(client, "updateUnit", {"unitId": first_unit, "title": "Unit one, redone"})

    draft = body["data"]["updateUnit"]["course"]
    assert (draft["status"], draft["version"], draft["publishedVersion"]) == ("DRAFT", 2, 1)
    v1 = (await gql(client, VERSION, {"id": course["id"], "v": 1}, principal=author()))["data"]
    v2 = (await gql(client, VERSION, {"id": course["id"], "v": 2}, principal=author()))["data"]
    assert v1["course"]["units"][0]["title"] == "Unit 1"
    assert v1["course"]["status"] == "PUBLISHED"
    assert v2["course"]["units"][0]["title"] == "Unit one, redone"
    missing = await gql(client, VERSION, {"id": course["id"], "v": 7}, principal=author())
    assert missing["data"] == {"course": None}


async def test_a_required_change_moves_learners_to_the_new_version(
    client: httpx.AsyncClient,
) -> None:
    course = await build_course(client)
    await mutate(client, "publishCourse", {"courseId": course["id"]})
    await mutate(client, "updateCourse", {"courseId": course["id"], "summary": "Typo fixed"})
    await mutate(client, "publishCourse", {"courseId": course["id"]})
    await mutate(client, "updateCourse", {"courseId": course["id"], "summary": "New law"})
    await mutate(client, "publishCourse", {"courseId": course["id"], "required": True})
    query = """query ($id: ID!) { course(id: $id) {
        versions { number required publishedBy }
        fromOne: versionForLearner(startedVersion: 1)
        fromThree: versionForLearner(startedVersion: 3) } }"""

    body = await gql(client, query, {"id": course["id"]})

    read = body["data"]["course"]
    assert [(v["number"], v["required"]) for v in read["versions"]] == [
        (1, False),
        (2, False),
        (3, True),
    ]
    assert read["versions"][0]["publishedBy"] == "author-1"
    assert (read["fromOne"], read["fromThree"]) == (3, 3)


async def test_an_optional_change_leaves_learners_on_their_version(
    client: httpx.AsyncClient,
) -> None:
    course = await build_course(client)
    await mutate(client, "publishCourse", {"courseId": course["id"]})
    await mutate(client, "updateCourse", {"courseId": course["id"], "title": "Pallets 2"})
    await mutate(client, "publishCourse", {"courseId": course["id"]})

    query = "query ($id: ID!) { course(id: $id) { versionForLearner(startedVersion: 1) } }"
    body = await gql(client, query, {"id": course["id"]})

    assert body["data"]["course"]["versionForLearner"] == 1


async def test_durations_outside_the_norm_warn_but_publish(client: httpx.AsyncClient) -> None:
    course = await build_course(client, minutes=(4, 12, 3))

    body = await mutate(client, "publishCourse", {"courseId": course["id"]})

    payload = body["data"]["publishCourse"]
    assert payload["course"]["status"] == "PUBLISHED"
    [warning] = payload["warnings"]
    assert warning["field"] == "units[1].expectedMinutes"
    assert warning["unitId"] == course["units"][1]["id"]
    assert "12 minutes" in warning["message"]


async def test_an_invalid_publish_names_unit_and_field_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    course = await build_course(client, minutes=(4, 5, None))
    quiz_unit = course["units"][2]["id"]
    broken = {
        "unitId": quiz_unit,
        "questions": [
            {
                "prompt": "Pick one",
                "kind": "SINGLE_CHOICE",
                "options": [{"text": "a", "correct": True}, {"text": "b", "correct": True}],
            },
        ],
    }
    await mutate(client, "attachQuiz", broken)

    body = await mutate(client, "publishCourse", {"courseId": course["id"]})

    assert codes(body) == ["BAD_USER_INPUT"]
    ext = body["errors"][0]["extensions"]
    assert ext["field"] == "units[2].expectedMinutes"
    assert ext["unitId"] == quiz_unit
    assert [p["field"] for p in ext["problems"]] == [
        "units[2].expectedMinutes",
        "units[2].quiz.questions[0].options",
    ]
    after = await gql(client, VERSION, {"id": course["id"]}, principal=author())
    assert (after["data"]["course"]["status"], after["data"]["course"]["publishedVersion"]) == (
        "DRAFT",
        None,
    )


async def test_an_empty_course_cannot_be_published(client: httpx.AsyncClient) -> None:
    created = await mutate(client, "createCourse", {"title": "Empty"})
    course_id = created["data"]["createCourse"]["course"]["id"]

    body = await mutate(client, "publishCourse", {"courseId": course_id})

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "units"


async def test_reorder_and_remove_keep_positions_contiguous(client: httpx.AsyncClient) -> None:
    course = await build_course(client)
    ids = [u["id"] for u in course["units"]]

    reordered = await mutate(
        client, "reorderUnits", {"courseId": course["id"], "unitIds": [ids[2], ids[0], ids[1]]}
    )
    removed = await mutate(client, "removeUnit", {"unitId": ids[0]})

    units = reordered["data"]["reorderUnits"]["course"]["units"]
    assert [u["id"] for u in units] == [ids[2], ids[0], ids[1]]
    left = removed["data"]["removeUnit"]["course"]["units"]
    assert [(u["id"], u["position"]) for u in left] == [(ids[2], 1), (ids[1], 2)]


async def test_reordering_must_name_every_unit_once(client: httpx.AsyncClient) -> None:
    course = await build_course(client)

    body = await mutate(
        client, "reorderUnits", {"courseId": course["id"], "unitIds": [course["units"][0]["id"]]}
    )

    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "unitIds"


async def test_an_archived_course_is_kept_but_not_editable(client: httpx.AsyncClient) -> None:
    course = await build_course(client)
    await mutate(client, "archiveCourse", {"courseId": course["id"]})

    edit = await mutate(client, "updateCourse", {"courseId": course["id"], "title": "Again"})
    read = await gql(client, VERSION, {"id": course["id"]}, principal=author())
    learner = await gql(client, VERSION, {"id": course["id"]})

    assert codes(edit) == ["BAD_USER_INPUT"]
    assert read["data"]["course"]["status"] == "ARCHIVED"
    assert learner["data"] == {"course": None}  # it was never published


async def test_learners_and_managers_cannot_write(client: httpx.AsyncClient) -> None:
    for roles in (("learner",), ("manager",)):
        body = await mutate(
            client, "createCourse", {"title": "Nope"}, principal=caller(roles=roles)
        )
        assert codes(body) == ["FORBIDDEN"]


async def test_hr_admins_may_write(client: httpx.AsyncClient) -> None:
    hr = caller("hr-1", roles=("hr_admin",))

    body = await mutate(client, "createCourse", {"title": "HR course"}, principal=hr)

    assert body["data"]["createCourse"]["course"]["status"] == "DRAFT"


async def test_another_tenant_can_neither_read_nor_edit(client: httpx.AsyncClient) -> None:
    course = await build_course(client)
    acme = author("acme")

    read = await gql(client, VERSION, {"id": course["id"]}, principal=acme)
    edit = await mutate(
        client, "addUnit", {"courseId": course["id"], "title": "x", "kind": "VIDEO"}, principal=acme
    )

    assert read["data"] == {"course": None}
    assert codes(edit) == ["NOT_FOUND"]
    assert edit["errors"][0]["extensions"]["field"] == "courseId"


async def test_quiz_answers_are_hidden_from_learners(client: httpx.AsyncClient) -> None:
    course = await build_course(client)
    await mutate(client, "publishCourse", {"courseId": course["id"]})

    body = await gql(client, VERSION, {"id": course["id"]})

    options = body["data"]["course"]["units"][2]["quiz"]["questions"][0]["options"]
    assert {o["correct"] for o in options} == {None}


async def test_learners_see_the_published_version_never_a_draft(
    client: httpx.AsyncClient,
) -> None:
    course = await build_course(client)
    unpublished = await gql(client, VERSION, {"id": course["id"]})
    await mutate(client, "publishCourse", {"courseId": course["id"]})
    await mutate(client, "updateCourse", {"courseId": course["id"], "title": "Half-edited"})
    page = """{ courses(first: 50, tag: "floor") { totalCount edges { node { title version } } }
               draft: courses(first: 50, status: DRAFT) { totalCount } }"""

    read = await gql(client, VERSION, {"id": course["id"]})
    listed = await gql(client, page)

    assert unpublished["data"] == {"course": None}
    assert (read["data"]["course"]["title"], read["data"]["course"]["version"]) == (
        "Pallet basics",
        1,
    )
    assert read["data"]["course"]["status"] == "PUBLISHED"
    assert listed["data"]["courses"]["edges"] == [
        {"node": {"title": "Pallet basics", "version": 1}}
    ]
    assert listed["data"]["draft"]["totalCount"] == 0
