"""The columnar event form (`event_columns`) scores exactly as the per-event form and names
each bad entry by column and index, and by the trajectory and event it stands for."""

from __future__ import annotations

from datetime import timedelta

import grpc
import pytest
from risk_fakes import (
    ACME_KEY,
    AS_OF,
    RunningServer,
    field_violations,
    make_model_set,
    make_request,
    make_trajectory,
    score_request,
)

from learnpulse.risk.v1 import risk_pb2
from services.risk import columns, scoring, validation


def columnar(
    *trajectories: risk_pb2.Trajectory, **fields: object
) -> risk_pb2.ScoreTrajectoriesRequest:
    """The same request with its events moved into `event_columns`."""
    encoded = columns.encode([list(t.events) for t in trajectories])
    bare = [risk_pb2.Trajectory(profile=t.profile) for t in trajectories]
    return make_request(*bare, event_columns=encoded, **fields)


def sample() -> list[risk_pb2.Trajectory]:
    trajectories = [make_trajectory(f"l-{n}", events=3 + 4 * n) for n in range(4)]
    trajectories[1].events[2].response = "B"
    trajectories[2].events[0].success = True
    trajectories[2].events.add()  # all defaults but the time and verb
    trajectories[2].events[-1].verb = "login"
    trajectories[2].events[-1].ts.FromDatetime(AS_OF - timedelta(days=2, hours=3))
    return trajectories


def test_columns_score_exactly_as_events_with_explanations() -> None:
    models, trajectories = make_model_set(), sample()
    rows, cols = make_request(*trajectories, explain=True), columnar(*trajectories, explain=True)
    assert validation.violations(rows) == validation.violations(cols) == []

    def score(request: risk_pb2.ScoreTrajectoriesRequest) -> list[risk_pb2.LearnerScore]:
        return score_request(models, request)

    # the wire round trip too: a partner's bytes, not our objects
    wire = risk_pb2.ScoreTrajectoriesRequest.FromString(cols.SerializeToString())
    assert score(wire) == score(rows)
    assert score(wire)[0].attrition.factors


def test_empty_optional_columns_mean_the_defaults_and_tables_may_repeat() -> None:
    models = make_model_set()
    trajectory = make_trajectory("l-1", events=6)
    for event in trajectory.events:
        event.ClearField("course_id"), event.ClearField("unit_id")
        event.score, event.attempt, event.duration_s = 0.0, 0, 0.0
    full = columnar(trajectory)
    sparse = risk_pb2.EventColumns(
        counts=[6],
        ts_us=full.event_columns.ts_us,
        verbs=[*full.event_columns.verbs, *full.event_columns.verbs],  # repeats are allowed
        verb=[code + len(full.event_columns.verbs) for code in full.event_columns.verb],
    )
    request = make_request(risk_pb2.Trajectory(profile=trajectory.profile), event_columns=sparse)
    assert validation.violations(request) == []
    expected = scoring.score_trajectories(
        models=models, trajectories=[trajectory], as_of=AS_OF, explain=True
    )
    got = scoring.score_trajectories(
        models=models, trajectories=request.trajectories, as_of=AS_OF, explain=True,
        event_columns=sparse,
    )  # fmt: skip
    assert got == expected


def test_bad_entries_are_named_by_column_index_trajectory_and_event() -> None:
    trajectories = [make_trajectory(f"l-{n}", events=4) for n in range(3)]
    request = columnar(*trajectories)
    cols = request.event_columns
    cols.verbs.append("jump")
    cols.verb[9] = len(cols.verbs) - 1  # trajectories[2].events[1]
    cols.duration_s[5] = -1.0  # trajectories[1].events[1]
    cols.duration_s[6] = float("nan")
    cols.score[0] = 1.5
    cols.attempt[11] = -2
    cols.ts_us[3] = -3_000_000_000 * 1_000_000
    cols.unit[4] = 99

    found = dict(validation.violations(request))

    assert found["event_columns.verbs[" + str(len(cols.verbs) - 1) + "]"].startswith(
        "unknown verb 'jump'; expected one of login,"
    )
    assert found["event_columns.verbs[" + str(len(cols.verbs) - 1) + "]"].endswith(
        "(first used by trajectories[2].events[1])"
    )
    assert found["event_columns.duration_s[5]"] == "must be >= 0 (trajectories[1].events[1])"
    assert found["event_columns.duration_s[6]"].startswith("must be a finite number")
    assert found["event_columns.score[0]"] == "must be in [0, 1] (trajectories[0].events[0])"
    assert found["event_columns.attempt[11]"] == "must be >= 0 (trajectories[2].events[3])"
    assert found["event_columns.ts_us[3]"].startswith("must be between 1900 and 2200")
    assert found["event_columns.unit[4]"].startswith("must index unit_ids")
    assert len(found) == 7


def test_columns_that_do_not_line_up_are_refused_before_anything_else() -> None:
    trajectories = [make_trajectory(f"l-{n}", events=4) for n in range(2)]
    short = columnar(*trajectories)
    del short.event_columns.duration_s[-1]
    assert validation.violations(short) == [
        ("event_columns.duration_s", "needs 8 entries (the sum of counts) or none; got 7")
    ]
    counts = columnar(*trajectories)
    counts.event_columns.counts.append(0)
    assert validation.violations(counts)[0][0] == "event_columns.counts"
    mixed = columnar(*trajectories, feature_names=["logins_7d"])
    mixed.trajectories[0].events.add(verb="login")
    problems = dict(validation.violations(mixed))
    assert problems["event_columns"] == "must be empty when feature_names is set"
    assert "trajectories[0]" in problems


async def test_the_server_scores_columns_and_refuses_bad_ones_field_by_field(
    server: RunningServer,
) -> None:
    trajectories = sample()
    by_rows = await server.stub.ScoreTrajectories(make_request(*trajectories), metadata=ACME_KEY)
    by_columns = await server.stub.ScoreTrajectories(columnar(*trajectories), metadata=ACME_KEY)
    assert by_columns == by_rows

    bad = columnar(*trajectories)
    bad.event_columns.duration_s[4] = -5.0
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await server.stub.ScoreTrajectories(bad, metadata=ACME_KEY)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_violations(caught.value) == {
        "event_columns.duration_s[4]": "must be >= 0 (trajectories[1].events[1])"
    }
