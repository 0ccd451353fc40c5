"""Payload checks: every problem is reported with the path of the field a partner must fix."""

from __future__ import annotations

import math

from risk_fakes import make_event, make_request, make_trajectory

from learnpulse.risk.v1 import risk_pb2
from services.risk.validation import MAX_REPORTED, foreign_tenants, violations


def test_a_well_formed_request_has_no_violations() -> None:
    request = make_request(make_trajectory("a", events=12), make_trajectory("b", events=0))
    assert violations(request) == []


def test_an_unknown_verb_is_reported_with_its_indices() -> None:
    trajectories = [make_trajectory(f"l-{n}", events=8) for n in range(4)]
    trajectories[3].events[7].verb = "jump"

    found = dict(violations(make_request(*trajectories)))

    assert list(found) == ["trajectories[3].events[7].verb"]
    assert found["trajectories[3].events[7].verb"].startswith(
        "unknown verb 'jump'; expected one of"
    )


def test_event_fields_out_of_range_are_each_named() -> None:
    trajectory = make_trajectory(events=0)
    trajectory.events.extend(
        [
            make_event(duration_s=-1.0),
            make_event(duration_s=math.inf),
            make_event(verb="answered", score=1.5),
            make_event(verb="failed", attempt=-2),
            risk_pb2.LearningEvent(duration_s=3.0),  # no ts, no verb
        ]
    )

    found = violations(make_request(trajectory))

    assert found == [
        ("trajectories[0].events[0].duration_s", "must be >= 0"),
        ("trajectories[0].events[1].duration_s", "must be a finite number"),
        ("trajectories[0].events[2].score", "must be in [0, 1]"),
        ("trajectories[0].events[3].attempt", "must be >= 0"),
        ("trajectories[0].events[4].ts", "required"),
        (
            "trajectories[0].events[4].verb",
            "required; one of login, launched, progressed, replayed, answered, completed, "
            "passed, failed",
        ),
    ]


def test_missing_profile_fields_are_required() -> None:
    bare = risk_pb2.Trajectory(profile=risk_pb2.LearnerProfile(role="agent"))
    no_profile = risk_pb2.Trajectory()

    found = violations(make_request(bare, no_profile))

    assert found == [
        ("trajectories[0].profile.learner_id", "required"),
        ("trajectories[0].profile.tenant_id", "required"),
        ("trajectories[0].profile.hire_date", "required"),
        ("trajectories[1].profile", "required"),
    ]


def test_a_learner_twice_in_one_batch_points_at_the_first() -> None:
    request = make_request(make_trajectory("a"), make_trajectory("b"), make_trajectory("a"))
    assert violations(request) == [
        ("trajectories[2].profile.learner_id", "duplicates trajectories[0]")
    ]


def test_request_level_fields_are_checked() -> None:
    request = make_request(max_factors=-1)
    request.as_of.seconds = 10**11
    assert violations(request) == [
        ("max_factors", "must be >= 0"),
        ("as_of", "must be between 1900-01-01 and 2200-01-01"),
    ]


def test_a_hopeless_payload_reports_a_bounded_number_of_problems() -> None:
    trajectory = make_trajectory(events=0)
    trajectory.events.extend(make_event(verb="jump") for _ in range(MAX_REPORTED * 3))
    assert len(violations(make_request(trajectory))) == MAX_REPORTED


def test_trajectories_of_other_tenants_are_named() -> None:
    request = make_request(make_trajectory("a"), make_trajectory("b", tenant="globex"))
    assert foreign_tenants(request, "acme") == [
        ("trajectories[1].profile.tenant_id", "'globex' is not your tenant")
    ]
    assert foreign_tenants(request, "globex")[0][0] == "trajectories[0].profile.tenant_id"
