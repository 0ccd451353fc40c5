"""Stall detection: a learner who started a unit (or a milestone) and made no progress on it
for longer than the tenant's `stall_hours` is in a stall episode.

An episode runs: reminder to the learner → learning-risk alert to their manager (once the
reminder has had `alert_after_hours` without effect, or at once when the learner's latest risk
assessment is in a high band) → escalation to the manager's manager, or HR, when nobody has
acknowledged the alert within `escalate_after_hours`. Each step happens once per episode
(dedupe keys); a learner's episodes due in the same sweep share one alert (`stall_alerts`).
The episode closes by itself when the learner progresses on it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from services.progress.notices import EpisodeStatus, NoticeKind, StallEpisode, episode_id
from services.progress.policy import Policy
from services.progress.reminders import send_reminder
from services.progress.risk_view import RiskLookup
from services.progress.snapshot import Snapshot
from services.progress.stall_alerts import (
    episode_data,
    hours_stuck,
    send_alert,
    send_escalation,
    what,
)
from services.progress.store import ProgressStore


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


async def detect_stalls(
    *,
    store: ProgressStore,
    snapshot: Snapshot,
    policy: Policy,
    now: datetime,
    risk: RiskLookup | None = None,
) -> StallReport:
    """Open, advance and close the tenant's stall episodes as of `now`. Episodes of one learner
    that become due for an alert (or an escalation) in the same sweep share one notification."""
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
    to_alert: dict[str, list[StallEpisode]] = defaultdict(list)
    to_escalate: dict[str, list[StallEpisode]] = defaultdict(list)
    escalate_after = timedelta(hours=policy.escalate_after_hours)
    for stall in current.values():
        episode = known.get(stall.episode_id) or _new_episode(stall, now)
        if stall.episode_id not in known:
            if not await store.alerts.open_episode(tenant=tenant, episode=episode):
                continue  # tracked already, and closed: progress since starts a new one
            report.opened += 1
        report.open += 1
        if episode.reminded_at is None:
            episode = await _remind(store, snapshot, policy, episode, now, report)
        if episode.alerted_at is None:
            to_alert[episode.learner_id].append(episode)
        elif (
            episode.acknowledged_at is None
            and episode.escalated_at is None
            and now >= episode.alerted_at + escalate_after
        ):
            to_escalate[episode.learner_id].append(episode)
    for learner_id, waiting in to_alert.items():
        await _alert(store, snapshot, policy, now, risk, learner_id, waiting, report)
    for learner_id, unanswered in to_escalate.items():
        learner = snapshot.learners[learner_id]
        await send_escalation(
            store=store, snapshot=snapshot, learner=learner, episodes=unanswered, now=now
        )
        for episode in unanswered:
            await store.alerts.update_episode(
                tenant=tenant, episode_id=episode.id, escalated_at=now
            )
        report.escalated += 1
    return report


def _new_episode(stall: Stall, now: datetime) -> StallEpisode:
    return StallEpisode(
        id=stall.episode_id,
        learner_id=stall.learner_id,
        subject=stall.subject,
        unit_id=stall.unit_id,
        course_id=stall.course_id,
        milestone=stall.milestone,
        last_progress_at=stall.last_progress_at,
        detected_at=now,
    )


async def _remind(
    store: ProgressStore,
    snapshot: Snapshot,
    policy: Policy,
    episode: StallEpisode,
    now: datetime,
    report: StallReport,
) -> StallEpisode:
    """The learner's reminder, as soon as quiet hours allow (a later sweep retries when the
    day's cap is reached); `reminded_at` is when it reaches them."""
    learner, subject = snapshot.learners[episode.learner_id], what(episode)
    outcome, at = await send_reminder(
        store=store,
        tenant=snapshot.tenant,
        policy=policy,
        learner=learner,
        kind=NoticeKind.STALL_REMINDER,
        key=f"{NoticeKind.STALL_REMINDER.value}:{episode.id}",
        subject=f"Pick up {subject} where you left it",
        body=f"You started {subject} {hours_stuck(episode, now):.0f} hours ago; it takes about "
        f"{snapshot.minutes_of(episode.unit_id):.0f} minutes to finish.",
        data=episode_data(episode, now),
        now=now,
        at_shift_start=False,  # the stall is news now; only quiet hours hold it back
    )
    if outcome == "capped":
        return episode
    await store.alerts.update_episode(tenant=snapshot.tenant, episode_id=episode.id, reminded_at=at)
    report.reminded += outcome == "queued"
    return replace(episode, reminded_at=at)


async def _alert(
    store: ProgressStore,
    snapshot: Snapshot,
    policy: Policy,
    now: datetime,
    risk: RiskLookup | None,
    learner_id: str,
    waiting: list[StallEpisode],
    report: StallReport,
) -> None:
    """Alert the manager about the learner's episodes whose reminder had `alert_after_hours`
    without effect, or about all of them at once when the learner's risk band is high."""
    view = await risk(snapshot.tenant, learner_id) if risk else None
    high = view is not None and view.worst_band_in(policy.high_bands)
    after = timedelta(hours=policy.alert_after_hours)
    due = [
        e for e in waiting if high or (e.reminded_at is not None and now >= e.reminded_at + after)
    ]
    if not due:
        return
    learner = snapshot.learners[learner_id]
    await send_alert(
        store=store, snapshot=snapshot, learner=learner, episodes=due, view=view, high=high, now=now
    )
    for episode in due:
        await store.alerts.update_episode(
            tenant=snapshot.tenant, episode_id=episode.id, alerted_at=now
        )
    report.alerted += 1
