"""GraphQL inputs of the catalog's mutations and `pathsFor`, and their domain translations."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.scalars import JSON

from services.catalog import domain
from services.catalog.assignment import DueFrom, LearnerProfile
from services.catalog.domain import QuestionKind, UnitKind


def given(obj: Any, mapping: dict[str, str]) -> dict[str, Any]:
    """The fields a caller actually set (UNSET fields stay as they are), by domain name."""
    return {
        domain_name: getattr(obj, name)
        for name, domain_name in mapping.items()
        if getattr(obj, name) is not strawberry.UNSET
    }


@strawberry.input
class CreateCourseInput:
    title: str
    summary: str = ""
    tags: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateCourseInput:
    course_id: strawberry.ID
    title: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET


@strawberry.input
class AddUnitInput:
    course_id: strawberry.ID
    title: str
    kind: UnitKind
    expected_minutes: int | None = None
    media_url: str | None = None
    skills: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateUnitInput:
    unit_id: strawberry.ID
    title: str | None = strawberry.UNSET
    kind: UnitKind | None = strawberry.UNSET
    expected_minutes: int | None = strawberry.UNSET
    media_url: str | None = strawberry.UNSET
    skills: list[str] | None = strawberry.UNSET


@strawberry.input
class ReorderUnitsInput:
    course_id: strawberry.ID
    unit_ids: list[strawberry.ID]


@strawberry.input
class RemoveUnitInput:
    unit_id: strawberry.ID


@strawberry.input
class QuizOptionInput:
    text: str
    correct: bool = False


@strawberry.input
class QuizQuestionInput:
    prompt: str
    kind: QuestionKind
    options: list[QuizOptionInput]
    skill: str | None = None
    explanation: str | None = None


@strawberry.input
class AttachQuizInput:
    unit_id: strawberry.ID
    questions: list[QuizQuestionInput]
    pass_score: int = 80
    max_attempts: int | None = None
    wait_minutes: int = 0

    def to_domain(self) -> domain.Quiz:
        questions = tuple(
            domain.Question(
                id=f"q{i}",
                prompt=q.prompt,
                kind=q.kind,
                options=tuple(domain.Option(o.text, o.correct) for o in q.options),
                skill=q.skill,
                explanation=q.explanation,
            )
            for i, q in enumerate(self.questions, 1)
        )
        retake = domain.RetakePolicy(self.max_attempts, self.wait_minutes)
        return domain.Quiz(questions, self.pass_score, retake)


@strawberry.input
class PublishCourseInput:
    course_id: strawberry.ID
    required: bool = strawberry.field(
        default=False, description="Learners on older versions must move to this one."
    )


@strawberry.input
class ArchiveCourseInput:
    course_id: strawberry.ID


@strawberry.input
class ImportCourseInput:
    document: JSON = strawberry.field(description="A document from `exportCourse`.")


@strawberry.input
class CreateAssignmentRuleInput:
    path_id: strawberry.ID
    role: str | None = None
    department: str | None = None
    shift: str | None = None
    location: str | None = None
    hired_from: date | None = None
    hired_until: date | None = None
    due_after_days: int | None = None
    due_from: DueFrom = DueFrom.HIRE
    mandatory: bool = False


@strawberry.input
class LearnerProfileInput:
    role: str | None = None
    department: str | None = None
    shift: str | None = None
    location: str | None = None
    hire_date: date | None = None

    def to_domain(self) -> LearnerProfile:
        return LearnerProfile(self.role, self.department, self.shift, self.location, self.hire_date)
