"""Progress rules without I/O: how events become progress, and who may see whom."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from progress_helpers import HR, MANAGER, caller, make_enrollment

from learnpulse.auth import Principal
from services.progress.access import can_view, check_can_view_trajectory, team_scope
from services.progress.domain import (
    CourseFacts,
    CourseOutline,
    CourseProgressStatus,
    EnrollmentStatus,
    PathOutline,
    enrollment_progress,
)
from services.progress.errors import Forbidden

NOW = datetime(2026, 12, 4, tzinfo=UTC)
OUTLINE = PathOutline("p-test", (CourseOutline("c-a", ("a1", "a2")), CourseOutline("c-b", ("b1",))))


def test_progress_weighs_every_unit_the_same() -> None:
    facts = {"c-a": CourseFacts(frozenset({"a1", "stray-unit"}), NOW)}

    result = enrollment_progress(make_enrollment(), OUTLINE, facts)

    assert result.progress == pytest.approx(1 / 3)
    assert [c.status for c in result.courses] == [
        CourseProgressStatus.IN_PROGRESS,
        CourseProgressStatus.NOT_STARTED,
    ]
    assert result.courses[0].percent == 50.0
    assert result.status is EnrollmentStatus.ACTIVE


def test_an_enrollment_with_every_unit_done_is_completed_unless_closed() -> None:
    facts = {
        "c-a": CourseFacts(frozenset({"a1", "a2"}), NOW),
        "c-b": CourseFacts(frozenset({"b1"}), NOW),
    }

    done = enrollment_progress(make_enrollment(), OUTLINE, facts)
    closed = enrollment_progress(make_enrollment(status=EnrollmentStatus.CLOSED), OUTLINE, facts)

    assert (done.progress, done.status) == (1.0, EnrollmentStatus.COMPLETED)
    assert closed.status is EnrollmentStatus.CLOSED


def test_a_path_without_a_known_outline_has_no_progress_yet() -> None:
    result = enrollment_progress(make_enrollment(), None, {})

    assert (result.courses, result.progress, result.status) == ((), 0.0, EnrollmentStatus.ACTIVE)


@pytest.mark.parametrize(
    ("principal", "learner_id", "allowed"),
    [
        (caller("lrn-1"), "lrn-1", True),
        (caller("lrn-1"), "lrn-2", False),
        (MANAGER, "mgr-1", True),
        (MANAGER, "lrn-4", True),
        (MANAGER, "hr-1", False),
        (HR, "lrn-4", True),
        (caller("lrn-1", roles=["data_scientist"]), "lrn-1", False),
    ],
)
def test_who_may_view_whom(principal: Principal, learner_id: str, allowed: bool) -> None:
    assert can_view(principal, learner_id) is allowed


def test_trajectories_are_for_managers_and_hr_only() -> None:
    check_can_view_trajectory(MANAGER, "lrn-2")
    check_can_view_trajectory(HR, "lrn-2")
    with pytest.raises(Forbidden):
        check_can_view_trajectory(caller("lrn-2"), "lrn-2")
    with pytest.raises(Forbidden):
        check_can_view_trajectory(MANAGER, "mgr-1")


def test_team_scope() -> None:
    assert team_scope(MANAGER) == {"lrn-1", "lrn-2", "lrn-3", "lrn-4"}
    assert team_scope(HR) is None
    with pytest.raises(Forbidden):
        team_scope(caller())
