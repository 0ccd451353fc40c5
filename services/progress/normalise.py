"""Both inputs become canonical events: xAPI statements (partners, other LMSs) and the compact
events of our own frontends. The canonical verbs are those of `tracking.CANONICAL_VERBS`.

An xAPI statement maps to a learner through `actor.account.name` (the roster id), to a unit
through the last path segment of its Activity id, and to a course through the last segment of
its first `parent` (else `grouping`) context activity. Others are stored but not counted.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ml.dataset import XAPI_VERB_ALIASES
from services.progress.domain import LearningEvent
from services.progress.tracking import CANONICAL_VERBS
from services.progress.xapi import duration_seconds, parse_timestamp

EXTENSION = "https://learnpulse.dev/xapi/extensions/"


def _segment(iri: Any) -> str | None:
    if not isinstance(iri, str):
        return None
    tail = iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return tail or None


def canonical_verb(verb_id: str) -> str | None:
    return XAPI_VERB_ALIASES.get(_segment(verb_id) or "")


def from_statement(statement: dict[str, Any], *, stored: datetime) -> LearningEvent | None:
    """The canonical event of a (valid) statement, or None when it says nothing we count."""
    verb = canonical_verb(statement["verb"]["id"])
    account = statement["actor"].get("account")
    if verb is None or not isinstance(account, dict):
        return None
    target = statement["object"]
    unit_id = None
    if target.get("objectType", "Activity") == "Activity" and verb != "login":
        unit_id = _segment(target["id"])
    context = statement.get("context", {})
    activities = context.get("contextActivities", {})
    course_id = None
    for kind in ("parent", "grouping"):
        listed = activities.get(kind)
        listed = listed if isinstance(listed, list) else [listed] if listed else []
        if listed:
            course_id = _segment(listed[0].get("id"))
            break
    result = statement.get("result", {})
    score = result.get("score", {})
    duration = result.get("duration")
    extensions = context.get("extensions", {})
    ts = statement.get("timestamp")
    return LearningEvent(
        event_id=statement["id"],
        learner_id=account["name"],
        ts=parse_timestamp(ts, "timestamp") if ts else stored,
        verb=verb,
        course_id=course_id,
        unit_id=unit_id,
        duration_s=round(duration_seconds(duration, "duration")) if duration else None,
        score=score.get("scaled", score.get("raw")),
        success=result.get("success"),
        attempt=_int(extensions.get(EXTENSION + "attempt")),
        response=result.get("response"),
        skill=extensions.get(EXTENSION + "skill"),
    )


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def check_compact(event: LearningEvent, field: str) -> str | None:
    """Why a compact event is invalid (naming the field), or None when it is fine."""
    if not event.event_id:
        return f"{field}.id must not be empty"
    if event.verb not in CANONICAL_VERBS:
        return f"{field}.verb must be one of {sorted(CANONICAL_VERBS)}"
    if event.verb != "login" and not event.unit_id:
        return f"{field}.unitId is required for {event.verb!r}"
    if event.duration_s is not None and event.duration_s < 0:
        return f"{field}.durationS must not be negative"
    return None
