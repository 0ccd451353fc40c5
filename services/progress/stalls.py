"""Stall detection: a learner who started a unit (or a milestone) and made no progress on it
for longer than the tenant's `stall_hours` is in a stall episode.

An episode runs: reminder to the learner → learning-risk alert to their manager (once the
reminder has had `alert_after_hours` without effect, or at once when the learner's latest risk
assessment is in a high band) → escalation to the manager's manager, or HR, when nobody has
acknowledged the alert within `escalate_after_hours`. Each step happens once per episode
(dedupe keys), and the episode closes by itself when the learner progresses on it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from services.progress import outbox
from services.progress.domain import Learner
from services.progress.notices import (
    HR_RECIPIENT,
    EpisodeStatus,
    NoticeKind,
    StallEpisode,
    episode_id,
)
from services.progress.policy import Policy
from services.progress.reminders import send_reminder
from services.progress.risk_view import RiskLookup, RiskView
from services.progress.snapshot import Snapshot
from services.progress.store import ProgressStore
from services.progress.tracking import UnitState

RECENT = timedelta(days=14)  # the "recent pattern" an alert describes


@dataclass(frozen=True)
class Stall:
    """A stall as seen now; becomes (or matches) a stored episode."""

    learner_id: str
    subject: str  # unit or milestone
    key: str
    unit_id: str
    course_id: str | None
    milestone: str | None
    last_progress_at: datetime

    @property
    def episode_id(self) -> str:
        return episode_id(self.learner_id, self.subject, self.key, self.last_progress_at)


@dataclass
class StallReport:
    open: int = 0
    opened: int = 0
    reminded: int = 0
    alerted: int = 0
    escalated: int = 0
    closed: int = 0


def find_stalls(snapshot: Snapshot, policy: Policy, now: datetime) -> list[Stall]:
    """Started, unfinished units idle for longer than `stall_hours`; and milestones with some
    units done, none in progress, idle as long."""
    limit = now - timedelta(hours=policy.stall_hours)
    stalls: list[Stall] = []
    for learner in snapshot.active(now):
        states = {u.unit_id: u for u in snapshot.states.get(learner.id, [])}
        for u in states.values():
            if not u.completed and u.last_at is not None and u.last_at < limit:
                stalls.append(
                    Stall(learner.id, "unit", u.unit_id, u.unit_id, u.course_id, None, u.last_at)
                )
        for enrollment in snapshot.enrollments.get(learner.id, []):
            outline = snapshot.outlines.get(enrollment.path_id)
            if outline is None:
                continue
            units_of = {c.course_id: c.unit_ids for c in outline.courses}
            for title, course_ids in outline.milestones:
                pairs = [(cid, u) for cid in course_ids for u in units_of.get(cid, ())]
                mine = [states[u] for _, u in pairs if u in states]
                done = [s for s in mine if s.completed]
                if not done or len(done) == len(pairs) or len(done) < len(mine):
                    continue  # not started, finished, or a unit in progress (a unit stall)
                last = max(s.last_at for s in mine if s.last_at is not None)
                if last >= limit:
                    continue
                cid, unit = next((c, u) for c, u in pairs if u not in states)
                key = f"{enrollment.id}/{title}"
                stalls.append(Stall(learner.id, "milestone", key, unit, cid, title, last))
    return stalls


def pattern(states: list[UnitState], stall: Stall, now: datetime) -> dict[str, Any]:
    """The stuck unit's replays, attempts and errors by skill, and the same over all units the
    learner touched in the last two weeks."""
    unit = next((u for u in states if u.unit_id == stall.unit_id), None)
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


async def detect_stalls(
    *,
    store: ProgressStore,
    snapshot: Snapshot,
    policy: Policy,
    now: datetime,
    risk: RiskLookup | None = None,
) -> StallReport:
    """Open, advance and close the tenant's stall episodes as of `now`."""
    tenant, report = snapshot.tenant, StallReport()
    current = {s.episode_id: s for s in find_stalls(snapshot, policy, now)}
    known = {e.id: e for e in await store.alerts.open_episodes(tenant=tenant)}
    for episode in known.values():
        if episode.id not in current:  # progress since, finished, or left the organisation
            await store.alerts.update_episode(
                tenant=tenant, episode_id=episode.id, status=EpisodeStatus.CLOSED, closed_at=now
            )
            key = f"{NoticeKind.STALL_REMINDER.value}:{episode.id}"
            await store.alerts.withdraw_key(tenant=tenant, dedupe_key=key, now=now)
            report.closed += 1
    for stall in current.values():
        found = known.get(stall.episode_id)
        if found is not None:
            episode = found
        else:
            episode = StallEpisode(
                id=stall.episode_id,
                learner_id=stall.learner_id,
                subject=stall.subject,
                unit_id=stall.unit_id,
                course_id=stall.course_id,
                milestone=stall.milestone,
                last_progress_at=stall.last_progress_at,
                detected_at=now,
            )
            if not await store.alerts.open_episode(tenant=tenant, episode=episode):
                continue  # tracked already, and closed: progress since starts a new one
            report.opened += 1
        report.open += 1
        await _advance(store, snapshot, policy, now, risk, episode, report)
    return report


