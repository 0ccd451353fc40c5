"""Authoring use cases: build a course unit by unit, attach quizzes, publish, archive.

Only `author` and `hr_admin` may write, always inside their own tenant. Editing a published
course opens the next version as a draft; publishing validates and freezes that version.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from learnpulse.auth import Principal
from services.catalog import publishing
from services.catalog.domain import Course, CourseStatus, CourseVersion, Quiz, Unit, UnitKind
from services.catalog.errors import Forbidden, InvalidInput, NotFound
from services.catalog.publishing import Finding
from services.catalog.store import CatalogStore

WRITERS = ("author", "hr_admin")


@dataclass(frozen=True)
class Edited:
    """What an authoring step returns: the course head, the unit touched, and any warnings."""

    course: Course
    unit: Unit | None = None
    warnings: list[Finding] = field(default_factory=list)


def require_writer(principal: Principal) -> None:
    if not principal.has(*WRITERS):
        raise Forbidden("only an author or hr_admin may change the catalog")


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def _text(name: str, value: str) -> str:
    if not value.strip():
        raise InvalidInput(name, f"`{name}` must not be empty")
    return value.strip()


def _minutes(value: int | None) -> int | None:
    if value is not None and value <= 0:
        raise InvalidInput("expectedMinutes", "`expectedMinutes` must be a positive number")
    return value


async def create_course(
    *, store: CatalogStore, principal: Principal, title: str, summary: str, tags: list[str]
) -> Edited:
    require_writer(principal)
    course = Course(
        id=new_id("c"),
        title=_text("title", title),
        summary=summary,
        tags=tuple(tags),
        external_id=uuid.uuid4().hex,
    )
    await store.save_course(tenant=principal.tenant, course=course)
    return Edited(course)


async def head(store: CatalogStore, principal: Principal, course_id: str) -> Course:
    found = (await store.courses_by_ids(tenant=principal.tenant, ids=[course_id])).get(course_id)
    if found is None:
        raise NotFound("courseId", f"no course '{course_id}' in this tenant")
    return found


async def _unit(store: CatalogStore, principal: Principal, unit_id: str) -> Unit:
    found = (await store.units_by_ids(tenant=principal.tenant, ids=[unit_id])).get(unit_id)
    if found is None:
        raise NotFound("unitId", f"no unit '{unit_id}' in this tenant")
    return found


async def _units(store: CatalogStore, tenant: str, course_id: str) -> list[Unit]:
    return (await store.units_of_courses(tenant=tenant, course_ids=[course_id])).get(course_id, [])


async def open_draft(store: CatalogStore, principal: Principal, course_id: str) -> Course:
    """The course ready for editing: a published one moves to its next version as a draft."""
    require_writer(principal)
    course = await head(store, principal, course_id)
    if course.status is CourseStatus.ARCHIVED:
        raise InvalidInput("courseId", f"course '{course_id}' is archived and cannot be edited")
    if course.status is CourseStatus.PUBLISHED:
        course = replace(course, status=CourseStatus.DRAFT, version=course.version + 1)
        await store.save_course(tenant=principal.tenant, course=course)
    return course


async def _finish(store: CatalogStore, tenant: str, course: Course, unit: Unit | None) -> Edited:
    units = await _units(store, tenant, course.id)
    return Edited(course, unit, publishing.advisory(units))


async def update_course(
    *, store: CatalogStore, principal: Principal, course_id: str, changes: dict[str, Any]
) -> Edited:
    course = await open_draft(store, principal, course_id)
    if "title" in changes:
        changes["title"] = _text("title", changes["title"])
    if "tags" in changes:
        changes["tags"] = tuple(changes["tags"])
    course = replace(course, **changes)
    await store.save_course(tenant=principal.tenant, course=course)
    return await _finish(store, principal.tenant, course, None)


async def add_unit(
    *,
    store: CatalogStore,
    principal: Principal,
    course_id: str,
    title: str,
    kind: UnitKind,
    expected_minutes: int | None,
    media_url: str | None = None,
    skills: list[str] | None = None,
) -> Edited:
    course = await open_draft(store, principal, course_id)
    units = await _units(store, principal.tenant, course_id)
    unit = Unit(
        id=new_id("u"),
        course_id=course_id,
        title=_text("title", title),
        kind=kind,
        expected_minutes=_minutes(expected_minutes),
        position=len(units) + 1,
        media_url=media_url,
        skills=tuple(skills or ()),
    )
    await store.save_units(tenant=principal.tenant, units=[unit])
    return await _finish(store, principal.tenant, course, unit)


async def update_unit(
    *, store: CatalogStore, principal: Principal, unit_id: str, changes: dict[str, Any]
) -> Edited:
    unit = await _unit(store, principal, unit_id)
    course = await open_draft(store, principal, unit.course_id)
    if "title" in changes:
        changes["title"] = _text("title", changes["title"])
    if "expected_minutes" in changes:
        changes["expected_minutes"] = _minutes(changes["expected_minutes"])
    if "skills" in changes:
        changes["skills"] = tuple(changes["skills"])
    unit = replace(unit, **changes)
    await store.save_units(tenant=principal.tenant, units=[unit])
    return await _finish(store, principal.tenant, course, unit)


async def reorder_units(
    *, store: CatalogStore, principal: Principal, course_id: str, unit_ids: list[str]
) -> Edited:
    course = await open_draft(store, principal, course_id)
    units = {u.id: u for u in await _units(store, principal.tenant, course_id)}
    if sorted(unit_ids) != sorted(units):
        raise InvalidInput("unitIds", "`unitIds` must list each unit of the course exactly once")
    moved = [replace(units[uid], position=i) for i, uid in enumerate(unit_ids, 1)]
    await store.save_units(tenant=principal.tenant, units=moved)
    return await _finish(store, principal.tenant, course, None)


async def remove_unit(*, store: CatalogStore, principal: Principal, unit_id: str) -> Edited:
    unit = await _unit(store, principal, unit_id)
    course = await open_draft(store, principal, unit.course_id)
    await store.delete_unit(tenant=principal.tenant, unit_id=unit_id)
    rest = await _units(store, principal.tenant, course.id)
    await store.save_units(
        tenant=principal.tenant, units=[replace(u, position=i) for i, u in enumerate(rest, 1)]
    )
    return await _finish(store, principal.tenant, course, None)


async def attach_quiz(
    *, store: CatalogStore, principal: Principal, unit_id: str, quiz: Quiz
) -> Edited:
    unit = await _unit(store, principal, unit_id)
    if not 0 <= quiz.pass_score <= 100:
        raise InvalidInput("passScore", "`passScore` is a percentage between 0 and 100")
    for i, question in enumerate(quiz.questions):
        if len(question.options) < 2:
            raise InvalidInput(f"questions[{i}].options", "a question needs at least two options")
    course = await open_draft(store, principal, unit.course_id)
    unit = replace(unit, quiz=quiz)
    await store.save_units(tenant=principal.tenant, units=[unit])
    return await _finish(store, principal.tenant, course, unit)


async def publish_course(
    *, store: CatalogStore, principal: Principal, course_id: str, required: bool = False
) -> Edited:
    """Freeze the draft as a numbered version; nothing is written when validation fails."""
    require_writer(principal)
    course = await head(store, principal, course_id)
    if course.status is not CourseStatus.DRAFT:
        raise InvalidInput(
            "courseId", f"course '{course_id}' is {course.status.value}; only a draft is published"
        )
    units = await _units(store, principal.tenant, course_id)
    problems = publishing.blocking(units)
    if problems:
        first = problems[0]
        raise InvalidInput(
            first.field,
            "cannot publish: " + "; ".join(f"{p.field}: {p.message}" for p in problems),
            unit_id=first.unit_id,
            problems=[
                {"field": p.field, "unitId": p.unit_id, "message": p.message} for p in problems
            ],
        )
    course = replace(course, status=CourseStatus.PUBLISHED, published_version=course.version)
    version = CourseVersion(
        course=course,
        units=tuple(units),
        published_at=datetime.now(UTC),
        published_by=principal.subject,
        required=required,
    )
    await store.put_version(tenant=principal.tenant, version=version)
    await store.save_course(tenant=principal.tenant, course=course)
    return Edited(course, None, publishing.advisory(units))


async def archive_course(*, store: CatalogStore, principal: Principal, course_id: str) -> Edited:
    require_writer(principal)
    course = replace(await head(store, principal, course_id), status=CourseStatus.ARCHIVED)
    await store.save_course(tenant=principal.tenant, course=course)
    return Edited(course)
