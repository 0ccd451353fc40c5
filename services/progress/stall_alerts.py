"""What a manager is told about a stalled learner: one learning-risk alert for the episodes that
became due together (the unit stuck longest first, then the others), with the time stuck, the
recent pattern and the learner's risk factors; and the escalation when nobody acknowledged it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from services.progress import outbox
from services.progress.domain import Learner
from services.progress.notices import HR_RECIPIENT, NoticeKind, StallEpisode
from services.progress.risk_view import RiskView
from services.progress.snapshot import Snapshot
from services.progress.store import ProgressStore
from services.progress.tracking import UnitState

RECENT = timedelta(days=14)  # the "recent pattern" an alert describes


def pattern(states: list[UnitState], unit_id: str, now: datetime) -> dict[str, Any]:
    """The stuck unit's replays, attempts and errors by skill, and the same over all units the
    learner touched in the last two weeks."""
    unit = next((u for u in states if u.unit_id == unit_id), None)
    recent = [u for u in states if u.last_at is not None and u.last_at >= now - RECENT]
    errors: Counter[str] = Counter()
    for u in recent:
        errors.update(u.errors)
    return {
        "unit": {
            "replays": unit.replays if unit else 0,
            "attempts": unit.attempts if unit else 0,
            "dwellS": unit.dwell_s if unit else 0,
            "errorsBySkill": dict(sorted(unit.errors.items())) if unit else {},
        },
        "recent": {
            "days": RECENT.days,
            "unitsTouched": len(recent),
            "replays": sum(u.replays for u in recent),
            "failedAttempts": sum(u.attempts - (1 if u.passed else 0) for u in recent),
            "errorsBySkill": dict(sorted(errors.items())),
        },
    }


def factors_of(risk: RiskView | None) -> dict[str, Any]:
    if risk is None:
        return {"available": False, "factors": []}
    return {
        "available": True,
        "attritionBand": risk.attrition_band,
        "stallBand": risk.stall_band,
        "modelVersion": risk.model_version,
        "stale": risk.stale,
        "factors": [{"label": f.label, "direction": f.direction} for f in risk.factors],
    }


def hours_stuck(episode: StallEpisode, now: datetime) -> float:
    return (now - episode.last_progress_at).total_seconds() / 3600


def what(episode: StallEpisode) -> str:
    if episode.subject == "milestone":
        return f"milestone {episode.milestone!r} (next unit {episode.unit_id})"
    return f"unit {episode.unit_id}"


def episode_data(episode: StallEpisode, now: datetime) -> dict[str, Any]:
    return {
        "episodeId": episode.id,
        "subject": episode.subject,
        "unitId": episode.unit_id,
        "courseId": episode.course_id,
        "milestone": episode.milestone,
        "lastProgressAt": episode.last_progress_at.isoformat(),
        "hoursStuck": round(hours_stuck(episode, now), 1),
    }


def _grouped(episodes: Sequence[StallEpisode], now: datetime) -> dict[str, Any]:
    """The longest stall's fields at the top, and every episode of the group under `episodes`."""
    first, *_ = episodes
    return episode_data(first, now) | {
        "episodeIds": [e.id for e in episodes],
        "episodes": [episode_data(e, now) for e in episodes],
    }


def _headline(learner: Learner, episodes: Sequence[StallEpisode], now: datetime) -> str:
    first = episodes[0]
    more = f" and {len(episodes) - 1} more" if len(episodes) > 1 else ""
    return f"{learner.name} is stuck on {what(first)} ({hours_stuck(first, now):.0f} h){more}"


async def send_alert(
    *,
    store: ProgressStore,
    snapshot: Snapshot,
    learner: Learner,
    episodes: Sequence[StallEpisode],
    view: RiskView | None,
    high: bool,
    now: datetime,
) -> None:
    """One alert to the learner's manager (HR without one) for `episodes`, longest first."""
    episodes = sorted(episodes, key=lambda e: e.last_progress_at)
    data = _grouped(episodes, now) | {
        "reason": "high risk band" if high else "no progress after a reminder",
        "pattern": pattern(snapshot.states.get(learner.id, []), episodes[0].unit_id, now),
        "risk": factors_of(view),
    }
    factors = ", ".join(f["label"] for f in data["risk"]["factors"]) or "none available"
    stuck = "; ".join(f"{what(e)} for {hours_stuck(e, now):.0f} hours" for e in episodes)
    manager = learner.manager_id
    await outbox.enqueue(
        store=store,
        tenant=snapshot.tenant,
        recipient_id=manager or HR_RECIPIENT,
        recipient_role="manager" if manager else "hr_admin",
        kind=NoticeKind.STALL_ALERT.value,
        dedupe_key=f"{NoticeKind.STALL_ALERT.value}:{episodes[0].id}",
        subject=_headline(learner, episodes, now),
        body=f"{learner.name} has made no progress on {stuck}. Risk factors: {factors}.",
        data=data,
        now=now,
        learner_id=learner.id,
    )


async def send_escalation(
    *,
    store: ProgressStore,
    snapshot: Snapshot,
    learner: Learner,
    episodes: Sequence[StallEpisode],
    now: datetime,
) -> None:
    """To the manager's manager (HR without one): nobody acknowledged the alert."""
    episodes = sorted(episodes, key=lambda e: e.last_progress_at)
    manager = snapshot.learners.get(learner.manager_id or "")
    above = manager.manager_id if manager else None
    await outbox.enqueue(
        store=store,
        tenant=snapshot.tenant,
        recipient_id=above or HR_RECIPIENT,
        recipient_role="manager" if above else "hr_admin",
        kind=NoticeKind.STALL_ESCALATED.value,
        dedupe_key=f"{NoticeKind.STALL_ESCALATED.value}:{episodes[0].id}",
        subject=f"Unacknowledged: {_headline(learner, episodes, now)}",
        body=f"The alert to {manager.name if manager else 'their manager'} about {learner.name} "
        "has not been acknowledged.",
        data=_grouped(episodes, now) | {"managerId": learner.manager_id},
        now=now,
        learner_id=learner.id,
    )
