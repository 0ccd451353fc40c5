"""What the catalog's mutations return (each payload carries warnings) and assignment views."""

from __future__ import annotations

from datetime import date

import strawberry

from services.catalog.assignment import AssignmentRule as DomainRule
from services.catalog.assignment import DueFrom
from services.catalog.authoring import Edited
from services.catalog.types import CatalogInfo, Course, LearningPath, Unit, load_path


@strawberry.type(description="Something the author should look at; it did not stop the change.")
class Warning:
    field: str = strawberry.field(description="Path of the field, e.g. `units[2].expectedMinutes`.")
    message: str
    unit_id: strawberry.ID | None


@strawberry.type
class CoursePayload:
    course: Course
    unit: Unit | None = strawberry.field(description="The unit this change touched, if any.")
    warnings: list[Warning]

    @classmethod
    def of(cls, edited: Edited) -> CoursePayload:
        warnings = [
            Warning(
                field=w.field,
                message=w.message,
                unit_id=strawberry.ID(w.unit_id) if w.unit_id else None,
            )
            for w in edited.warnings
        ]
        unit = Unit.from_domain(edited.unit) if edited.unit else None
        return cls(course=Course.from_domain(edited.course), unit=unit, warnings=warnings)


@strawberry.type
class ImportCoursePayload:
    course: Course
    created: bool = strawberry.field(description="False when this document was imported before.")
    warnings: list[Warning]


@strawberry.type(description="Profiles it matches get the path, due so many days in.")
class AssignmentRule:
    id: strawberry.ID
    path_id: strawberry.ID
    role: str | None
    department: str | None
    shift: str | None
    location: str | None
    hired_from: date | None
    hired_until: date | None
    due_after_days: int | None
    due_from: DueFrom
    mandatory: bool

    @classmethod
    def from_domain(cls, rule: DomainRule) -> AssignmentRule:
        return cls(
            id=strawberry.ID(rule.id),
            path_id=strawberry.ID(rule.path_id),
            role=rule.role,
            department=rule.department,
            shift=rule.shift,
            location=rule.location,
            hired_from=rule.hired_from,
            hired_until=rule.hired_until,
            due_after_days=rule.due_after_days,
            due_from=rule.due_from,
            mandatory=rule.mandatory,
        )

    @strawberry.field
    async def path(self, info: CatalogInfo) -> LearningPath | None:
        return await load_path(info, self.path_id)


@strawberry.type(description="A learning path that applies to a learner profile.")
class PathAssignment:
    path_id: strawberry.ID
    mandatory: bool
    due_after_days: int | None
    rule_id: strawberry.ID
    due_from: DueFrom = strawberry.field(description="What `dueAfterDays` counts from.")

    @strawberry.field
    async def path(self, info: CatalogInfo) -> LearningPath:
        found = await load_path(info, self.path_id)
        assert found is not None  # pathsFor only returns paths that exist
        return found

    @classmethod
    def from_domain(cls, rule: DomainRule) -> PathAssignment:
        return cls(
            path_id=strawberry.ID(rule.path_id),
            mandatory=rule.mandatory,
            due_after_days=rule.due_after_days,
            rule_id=strawberry.ID(rule.id),
            due_from=rule.due_from,
        )
