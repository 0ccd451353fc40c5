"""The catalog's GraphQL object types: thin views over domain objects.

Entities resolve through the request's DataLoaders, so `_entities` and nested lists batch.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from services.catalog import domain
from services.catalog.assignment import DueFrom
from services.catalog.authoring import WRITERS
from services.catalog.context import Context
from services.catalog.domain import CourseStatus, QuestionKind, UnitKind

# Registers the domain's enums as GraphQL enums; the domain module itself stays framework-free.
strawberry.enum(CourseStatus)
strawberry.enum(UnitKind)
strawberry.enum(QuestionKind)
strawberry.enum(DueFrom)
CatalogInfo = Info[Context, None]
_shown = {
    CourseStatus.DRAFT: CourseStatus.PUBLISHED,
    CourseStatus.PUBLISHED: CourseStatus.PUBLISHED,
    CourseStatus.ARCHIVED: CourseStatus.ARCHIVED,
}


@strawberry.type
class QuizOption:
    text: str
    is_correct: strawberry.Private[bool]

    @strawberry.field(description="Whether the option is right; shown to authors only.")
    def correct(self, info: CatalogInfo) -> bool | None:
        return self.is_correct if info.context.principal.has(*WRITERS) else None


@strawberry.type
class QuizQuestion:
    id: strawberry.ID
    prompt: str
    kind: QuestionKind
    options: list[QuizOption]
    skill: str | None
    explanation: str | None


@strawberry.type
class RetakePolicy:
    max_attempts: int | None = strawberry.field(description="Null: no limit.")
    wait_minutes: int


@strawberry.type
class Quiz:
    pass_score: int = strawberry.field(description="Percent of questions answered correctly.")
    retake_policy: RetakePolicy
    questions: list[QuizQuestion]

    @classmethod
    def from_domain(cls, quiz: domain.Quiz) -> Quiz:
        questions = [
            QuizQuestion(
                id=strawberry.ID(q.id),
                prompt=q.prompt,
                kind=q.kind,
                options=[QuizOption(text=o.text, is_correct=o.correct) for o in q.options],
                skill=q.skill,
                explanation=q.explanation,
            )
            for q in quiz.questions
        ]
        retake = RetakePolicy(
            max_attempts=quiz.retake.max_attempts, wait_minutes=quiz.retake.wait_minutes
        )
        return cls(pass_score=quiz.pass_score, retake_policy=retake, questions=questions)


@strawberry.federation.type(keys=["id"], description="A course of 3-7 minute micro-units.")
class Course:
    id: strawberry.ID
    title: str
    summary: str
    status: CourseStatus
    version: int = strawberry.field(description="This content's version (a draft's is next).")
    tags: list[str]
    published_version: int | None = strawberry.field(
        description="The latest published version; null until first published."
    )
    frozen_units: strawberry.Private[tuple[domain.Unit, ...] | None] = None

    @classmethod
    def from_domain(
        cls, course: domain.Course, frozen: tuple[domain.Unit, ...] | None = None
    ) -> Course:
        return cls(
            id=strawberry.ID(course.id),
            title=course.title,
            summary=course.summary,
            status=course.status,
            version=course.version,
            tags=list(course.tags),
            published_version=course.published_version,
            frozen_units=frozen,
        )

    @classmethod
    async def resolve_reference(cls, info: CatalogInfo, id: strawberry.ID) -> Course | None:
        return await load_course(info, id)

    async def _units(self, info: CatalogInfo) -> list[domain.Unit] | tuple[domain.Unit, ...]:
        if self.frozen_units is not None:
            return self.frozen_units
        return await info.context.units_of_course.load(self.id)

    @strawberry.field(description="The course's units in the order a learner takes them.")
    async def units(self, info: CatalogInfo) -> list[Unit]:
        return [Unit.from_domain(u) for u in await self._units(info)]

    @strawberry.field(description="Sum of the units' expected minutes.")
    async def duration_minutes(self, info: CatalogInfo) -> int:
        return domain.duration_minutes(await self._units(info))

    @strawberry.field(description="Every published version, oldest first.")
    async def versions(self, info: CatalogInfo) -> list[CourseVersion]:
        found = await info.context.versions_of_course.load(self.id)
        return [CourseVersion.from_domain(v) for v in found]

    @strawberry.field(
        description="The version a learner who started `startedVersion` should take: "
        "theirs, unless a later version was published as required."
    )
    async def version_for_learner(self, info: CatalogInfo, started_version: int) -> int:
        found = await info.context.versions_of_course.load(self.id)
        return domain.version_for_learner(found, started_version)


@strawberry.type(description="A frozen, published version of a course.")
class CourseVersion:
    number: int
    published_at: datetime
    published_by: str
    required: bool = strawberry.field(
        description="Learners on older versions must move to this one."
    )
    course: Course

    @classmethod
    def from_domain(cls, version: domain.CourseVersion) -> CourseVersion:
        return cls(
            number=version.number,
            published_at=version.published_at,
            published_by=version.published_by,
            required=version.required,
            course=Course.from_domain(version.course, version.units),
        )


@strawberry.federation.type(keys=["id"], description="One micro-learning unit of a course.")
class Unit:
    id: strawberry.ID
    title: str
    kind: UnitKind
    expected_minutes: int | None = strawberry.field(description="Null until the author sets it.")
    position: int = strawberry.field(description="1-based place of the unit in its course.")
    media_url: str | None
    skills: list[str]
    quiz: Quiz | None
    course_id: strawberry.Private[str]

    @classmethod
    def from_domain(cls, unit: domain.Unit) -> Unit:
        return cls(
            id=strawberry.ID(unit.id),
            title=unit.title,
            kind=unit.kind,
            expected_minutes=unit.expected_minutes,
            position=unit.position,
            media_url=unit.media_url,
            skills=list(unit.skills),
            quiz=Quiz.from_domain(unit.quiz) if unit.quiz else None,
            course_id=unit.course_id,
        )

    @classmethod
    async def resolve_reference(cls, info: CatalogInfo, id: strawberry.ID) -> Unit | None:
        found = await info.context.unit.load(id)
        return cls.from_domain(found) if found else None

    @strawberry.field
    async def course(self, info: CatalogInfo) -> Course | None:
        return await load_course(info, self.course_id)


# Named PathMilestone because progress has its own `Milestone` (a learner's standing on one).
@strawberry.type(description="A checkpoint of a learning path: these courses, so many days in.")
class PathMilestone:
    title: str
    course_ids: list[strawberry.ID]
    due_after_days: int | None = strawberry.field(
        description="Days after enrollment by which the milestone is due."
    )

    @strawberry.field(description="Its courses as learners take them: published versions only.")
    async def courses(self, info: CatalogInfo) -> list[Course]:
        return await load_courses(info, self.course_ids)


@strawberry.federation.type(keys=["id"], description="An ordered bundle of courses.")
class LearningPath:
    id: strawberry.ID
    title: str
    milestones: list[PathMilestone]
    course_ids: strawberry.Private[tuple[str, ...]]

    @classmethod
    def from_domain(cls, path: domain.LearningPath) -> LearningPath:
        milestones = [
            PathMilestone(
                title=m.title,
                course_ids=[strawberry.ID(c) for c in m.course_ids],
                due_after_days=m.due_after_days,
            )
            for m in path.milestones
        ]
        return cls(
            id=strawberry.ID(path.id),
            title=path.title,
            milestones=milestones,
            course_ids=path.course_ids,
        )

    @classmethod
    async def resolve_reference(cls, info: CatalogInfo, id: strawberry.ID) -> LearningPath | None:
        return await load_path(info, id)

    @strawberry.field(description="Its courses as learners take them: published versions only.")
    async def courses(self, info: CatalogInfo) -> list[Course]:
        return await load_courses(info, self.course_ids)


async def visible(
    info: CatalogInfo, course: domain.Course, *, published: bool = False
) -> Course | None:
    """Writers see a course's head; others (or anyone when `published`) its latest published
    version, never a draft."""
    writer = info.context.principal.has(*WRITERS) and not published
    if writer or course.version == course.published_version:
        return Course.from_domain(course)
    if course.published_version is None:
        return None
    for frozen in await info.context.versions_of_course.load(course.id):
        if frozen.number == course.published_version:
            # An archived course keeps reading as archived, in its last published content.
            return Course.from_domain(
                replace(frozen.course, status=_shown[course.status]), frozen.units
            )
    return None


async def load_course(info: CatalogInfo, course_id: str) -> Course | None:
    found = await info.context.course.load(course_id)
    return await visible(info, found) if found else None


async def load_courses(info: CatalogInfo, course_ids: Any) -> list[Course]:
    """A path's courses as learners take them: published versions only, whoever asks."""
    found = await info.context.course.load_many([str(i) for i in course_ids])
    shown = [await visible(info, c, published=True) for c in found if c is not None]
    return [c for c in shown if c is not None]


async def load_path(info: CatalogInfo, path_id: str) -> LearningPath | None:
    found = await info.context.path.load(path_id)
    return LearningPath.from_domain(found) if found else None
