"""What each reader sees of a course under revision: paths always show the published version."""

from __future__ import annotations

import httpx
from catalog_helpers import author, caller, gql, mutate

OUTLINE = """{ learningPath(id: "p-onboarding") {
  courses { id version units { id } } milestones { courses { id version } } } }"""


async def test_a_path_outline_shows_published_units_while_a_course_is_revised(
    client: httpx.AsyncClient,
) -> None:
    before = await gql(client, OUTLINE, principal=caller("hr-1", roles=("hr_admin",)))
    added = await mutate(
        client, "addUnit", {"courseId": "c-safety", "title": "New rule", "kind": "READING"}
    )
    assert added["data"]["addUnit"]["course"]["version"] == 2  # a draft is open

    for reader in (caller("hr-1", roles=("hr_admin",)), author(), caller()):
        after = await gql(client, OUTLINE, principal=reader)
        assert after == before
    safety = before["data"]["learningPath"]["courses"][0]
    assert (safety["id"], safety["version"], len(safety["units"])) == ("c-safety", 1, 4)


async def test_the_author_still_reads_the_draft_directly(client: httpx.AsyncClient) -> None:
    await mutate(client, "addUnit", {"courseId": "c-safety", "title": "New rule", "kind": "VIDEO"})
    query = '{ course(id: "c-safety") { version status units { title } } }'

    draft = (await gql(client, query, principal=author()))["data"]["course"]
    learner = (await gql(client, query))["data"]["course"]

    assert (draft["version"], draft["status"], len(draft["units"])) == (2, "DRAFT", 5)
    assert (learner["version"], learner["status"], len(learner["units"])) == (1, "PUBLISHED", 4)


async def test_archiving_mid_revision_shows_learners_the_last_published_content(
    client: httpx.AsyncClient,
) -> None:
    await mutate(client, "updateCourse", {"courseId": "c-safety", "title": "Half-edited"})
    await mutate(client, "archiveCourse", {"courseId": "c-safety"})
    query = '{ course(id: "c-safety") { title status version } }'

    learner = (await gql(client, query))["data"]["course"]

    assert learner == {"title": "Warehouse Safety Essentials", "status": "ARCHIVED", "version": 1}
