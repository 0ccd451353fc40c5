"""A profile's current milestone reaches the milestone features, as training reads the
canonical `milestones` table; without one they are unknown; a bad one is named field by field."""

from __future__ import annotations

import math
from datetime import timedelta

import grpc
import numpy as np
import pandas as pd
import pytest
from risk_fakes import (
    ACME_KEY,
    AS_OF,
    RunningServer,
    field_violations,
    make_event,
    make_milestone,
    make_model_set,
    make_request,
    make_trajectory,
    score_request,
)

from learnpulse.risk.v1 import risk_pb2
from ml.features import FEATURE_NAMES, build_features
from services.risk import columns, scoring
from services.risk.validation import violations

MILESTONE_FEATURES = ["milestone_days_left", "milestone_units_left", "milestone_lateness"]
PROGRAMME = [*MILESTONE_FEATURES, "reminders_on"]
AT = [FEATURE_NAMES.index(name) for name in PROGRAMME]
OTHERS = [i for i in range(len(FEATURE_NAMES)) if i not in AT]


def busy_trajectory(learner_id: str = "l-1", **profile: object) -> risk_pb2.Trajectory:
    """Two distinct units completed since a milestone assigned 6 days ago (one of them
    twice), and one completed before it was assigned."""
    trajectory = make_trajectory(learner_id, events=10, **profile)
    trajectory.events.extend(
        [
            make_event(days_ago=2, verb="completed", unit_id="u-a"),
            make_event(days_ago=3, verb="completed", unit_id="u-b"),
            make_event(days_ago=1, verb="completed", unit_id="u-a"),
            make_event(days_ago=10, verb="completed", unit_id="u-c"),
        ]
    )
    return trajectory


def features(*trajectories: risk_pb2.Trajectory, columnar: bool = False) -> np.ndarray:
    events = (
        columns.decode(columns.encode([list(t.events) for t in trajectories]))
        if columnar
        else columns.from_events(trajectories)
    )
    return scoring.features_of([t.profile for t in trajectories], events, AS_OF)


@pytest.mark.parametrize("columnar", [False, True], ids=["events", "event_columns"])
def test_a_milestone_changes_exactly_the_milestone_features(columnar: bool) -> None:
    without = busy_trajectory()
    with_one = busy_trajectory(milestone=make_milestone(6, 8, units=8, reminders=True))

    before, after = (features(t, columnar=columnar)[0] for t in (without, with_one))

    assert np.isnan(before[AT]).all()  # unset: unknown, not zero
    np.testing.assert_array_equal(after[OTHERS], before[OTHERS])
    # 8 days left; 8 - 2 units left; 8 x 6/14 of the way through, 2 done; reminded
    np.testing.assert_allclose(after[AT], [8.0, 6.0, 8 * 6 / 14 - 2, 1.0])


def test_served_milestone_features_are_the_ones_training_reads_from_the_table() -> None:
    """Per profile, the same values `build_features` gives with the equivalent canonical
    `milestones` table: reminders unknown, overdue, not yet assigned, and none at all."""
    trajectories = [
        busy_trajectory("l-1", milestone=make_milestone(6, 8, reminders=True)),
        busy_trajectory("l-2", milestone=make_milestone(2, 12, units=5, reminders=None)),
        busy_trajectory("l-3", milestone=make_milestone(20, -3, units=12, reminders=False)),
        busy_trajectory("l-4", milestone=make_milestone(-1, 13)),  # assigned after as_of
        busy_trajectory("l-5"),
    ]
    profiles = [t.profile for t in trajectories]
    learners, events = scoring.to_frames(trajectories)
    table = scoring.milestones_frame(profiles)
    assert list(table["learner_id"]) == ["l-1", "l-2", "l-3", "l-4"]

    expected = build_features(learners, events, pd.Timestamp(AS_OF), table)
    got = scoring.features_of(profiles, columns.from_events(trajectories), AS_OF)

    np.testing.assert_array_equal(got, expected.loc[[p.learner_id for p in profiles]].to_numpy())
    shown = pd.DataFrame(got[:, AT], columns=PROGRAMME, index=[p.learner_id for p in profiles])
    assert shown.loc["l-3", "milestone_days_left"] == -3.0  # overdue
    # overdue: all 12 units are due; 4 distinct units completed since 20 days ago
    assert shown.loc["l-3", "milestone_lateness"] == 12 - 4
    assert math.isnan(shown.loc["l-2", "reminders_on"]) and shown.loc["l-3", "reminders_on"] == 0
    assert shown.loc[["l-4", "l-5"]].isna().all().all()


