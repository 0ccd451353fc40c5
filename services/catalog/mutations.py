"""The catalog's mutations: thin translations from GraphQL inputs to authoring use cases."""

from __future__ import annotations

from typing import TypedDict

import strawberry

from learnpulse.auth import Principal
from services.catalog import authoring, rules, transfer
from services.catalog.assignment import AssignmentRule as DomainRule
from services.catalog.inputs import (
    AddUnitInput,
    ArchiveCourseInput,
    AttachQuizInput,
    CreateAssignmentRuleInput,
    CreateCourseInput,
    ImportCourseInput,
    PublishCourseInput,
    RemoveUnitInput,
    ReorderUnitsInput,
    UpdateCourseInput,
    UpdateUnitInput,
    given,
)
from services.catalog.payloads import AssignmentRule, CoursePayload, ImportCoursePayload
from services.catalog.store import CatalogStore
from services.catalog.types import CatalogInfo, Course


class _Caller(TypedDict):
    store: CatalogStore
    principal: Principal


def _who(info: CatalogInfo) -> _Caller:
    return {"store": info.context.store, "principal": info.context.principal}


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Start a draft course (author, hr_admin).")
    async def create_course(self, info: CatalogInfo, input: CreateCourseInput) -> CoursePayload:
        edited = await authoring.create_course(
            **_who(info), title=input.title, summary=input.summary, tags=input.tags
        )
        return CoursePayload.of(edited)

    @strawberry.mutation(description="Change title, summary or tags; opens a draft if published.")
    async def update_course(self, info: CatalogInfo, input: UpdateCourseInput) -> CoursePayload:
        changes = given(input, {"title": "title", "summary": "summary", "tags": "tags"})
        edited = await authoring.update_course(
            **_who(info), course_id=input.course_id, changes=changes
        )
        return CoursePayload.of(edited)

    @strawberry.mutation(description="Append a unit to the course.")
    async def add_unit(self, info: CatalogInfo, input: AddUnitInput) -> CoursePayload:
        edited = await authoring.add_unit(
            **_who(info),
            course_id=input.course_id,
            title=input.title,
            kind=input.kind,
            expected_minutes=input.expected_minutes,
            media_url=input.media_url,
            skills=input.skills,
        )
        return CoursePayload.of(edited)

    @strawberry.mutation(description="Change the fields given; the others stay.")
    async def update_unit(self, info: CatalogInfo, input: UpdateUnitInput) -> CoursePayload:
        names = {
            "title": "title",
            "kind": "kind",
            "expected_minutes": "expected_minutes",
            "media_url": "media_url",
            "skills": "skills",
        }
        edited = await authoring.update_unit(
            **_who(info), unit_id=input.unit_id, changes=given(input, names)
        )
        return CoursePayload.of(edited)

    @strawberry.mutation(description="Put the course's units in this order (every unit once).")
    async def reorder_units(self, info: CatalogInfo, input: ReorderUnitsInput) -> CoursePayload:
        edited = await authoring.reorder_units(
            **_who(info), course_id=input.course_id, unit_ids=[str(u) for u in input.unit_ids]
        )
        return CoursePayload.of(edited)

    @strawberry.mutation
    async def remove_unit(self, info: CatalogInfo, input: RemoveUnitInput) -> CoursePayload:
        return CoursePayload.of(await authoring.remove_unit(**_who(info), unit_id=input.unit_id))

    @strawberry.mutation(description="Attach (or replace) the quiz of a unit.")
    async def attach_quiz(self, info: CatalogInfo, input: AttachQuizInput) -> CoursePayload:
        edited = await authoring.attach_quiz(
            **_who(info), unit_id=input.unit_id, quiz=input.to_domain()
        )
        return CoursePayload.of(edited)

    @strawberry.mutation(description="Validate the draft and freeze it as the next version.")
    async def publish_course(self, info: CatalogInfo, input: PublishCourseInput) -> CoursePayload:
        edited = await authoring.publish_course(
            **_who(info), course_id=input.course_id, required=input.required
        )
        return CoursePayload.of(edited)

    @strawberry.mutation(description="Retire a course; it is kept, never deleted.")
    async def archive_course(self, info: CatalogInfo, input: ArchiveCourseInput) -> CoursePayload:
        return CoursePayload.of(
            await authoring.archive_course(**_who(info), course_id=input.course_id)
        )

    @strawberry.mutation(description="Import an exported course as a draft; repeats are no-ops.")
    async def import_course(
        self, info: CatalogInfo, input: ImportCourseInput
    ) -> ImportCoursePayload:
        edited, created = await transfer.import_course(**_who(info), document=input.document)
        payload = CoursePayload.of(edited)
        return ImportCoursePayload(
            course=Course.from_domain(edited.course), created=created, warnings=payload.warnings
        )

    @strawberry.mutation(description="Give matching learners a path, due so many days in.")
    async def create_assignment_rule(
        self, info: CatalogInfo, input: CreateAssignmentRuleInput
    ) -> AssignmentRule:
        rule = DomainRule(
            id="",
            path_id=str(input.path_id),
            role=input.role,
            department=input.department,
            shift=input.shift,
            location=input.location,
            hired_from=input.hired_from,
            hired_until=input.hired_until,
            due_after_days=input.due_after_days,
            due_from=input.due_from,
            mandatory=input.mandatory,
        )
        return AssignmentRule.from_domain(await rules.create_rule(**_who(info), rule=rule))