async def _advance(
    store: ProgressStore,
    snapshot: Snapshot,
    policy: Policy,
    now: datetime,
    risk: RiskLookup | None,
    episode: StallEpisode,
    report: StallReport,
) -> None:
    tenant, learner = snapshot.tenant, snapshot.learners[episode.learner_id]
    hours = (now - episode.last_progress_at).total_seconds() / 3600
    what = _what(episode)
    if episode.reminded_at is None:
        outcome, at = await send_reminder(
            store=store,
            tenant=tenant,
            policy=policy,
            learner=learner,
            kind=NoticeKind.STALL_REMINDER,
            key=f"{NoticeKind.STALL_REMINDER.value}:{episode.id}",
            subject=f"Pick up {what} where you left it",
            body=f"You started {what} {hours:.0f} hours ago; it takes about "
            f"{snapshot.minutes_of(episode.unit_id):.0f} minutes to finish.",
            data=_episode_data(episode) | {"hoursStuck": round(hours, 1)},
            now=now,
            at_shift_start=False,  # the stall is news now; only quiet hours hold it back
        )
        if outcome != "capped":  # reminded_at: when the learner gets it (after quiet hours)
            episode = replace(episode, reminded_at=at)
            await store.alerts.update_episode(tenant=tenant, episode_id=episode.id, reminded_at=at)
            report.reminded += outcome == "queued"
    if episode.alerted_at is None:
        view = await risk(tenant, learner.id) if risk else None
        waited = episode.reminded_at is not None and now >= episode.reminded_at + timedelta(
            hours=policy.alert_after_hours
        )
        high = view is not None and view.worst_band_in(policy.high_bands)
        if not (waited or high):
            return
        data = _episode_data(episode) | {
            "hoursStuck": round(hours, 1),
            "reason": "high risk band" if high else "no progress after a reminder",
            "pattern": pattern(snapshot.states.get(learner.id, []), _stall_of(episode), now),
            "risk": factors_of(view),
        }
        factors = ", ".join(f["label"] for f in data["risk"]["factors"]) or "none available"
        recipient, role = (
            (learner.manager_id, "manager") if learner.manager_id else (HR_RECIPIENT, "hr_admin")
        )
        await outbox.enqueue(
            store=store,
            tenant=tenant,
            recipient_id=recipient,
            recipient_role=role,
            kind=NoticeKind.STALL_ALERT.value,
            dedupe_key=f"{NoticeKind.STALL_ALERT.value}:{episode.id}",
            subject=f"{learner.name} is stuck on {what} ({hours:.0f} h)",
            body=f"{learner.name} has made no progress on {what} for {hours:.0f} hours. "
            f"Risk factors: {factors}.",
            data=data,
            now=now,
            learner_id=learner.id,
        )
        await store.alerts.update_episode(tenant=tenant, episode_id=episode.id, alerted_at=now)
        report.alerted += 1
        return
    due = episode.alerted_at + timedelta(hours=policy.escalate_after_hours)
    if episode.acknowledged_at is None and episode.escalated_at is None and now >= due:
        await _escalate(store, snapshot, learner, episode, hours, now)
        await store.alerts.update_episode(tenant=tenant, episode_id=episode.id, escalated_at=now)
        report.escalated += 1


async def _escalate(
    store: ProgressStore,
    snapshot: Snapshot,
    learner: Learner,
    episode: StallEpisode,
    hours: float,
    now: datetime,
) -> None:
    manager = snapshot.learners.get(learner.manager_id or "")
    above = manager.manager_id if manager else None
    recipient, role = (above, "manager") if above else (HR_RECIPIENT, "hr_admin")
    what = _what(episode)
    await outbox.enqueue(
        store=store,
        tenant=snapshot.tenant,
        recipient_id=recipient,
        recipient_role=role,
        kind=NoticeKind.STALL_ESCALATED.value,
        dedupe_key=f"{NoticeKind.STALL_ESCALATED.value}:{episode.id}",
        subject=f"Unacknowledged: {learner.name} stuck on {what} ({hours:.0f} h)",
        body=f"The alert to {manager.name if manager else 'their manager'} about {learner.name} "
        f"on {what} has not been acknowledged.",
        data=_episode_data(episode)
        | {"hoursStuck": round(hours, 1), "managerId": learner.manager_id},
        now=now,
        learner_id=learner.id,
    )


def _what(episode: StallEpisode) -> str:
    if episode.subject == "milestone":
        return f"milestone {episode.milestone!r} (next unit {episode.unit_id})"
    return f"unit {episode.unit_id}"


def _episode_data(episode: StallEpisode) -> dict[str, Any]:
    return {
        "episodeId": episode.id,
        "subject": episode.subject,
        "unitId": episode.unit_id,
        "courseId": episode.course_id,
        "milestone": episode.milestone,
        "lastProgressAt": episode.last_progress_at.isoformat(),
    }


def _stall_of(episode: StallEpisode) -> Stall:
    return Stall(
        episode.learner_id,
        episode.subject,
        episode.unit_id,
        episode.unit_id,
        episode.course_id,
        episode.milestone,
        episode.last_progress_at,
    )
