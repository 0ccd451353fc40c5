"""ROI figures and the dating of HR ratings, on hand-built data: every definition the README
gives, the withholding of small groups, and the validation of the inputs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from progress_helpers import make_enrollment, make_learner

from services.progress.domain import EnrollmentStatus, MilestoneState
from services.progress.errors import InvalidArgument
from services.progress.performance import (
    Rating,
    checks_of,
    first_pass_on_or_after,
    latest_check,
    period_span,
)
from services.progress.roi import (
    Activity,
    IndependenceBasis,
    PathPlan,
    RoiData,
    RoiInputs,
    Window,
    roi_figures,
)

T0 = datetime(2026, 9, 1, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)
PLAN = PathPlan("p-onb", ("u-1", "u-2"), frozenset({"c-1"}), {"Week 1": 7, "Week 2": 14})


def milestones(first: datetime | None, second: datetime | None) -> tuple[MilestoneState, ...]:
    return (MilestoneState("Week 1", 1, 1, first), MilestoneState("Week 2", 1, 1, second))


def enrollments(n: int, *, done_after_days: float | None = 10.0) -> list:
    """`n` learners enrolled on T0 + i days; finished `done_after_days` later."""
    out = []
    for i in range(n):
        start = T0 + timedelta(days=i)
        done = start + timedelta(days=done_after_days) if done_after_days is not None else None
        out.append(
            make_enrollment(
                id=f"e{i}",
                learner_id=f"l{i}",
                path_id="p-onb",
                enrolled_at=start,
                due_at=start + timedelta(days=14),
                status=EnrollmentStatus.COMPLETED if done else EnrollmentStatus.ACTIVE,
                completed_at=done,
                milestones=milestones(start + timedelta(days=6), done),
            )
        )
    return out


def data(rows: list, **overrides: object) -> RoiData:
    learners = {
        e.learner_id: make_learner(id=e.learner_id, hire_date=e.enrolled_at.date()) for e in rows
    }
    base = RoiData(
        enrollments=tuple(rows),
        learners=learners,
        checks={},
        activity={(e.learner_id, "c-1"): Activity(sign_ins=2, quiz_results=3) for e in rows},
        plans={"p-onb": PLAN},
    )
    return replace(base, **overrides)


def figures(d: RoiData, **overrides: object):  # type: ignore[no-untyped-def]
    args: dict = {
        "path_id": None,
        "window": Window(None, None, NOW),
        "inputs": RoiInputs(),
        "basis": IndependenceBasis.FIRST_PATH_COMPLETED,
        "pass_rating": 3.0,
        "min_learners": 5,
    }
    return roi_figures(d, **(args | overrides))


def test_completion_time_to_complete_and_on_time_milestones() -> None:
    rows = enrollments(4) + enrollments(6, done_after_days=None)[4:]
    rows += [replace(enrollments(7, done_after_days=20.0)[6])]  # week 2 due day 14: late

    f = figures(data(rows))

    assert f.learners == 7 and f.completion is not None and f.milestones is not None
    assert (f.completion.enrollments, f.completion.completed) == (7, 5)
    assert f.completion.median_days_to_complete == 10.0
    # 7 "Week 1" milestones on time (day 6 of 7); "Week 2": 4 on time, 2 unfinished, 1 late.
    assert (f.milestones.due, f.milestones.on_time) == (14, 11)


def test_new_hires_reach_independent_work_by_path_completion_or_first_passing_check() -> None:
    rows = enrollments(6)
    checks = {
        f"l{i}": checks_of([Rating("2026-08", 5.0), Rating(f"2026-09-{20 + i}", 2.0 + i)])
        for i in range(6)
    }  # l0 fails (2.0) on 09-20; l1.. pass on 09-21..; August is before their hire

    by_path = figures(data(rows))
    by_check = figures(data(rows, checks=checks), basis=IndependenceBasis.FIRST_PASSING_CHECK)

    assert by_path.new_hires is not None and by_check.new_hires is not None
    assert (by_path.new_hires.new_hires, by_path.new_hires.independent) == (6, 6)
    assert by_path.new_hires.median_days_to_independent == 10.0
    # hired 09-02..09-06 (l1..l5), passed 09-21..09-25: 19 days each
    assert (by_check.new_hires.independent, by_check.new_hires.median_days_to_independent) == (
        5,
        19.0,
    )
    few = figures(data(rows[:5], checks=checks), basis=IndependenceBasis.FIRST_PASSING_CHECK)
    assert few.new_hires is not None and few.new_hires.median_days_to_independent is None


def test_a_new_hire_with_two_completed_paths_is_independent_at_the_first() -> None:
    rows = enrollments(6)
    later = [
        replace(e, id=f"{e.id}-later", path_id="p-2", completed_at=e.completed_at + timedelta(30))
        for e in rows[:3]
    ]
    rows = [*later, *rows]  # listed first, each finished 30 days after the learner's first path

    f = figures(data(rows))

    assert f.new_hires is not None and f.new_hires.median_days_to_independent == 10.0


def test_admin_hours_follow_the_inputs() -> None:
    rows = enrollments(5)
    inputs = RoiInputs(
        minutes_per_sign_in=6, minutes_per_quiz_result=4, minutes_per_milestone_check=1
    )

    f = figures(data(rows), inputs=inputs)

    assert f.admin is not None
    assert (f.admin.sign_ins, f.admin.quiz_results, f.admin.milestone_checks) == (10, 15, 10)
    assert f.admin.hours_saved == pytest.approx((10 * 6 + 15 * 4 + 10 * 1) / 60)


def test_a_window_selects_cohorts_and_due_milestones() -> None:
    rows = enrollments(10)
    window = Window(T0 + timedelta(days=5), T0 + timedelta(days=12), NOW)

    f = figures(data(rows), window=window)

    assert f.completion is not None and f.completion.enrollments == 5  # enrolled days 5..9
    # Week 1 due on days 7..16 (in window: 7..11 -> 5); Week 2 due 14..23 (none in window)
    assert f.milestones is not None and f.milestones.due == 5
    assert f.new_hires is not None and f.new_hires.new_hires == 5


def test_small_groups_are_withheld_and_a_path_filter_keeps_its_own_courses() -> None:
    rows = enrollments(4)
    few = figures(data(rows))
    other = figures(data(enrollments(5)), path_id="p-other")

    assert few.learners == 4
    assert (few.completion, few.milestones, few.new_hires, few.admin) == (None,) * 4
    assert other.learners == 0 and other.completion is None


def test_inputs_out_of_range_name_the_argument() -> None:
    with pytest.raises(InvalidArgument) as raised:
        RoiInputs(minutes_per_quiz_result=-1).checked()

    assert raised.value.details == {"argument": "minutesPerQuizResult"}


@pytest.mark.parametrize(
    ("period", "span"),
    [
        ("2026-03-15", (date(2026, 3, 15), date(2026, 3, 15))),
        ("2026-02", (date(2026, 2, 1), date(2026, 2, 28))),
        ("2026-Q4", (date(2026, 10, 1), date(2026, 12, 31))),
        ("2026-H1", (date(2026, 1, 1), date(2026, 6, 30))),
        ("2026", (date(2026, 1, 1), date(2026, 12, 31))),
        ("2026-13", None),
        ("FY26", None),
    ],
)
def test_rating_periods_are_dated(period: str, span: tuple[date, date] | None) -> None:
    assert period_span(period) == span


def test_the_latest_check_in_a_window_and_the_first_pass_after_a_day() -> None:
    checks = checks_of([Rating("2026-H2", 4.0), Rating("2026-03", 2.0), Rating("bad", 5.0)])
    march = datetime(2026, 3, 10, tzinfo=UTC)

    assert [c.rating for c in checks] == [2.0, 4.0]
    assert latest_check(checks, since=None, until=None).rating == 4.0  # type: ignore[union-attr]
    assert latest_check(checks, since=march, until=march + timedelta(days=30)).rating == 2.0  # type: ignore[union-attr]
    assert latest_check(checks, since=None, until=datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert first_pass_on_or_after(checks, date(2026, 1, 1), 3.0) == date(2026, 12, 31)
