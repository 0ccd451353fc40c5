"""Assignment rules: HR defines them, and `pathsFor` tells progress what a new hire gets."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from catalog_helpers import caller, codes, gql, mutate

from services.catalog.assignment import AssignmentRule, LearnerProfile, applicable

RULE = "id pathId mandatory dueAfterDays dueFrom hiredFrom hiredUntil path { title }"
PATHS_FOR = """query ($p: LearnerProfileInput!) { pathsFor(profile: $p) {
  pathId mandatory dueAfterDays ruleId dueFrom path { id title courses { id units { id } } } } }"""
HR = caller("hr-1", roles=("hr_admin",))


async def rule(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = await mutate(client, "createAssignmentRule", fields, principal=HR, selection=RULE)
    return dict(body["data"]["createAssignmentRule"])


async def paths_for(client: httpx.AsyncClient, **profile: Any) -> list[dict[str, Any]]:
    body = await gql(
        client, PATHS_FOR, {"p": profile}, principal=caller("mgr-1", roles=("manager",))
    )
    return list(body["data"]["pathsFor"])


async def test_a_new_warehouse_hire_gets_the_onboarding_path(client: httpx.AsyncClient) -> None:
    made = await rule(
        client, pathId="p-onboarding", department="Warehouse", dueAfterDays=14, mandatory=True
    )
    await rule(client, pathId="p-service", department="Store")

    got = await paths_for(client, department="warehouse", role="picker", hireDate="2026-11-30")

    assert [(a["pathId"], a["mandatory"], a["dueAfterDays"], a["ruleId"]) for a in got] == [
        ("p-onboarding", True, 14, made["id"])
    ]
    assert got[0]["dueFrom"] == "HIRE"
    assert [c["id"] for c in got[0]["path"]["courses"]] == ["c-safety", "c-privacy"]
    assert all(c["units"] for c in got[0]["path"]["courses"])


async def test_hire_date_windows_bound_a_rule(client: httpx.AsyncClient) -> None:
    await rule(client, pathId="p-service", hiredFrom="2026-01-01", hiredUntil="2026-06-30")

    assert [a["pathId"] for a in await paths_for(client, hireDate="2026-03-01")] == ["p-service"]
    assert await paths_for(client, hireDate="2026-07-01") == []
    assert await paths_for(client) == []  # a windowed rule needs a hire date


async def test_the_strictest_rule_wins_when_several_give_the_same_path(
    client: httpx.AsyncClient,
) -> None:
    await rule(client, pathId="p-service", dueAfterDays=30)
    strict = await rule(client, pathId="p-service", shift="night", dueAfterDays=7, mandatory=True)

    [got] = await paths_for(client, shift="Night")

    assert (got["ruleId"], got["mandatory"], got["dueAfterDays"]) == (strict["id"], True, 7)


async def test_rules_are_listed_in_the_order_they_were_made(client: httpx.AsyncClient) -> None:
    first = await rule(client, pathId="p-service", location="Leeds")
    second = await rule(client, pathId="p-onboarding", dueFrom="ENROLMENT", dueAfterDays=3)

    body = await gql(client, "{ assignmentRules { id dueFrom } }", principal=HR)

    assert body["data"]["assignmentRules"] == [
        {"id": first["id"], "dueFrom": "HIRE"},
        {"id": second["id"], "dueFrom": "ENROLMENT"},
    ]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"pathId": "p-nope"}, "NOT_FOUND", "pathId"),
        ({"pathId": "p-acme-start"}, "NOT_FOUND", "pathId"),  # another tenant's path
        ({"pathId": "p-service", "dueAfterDays": -1}, "BAD_USER_INPUT", "dueAfterDays"),
        (
            {"pathId": "p-service", "hiredFrom": "2026-02-01", "hiredUntil": "2026-01-01"},
            "BAD_USER_INPUT",
            "hiredUntil",
        ),
    ],
)
async def test_bad_rules_are_refused_naming_the_field(
    client: httpx.AsyncClient, fields: dict[str, Any], code: str, field: str
) -> None:
    body = await mutate(client, "createAssignmentRule", fields, principal=HR, selection="id")

    assert codes(body) == [code]
    assert body["errors"][0]["extensions"]["field"] == field


async def test_learners_cannot_make_or_list_rules(client: httpx.AsyncClient) -> None:
    made = await mutate(
        client, "createAssignmentRule", {"pathId": "p-service"}, principal=caller(), selection="id"
    )
    listed = await gql(client, "{ assignmentRules { id } }")

    assert codes(made) == codes(listed) == ["FORBIDDEN"]


async def test_rules_of_another_tenant_do_not_apply(client: httpx.AsyncClient) -> None:
    await rule(client, pathId="p-service")

    acme = caller("acme-hr", tenant="acme", roles=("hr_admin",))
    body = await gql(client, PATHS_FOR, {"p": {}}, principal=acme)

    assert body["data"]["pathsFor"] == []


def test_empty_criteria_match_everyone_and_text_ignores_case() -> None:
    everyone = AssignmentRule("r1", "p1")
    night_leeds = AssignmentRule("r2", "p2", shift="NIGHT", location="leeds")

    chosen = applicable([everyone, night_leeds], LearnerProfile(shift="night", location="Leeds"))

    assert [r.id for r in chosen] == ["r1", "r2"]
    assert applicable([night_leeds], LearnerProfile(shift="night")) == []
    windowed = AssignmentRule("r3", "p3", hired_from=date(2026, 1, 1))
    assert applicable([windowed], LearnerProfile(hire_date=date(2026, 1, 1))) == [windowed]
