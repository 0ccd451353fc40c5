"""How catalog domain objects map to stored documents and back (the store's codecs).

No driver here: plain dicts, so the mapping is testable and the store stays about queries.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

from services.catalog.assignment import AssignmentRule, DueFrom
from services.catalog.domain import (
    Course,
    CourseStatus,
    CourseVersion,
    LearningPath,
    Milestone,
    Option,
    Question,
    QuestionKind,
    Quiz,
    RetakePolicy,
    Unit,
    UnitKind,
)


def course_doc(course: Course) -> dict[str, Any]:
    return {
        "id": course.id,
        "title": course.title,
        "summary": course.summary,
        "status": course.status.value,
        "version": course.version,
        "tags": list(course.tags),
        "published_version": course.published_version,
        "external_id": course.external_id,
    }


def course(doc: dict[str, Any]) -> Course:
    return Course(
        id=doc["id"],
        title=doc["title"],
        summary=doc.get("summary", ""),
        status=CourseStatus(doc["status"]),
        version=doc.get("version", 1),
        tags=tuple(doc.get("tags", ())),
        published_version=doc.get("published_version"),
        external_id=doc.get("external_id"),
    )


def unit_doc(unit: Unit) -> dict[str, Any]:
    return {
        "id": unit.id,
        "course_id": unit.course_id,
        "title": unit.title,
        "kind": unit.kind.value,
        "expected_minutes": unit.expected_minutes,
        "position": unit.position,
        "media_url": unit.media_url,
        "skills": list(unit.skills),
        "quiz": quiz_doc(unit.quiz) if unit.quiz is not None else None,
    }


def quiz_doc(value: Quiz) -> dict[str, Any]:
    doc = asdict(value)
    for question in doc["questions"]:
        question["kind"] = str(question["kind"].value)  # BSON wants plain strings
    return doc


def unit(doc: dict[str, Any]) -> Unit:
    return Unit(
        id=doc["id"],
        course_id=doc["course_id"],
        title=doc["title"],
        kind=UnitKind(doc["kind"]),
        expected_minutes=doc.get("expected_minutes"),
        position=doc["position"],
        media_url=doc.get("media_url"),
        skills=tuple(doc.get("skills", ())),
        quiz=quiz(doc["quiz"]) if doc.get("quiz") else None,
    )


def quiz(doc: dict[str, Any]) -> Quiz:
    questions = tuple(
        Question(
            id=q["id"],
            prompt=q["prompt"],
            kind=QuestionKind(q["kind"]),
            options=tuple(Option(o["text"], o["correct"]) for o in q["options"]),
            skill=q.get("skill"),
            explanation=q.get("explanation"),
        )
        for q in doc["questions"]
    )
    return Quiz(questions, doc["pass_score"], RetakePolicy(**doc["retake"]))


def version_doc(version: CourseVersion) -> dict[str, Any]:
    return {
        "course_id": version.course.id,
        "version": version.number,
        "course": course_doc(version.course),
        "units": [unit_doc(u) for u in version.units],
        "published_at": version.published_at,
        "published_by": version.published_by,
        "required": version.required,
    }


def version(doc: dict[str, Any]) -> CourseVersion:
    return CourseVersion(
        course=course(doc["course"]),
        units=tuple(unit(u) for u in doc["units"]),
        published_at=doc["published_at"],
        published_by=doc["published_by"],
        required=doc.get("required", False),
    )


def path_doc(path: LearningPath) -> dict[str, Any]:
    milestones = [
        {"title": m.title, "course_ids": list(m.course_ids), "due_after_days": m.due_after_days}
        for m in path.milestones
    ]
    return {
        "id": path.id,
        "title": path.title,
        "course_ids": list(path.course_ids),
        "milestones": milestones,
    }


def path(doc: dict[str, Any]) -> LearningPath:
    milestones = tuple(
        Milestone(m["title"], tuple(m["course_ids"]), m.get("due_after_days"))
        for m in doc.get("milestones", ())
    )
    return LearningPath(doc["id"], doc["title"], tuple(doc["course_ids"]), milestones)


def _day(value: date | None) -> datetime | None:
    # BSON has no date type: store midnight of that day.
    return datetime.combine(value, time()) if value is not None else None


def rule_doc(rule: AssignmentRule) -> dict[str, Any]:
    doc = asdict(rule)
    doc["due_from"] = rule.due_from.value
    doc["hired_from"], doc["hired_until"] = _day(rule.hired_from), _day(rule.hired_until)
    return doc


def rule(doc: dict[str, Any]) -> AssignmentRule:
    fields = {k: v for k, v in doc.items() if k not in ("tenant_id", "seq")}
    for key in ("hired_from", "hired_until"):
        if isinstance(fields.get(key), datetime):
            fields[key] = fields[key].date()
    fields["due_from"] = DueFrom(fields["due_from"])
    return AssignmentRule(**fields)
