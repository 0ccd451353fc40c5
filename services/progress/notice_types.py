"""GraphQL views of the outbox's rows (services.progress.notices): a notification with its typed
stall details, the inbox connection, and stall episodes.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from learnpulse.paging import encode_cursor
from services.progress.notices import DeliveryStatus, EpisodeStatus, NotificationPage, StallEpisode
from services.progress.notices import Notification as NoticeRow
from services.progress.types import SkillErrors

if TYPE_CHECKING:
    from services.progress.schema import PageInfo

strawberry.enum(DeliveryStatus)
strawberry.enum(EpisodeStatus)


@strawberry.type(description="A risk factor named in an alert.")
class AlertFactor:
    label: str
    direction: str = strawberry.field(description="raises or lowers.")


@strawberry.type(description="One stalled unit or milestone an alert is about.")
class StalledUnit:
    episode_id: strawberry.ID
    unit_id: strawberry.ID
    course_id: strawberry.ID | None
    milestone: str | None
    hours_stuck: float
    last_progress_at: datetime

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> StalledUnit:
        return cls(**_stalled_unit_fields(data))


def _stalled_unit_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The fields a stall alert's payload gives for one stalled unit (its `units`, or the head)."""
    return {
        "episode_id": strawberry.ID(data["episodeId"]),
        "unit_id": strawberry.ID(data["unitId"]),
        "course_id": data.get("courseId"),
        "milestone": data.get("milestone"),
        "hours_stuck": float(data.get("hoursStuck", 0.0)),
        "last_progress_at": datetime.fromisoformat(data["lastProgressAt"]),
    }


@strawberry.type(
    description="What a stall alert says: the unit stuck longest (and `units`, every stall the "
    "alert covers), the time stuck, the recent pattern and the learner's risk factors."
)
class StallDetails:
    episode_id: strawberry.ID
    unit_id: strawberry.ID
    course_id: strawberry.ID | None
    milestone: str | None
    hours_stuck: float
    last_progress_at: datetime
    reason: str | None
    unit_replays: int
    unit_attempts: int
    unit_errors_by_skill: list[SkillErrors]
    recent_replays: int
    recent_failed_attempts: int
    recent_errors_by_skill: list[SkillErrors]
    risk_available: bool
    attrition_band: str | None
    stall_band: str | None
    model_version: str | None
    factors: list[AlertFactor]
    units: list[StalledUnit]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> StallDetails:
        pattern = data.get("pattern") or {}
        unit, recent = pattern.get("unit") or {}, pattern.get("recent") or {}
        risk = data.get("risk") or {}
        return cls(
            **_stalled_unit_fields(data),
            reason=data.get("reason"),
            unit_replays=int(unit.get("replays", 0)),
            unit_attempts=int(unit.get("attempts", 0)),
            unit_errors_by_skill=_skills(unit.get("errorsBySkill")),
            recent_replays=int(recent.get("replays", 0)),
            recent_failed_attempts=int(recent.get("failedAttempts", 0)),
            recent_errors_by_skill=_skills(recent.get("errorsBySkill")),
            risk_available=bool(risk.get("available", False)),
            attrition_band=risk.get("attritionBand"),
            stall_band=risk.get("stallBand"),
            model_version=risk.get("modelVersion"),
            factors=[
                AlertFactor(label=f["label"], direction=f["direction"])
                for f in risk.get("factors", [])
            ],
            units=[StalledUnit.from_data(e) for e in data.get("episodes") or [data]],
        )


@strawberry.type(description="A reminder or alert, as stored in the outbox and sent by webhook.")
class Notification:
    id: strawberry.ID
    kind: str = strawberry.field(
        description="stall.reminder, stall.alert, stall.escalated, reminder.due_soon, "
        "reminder.overdue or risk.band_up."
    )
    recipient_id: strawberry.ID
    recipient_role: str
    learner_id: strawberry.ID | None
    subject: str
    body: str
    data: str = strawberry.field(
        description="The details as a JSON object (what the webhook sends)."
    )
    stall: StallDetails | None = strawberry.field(description="For stall kinds: typed details.")
    created_at: datetime
    deliver_after: datetime
    status: DeliveryStatus
    attempts: int
    delivered_at: datetime | None
    last_error: str | None
    acknowledged_at: datetime | None
    acknowledged_by: strawberry.ID | None

    @classmethod
    def from_domain(cls, n: NoticeRow) -> Notification:
        stall = n.kind.startswith("stall.") and "episodeId" in n.data and "unitId" in n.data
        return cls(
            id=strawberry.ID(n.id),
            kind=n.kind,
            recipient_id=strawberry.ID(n.recipient_id),
            recipient_role=n.recipient_role,
            learner_id=strawberry.ID(n.learner_id) if n.learner_id else None,
            subject=n.subject,
            body=n.body,
            data=json.dumps(n.data, sort_keys=True),
            stall=StallDetails.from_data(n.data) if stall else None,
            created_at=n.created_at,
            deliver_after=n.deliver_after,
            status=n.status,
            attempts=n.attempts,
            delivered_at=n.delivered_at,
            last_error=n.last_error,
            acknowledged_at=n.acknowledged_at,
            acknowledged_by=strawberry.ID(n.acknowledged_by) if n.acknowledged_by else None,
        )


@strawberry.type
class NotificationEdge:
    cursor: str
    node: Notification


@strawberry.type
class NotificationConnection:
    edges: list[NotificationEdge]
    page_info: Annotated[PageInfo, strawberry.lazy("services.progress.schema")]
    total_count: int

    @classmethod
    def from_page(cls, page: NotificationPage) -> NotificationConnection:
        from services.progress.schema import PageInfo

        edges = [
            NotificationEdge(cursor=encode_cursor(n.id), node=Notification.from_domain(n))
            for n in page.items
        ]
        end = edges[-1].cursor if edges else None
        return cls(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=end),
            total_count=page.total,
        )


@strawberry.type(description="A learner stuck on a unit or milestone, from detection to close.")
class StallEpisodeView:
    id: strawberry.ID
    learner_id: strawberry.ID
    subject: str = strawberry.field(description="unit or milestone.")
    unit_id: strawberry.ID
    course_id: strawberry.ID | None
    milestone: str | None
    status: EpisodeStatus
    last_progress_at: datetime
    detected_at: datetime
    reminded_at: datetime | None
    alerted_at: datetime | None
    escalated_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: strawberry.ID | None
    closed_at: datetime | None

    @classmethod
    def from_domain(cls, e: StallEpisode) -> StallEpisodeView:
        values = {f.name: getattr(e, f.name) for f in fields(e) if f.name != "extra"}
        return cls(**values)


def _skills(raw: dict[str, int] | None) -> list[SkillErrors]:
    return [SkillErrors(skill=k, errors=int(v)) for k, v in sorted((raw or {}).items())]
