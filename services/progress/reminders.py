"""Reminders to learners: unfinished units ahead of a due date and after a missed one, met at
the start of the learner's shift with the next units that fit the time they have, outside
quiet hours, and never more than the daily cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.progress import outbox
from services.progress.domain import Enrollment, Learner
from services.progress.notices import REMINDER_KINDS, NoticeKind
from services.progress.policy import (
    Policy,
    after_quiet_hours,
    day_bounds,
    local_day,
    reminder_time,
)
from services.progress.snapshot import Snapshot
from services.progress.store import ProgressStore


@dataclass
class ReminderReport:
    queued: int = 0
    capped: int = 0
    withdrawn: int = 0  # queued for a later shift start, then no longer needed


async def send_reminder(
    *,
    store: ProgressStore,
    tenant: str,
    policy: Policy,
    learner: Learner,
    kind: NoticeKind,
    key: str,
    subject: str,
    body: str,
    data: dict[str, Any],
    now: datetime,
    at_shift_start: bool = True,
) -> tuple[str, datetime]:
    """Queue a reminder for the start of the learner's shift (or, `at_shift_start=False`, as
    soon as the quiet hours allow); returns "queued", "capped" (the day's cap is reached; a
    later sweep tries again) or "duplicate" (`key` is already queued), and when it goes out."""
    if at_shift_start:
        at = reminder_time(policy, learner.shift, now)
    else:
        at = after_quiet_hours(policy, now)
    if await store.alerts.has_key(tenant=tenant, dedupe_key=key):
        return "duplicate", at
    start, end = day_bounds(policy, at)
    sent = await store.alerts.count_notifications(
        tenant=tenant, recipient_id=learner.id, kinds=REMINDER_KINDS, start=start, end=end
    )
    if sent >= policy.daily_cap:
        return "capped", at
    created = await outbox.enqueue(
        store=store,
        tenant=tenant,
        recipient_id=learner.id,
        recipient_role="learner",
        kind=kind.value,
        dedupe_key=key,
        subject=subject,
        body=body,
        data=data,
        now=now,
        learner_id=learner.id,
        deliver_after=at,
    )
    return ("queued" if created else "duplicate"), at


def next_units(
    snapshot: Snapshot,
    policy: Policy,
    learner: Learner,
    enrollment: Enrollment,
    milestone: str | None = None,
) -> list[dict[str, Any]]:
    """The next unfinished units of the enrollment (of one milestone's courses, when given),
    in path order, that fit the learner's minutes (always at least one)."""
    outline = snapshot.outlines.get(enrollment.path_id)
    if outline is None:
        return []
    courses = dict(outline.milestones).get(milestone or "", None)
    done = {u.unit_id for u in snapshot.states.get(learner.id, []) if u.completed}
    picked: list[dict[str, Any]] = []
    budget = float(policy.learning_minutes)
    for course in outline.courses:
        if courses is not None and course.course_id not in courses:
            continue
        for unit in course.unit_ids:
            if unit in done:
                continue
            minutes = snapshot.minutes_of(unit)
            if picked and minutes > budget:
                return picked
            picked.append(
                {"unitId": unit, "courseId": course.course_id, "minutes": round(minutes, 1)}
            )
            budget -= minutes
            if budget <= 0:
                return picked
    return picked


async def remind_unfinished(
    *, store: ProgressStore, snapshot: Snapshot, policy: Policy, now: datetime
) -> ReminderReport:
    """For every active learner's open enrollments: an overdue reminder while a milestone is
    past its due date unfinished, else a due-soon one within `remind_before_due_days` of the
    next due date; at most one per enrollment per local day, at the start of their shift."""
    report = ReminderReport()
    wanted: set[str] = set()  # reminders still called for; others not yet sent are withdrawn
    ahead = timedelta(days=policy.remind_before_due_days)
    for learner in snapshot.active(now):
        for enrollment in snapshot.enrollments.get(learner.id, []):
            dues = snapshot.milestone_dues(enrollment) or [("", enrollment.due_at, False)]
            open_ = sorted(
                ((due, title) for title, due, done in dues if due is not None and not done),
                key=lambda pair: pair[0],
            )
            missed = [(due, title) for due, title in open_ if due <= now]
            soon = [(due, title) for due, title in open_ if now < due <= now + ahead]
            if not (missed or soon):
                continue
            kind = NoticeKind.OVERDUE if missed else NoticeKind.DUE_SOON
            due, title = (missed or soon)[0]
            units = next_units(snapshot, policy, learner, enrollment, title or None)
            units = units or next_units(snapshot, policy, learner, enrollment)
            if not units:
                continue  # everything done: completion is recorded on the next event
            day = local_day(policy, reminder_time(policy, learner.shift, now))
            key = f"{kind.value}:{enrollment.id}:{day}"
            wanted.add(key)
            minutes = sum(u["minutes"] for u in units)
            what = f"{title!r}" if title else "your path"
            when = f"{due.astimezone(policy.zone()):%a %d %b}"
            if kind is NoticeKind.DUE_SOON:
                subject = f"{what} is due {when}: {len(units)} unit(s) to go next"
            else:
                subject = f"{what} was due {when}: pick up where you left off"
            body = (
                f"Next up: {', '.join(u['unitId'] for u in units)} "
                f"(about {minutes:.0f} of your {policy.learning_minutes} minutes)."
            )
            data = {
                "enrollmentId": enrollment.id,
                "pathId": enrollment.path_id,
                "milestone": title or None,
                "dueAt": due.isoformat(),
                "nextUnits": units,
                "missedMilestones": [t for _, t in missed if t],
            }
            outcome, _ = await send_reminder(
                store=store,
                tenant=snapshot.tenant,
                policy=policy,
                learner=learner,
                kind=kind,
                key=key,
                subject=subject,
                body=body,
                data=data,
                now=now,
            )
            report.queued += outcome == "queued"
            report.capped += outcome == "capped"
    report.withdrawn = await store.alerts.withdraw(
        tenant=snapshot.tenant,
        kinds=(NoticeKind.DUE_SOON, NoticeKind.OVERDUE),
        keep=wanted,
        now=now,
    )
    return report