def test_columnar_and_per_event_requests_score_a_milestone_alike() -> None:
    trajectories = [
        busy_trajectory("l-1", milestone=make_milestone(6, 2, units=8)),
        busy_trajectory("l-2"),
    ]
    rows = make_request(*trajectories, explain=True)
    encoded = columns.encode([list(t.events) for t in trajectories])
    cols = make_request(
        *[risk_pb2.Trajectory(profile=t.profile) for t in trajectories],
        event_columns=encoded,
        explain=True,
    )
    assert violations(rows) == violations(cols) == []
    models = make_model_set()

    def score(request: risk_pb2.ScoreTrajectoriesRequest) -> list[risk_pb2.LearnerScore]:
        return score_request(models, request)

    assert score(cols) == score(rows)
    np.testing.assert_array_equal(
        features(*trajectories, columnar=True), features(*trajectories, columnar=False)
    )


def test_a_bad_milestone_is_named_field_by_field() -> None:
    bare = make_trajectory("a", milestone=risk_pb2.CurrentMilestone(units=8))
    backwards = make_trajectory("b", milestone=make_milestone(assigned_days_ago=2, due_in_days=-5))
    empty = make_trajectory("c", milestone=make_milestone(units=0))
    huge = make_trajectory("d", milestone=make_milestone(units=1_001))
    typo = make_trajectory("e", milestone=make_milestone())
    typo.profile.milestone.due_at.seconds = 10**11
    fine = make_trajectory("f", milestone=make_milestone(units=1_000, reminders=None))
    same_day = make_trajectory("g", milestone=make_milestone(assigned_days_ago=0, due_in_days=0))

    found = violations(make_request(bare, backwards, empty, huge, typo, fine, same_day))

    assert found == [
        ("trajectories[0].profile.milestone.assigned_at", "required with a milestone"),
        ("trajectories[0].profile.milestone.due_at", "required with a milestone"),
        ("trajectories[1].profile.milestone.due_at", "must not be before assigned_at"),
        ("trajectories[2].profile.milestone.units", "must be 1 to 1,000 units"),
        ("trajectories[3].profile.milestone.units", "must be 1 to 1,000 units"),
        (
            "trajectories[4].profile.milestone.due_at",
            "must be between 1900-01-01 and 2200-01-01",
        ),
    ]


def test_a_milestone_is_checked_with_precomputed_features_too() -> None:
    trajectory = risk_pb2.Trajectory(
        profile=make_trajectory(milestone=make_milestone(units=0)).profile,
        feature_values=[math.nan] * len(FEATURE_NAMES),
    )
    request = make_request(trajectory, feature_names=FEATURE_NAMES)
    assert violations(request) == [
        ("trajectories[0].profile.milestone.units", "must be 1 to 1,000 units")
    ]


async def test_the_server_refuses_a_bad_milestone_naming_the_field(
    server: RunningServer,
) -> None:
    good = make_trajectory("a", milestone=make_milestone())
    bad = make_trajectory("b", milestone=make_milestone())
    bad.profile.milestone.due_at.FromDatetime(AS_OF - timedelta(days=30))

    scored = await server.stub.ScoreTrajectories(make_request(good), metadata=ACME_KEY)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await server.stub.ScoreTrajectories(make_request(good, bad), metadata=ACME_KEY)

    assert [s.learner_id for s in scored.scores] == ["a"]
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value) == {
        "trajectories[1].profile.milestone.due_at": "must not be before assigned_at"
    }
    assert "trajectories[1].profile.milestone.due_at" in (caught.value.details() or "")
