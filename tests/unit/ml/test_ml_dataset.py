"""The canonical dataset: validation names the table, column and problem; Parquet round-trips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from ml_factories import events_table, learners_table, make_event, make_learner, unit_event

from ml.dataset import (
    EVENT_COLUMNS,
    LEARNER_COLUMNS,
    Dataset,
    conform_events,
    read_dataset,
    validate,
    write_dataset,
)

Frames = tuple[pd.DataFrame, pd.DataFrame]


def good() -> Frames:
    learners = learners_table(make_learner(), make_learner(learner_id="L2"))
    events = events_table(
        make_event("2026-01-05 09:00", "login"),
        unit_event("2026-01-05 09:01", "launched", "c1-u1"),
        unit_event("2026-01-05 09:03", "answered", "c1-u1", score=1.0, success=True),
    )
    return learners, events


def test_a_canonical_dataset_validates() -> None:
    learners, events = good()

    validate(learners, events)

    assert tuple(learners.columns) == LEARNER_COLUMNS
    assert tuple(events.columns) == EVENT_COLUMNS


def _set(table: str, column: str, value: object) -> Callable[[Frames], Frames]:
    def mutate(frames: Frames) -> Frames:
        learners, events = (frame.copy() for frame in frames)
        target = learners if table == "learners" else events
        target.loc[target.index[-1], column] = value
        return learners, events

    return mutate


def _drop(column: str) -> Callable[[Frames], Frames]:
    return lambda frames: (frames[0], frames[1].drop(columns=[column]))


def _naive_ts(frames: Frames) -> Frames:
    return frames[0], frames[1].assign(ts=frames[1]["ts"].dt.tz_localize(None))


def _float_attempts(frames: Frames) -> Frames:
    return frames[0], frames[1].assign(attempt=frames[1]["attempt"].astype(float))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (_set("events", "verb", "clicked"), r"events\.verb: unknown verbs \['clicked'\]"),
        (_set("events", "score", 1.5), r"events\.score: scores outside \[0, 1\]"),
        (_set("events", "duration_s", -1.0), r"events\.duration_s: negative"),
        (_set("events", "learner_id", "ghost"), r"events\.learner_id: 1 rows name unknown"),
        (_set("learners", "learner_id", "L1"), r"learners\.learner_id: duplicate ids"),
        (_set("learners", "left_at", pd.Timestamp("2025-01-01", tz="UTC")), r"learners\.left_at"),
        (_drop("duration_s"), r"events\.duration_s: missing column"),
        (_naive_ts, r"events\.ts: dtype datetime64\[us\] is not UTC datetime"),
        (_float_attempts, r"events\.attempt: dtype float64 is not int"),
    ],
)
def test_validate_names_the_table_column_and_problem(
    mutate: Callable[[Frames], Frames], message: str
) -> None:
    learners, events = mutate(good())

    with pytest.raises(ValueError, match=message):
        validate(learners, events)


def test_missing_values_in_a_required_column_are_named() -> None:
    learners, events = good()
    learners["hire_date"] = learners["hire_date"].where(learners["learner_id"] == "L1")

    with pytest.raises(ValueError, match=r"learners\.hire_date: 1 missing values"):
        validate(learners, events)


def test_conform_casts_loose_input_to_canonical_dtypes() -> None:
    raw = pd.DataFrame(
        {
            "learner_id": ["L1"],
            "ts": ["2026-01-05T09:00:00+01:00"],
            "verb": ["login"],
            "course_id": [None],
            "unit_id": [None],
            "duration_s": [0],
            "score": [None],
            "success": [None],
            "attempt": [None],
            "response": [None],
        }
    )

    events = conform_events(raw)

    assert events.loc[0, "ts"] == pd.Timestamp("2026-01-05 08:00", tz="UTC")
    assert events.loc[0, "unit_id"] == "" and events.loc[0, "attempt"] == 0
    validate(learners_table(make_learner()), events)


def test_parquet_round_trip(tmp_path: Path) -> None:
    learners, events = good()
    truth = pd.DataFrame({"learner_id": ["L1"], "day": [pd.Timestamp(0, tz="UTC")], "p": [0.1]})

    folder = write_dataset(Dataset(learners, events, truth), tmp_path / "world")
    back = read_dataset(folder)

    assert sorted(p.name for p in folder.iterdir()) == [
        "events.parquet",
        "learners.parquet",
        "truth.parquet",
    ]
    pd.testing.assert_frame_equal(back.learners, learners)
    pd.testing.assert_frame_equal(back.events, events)
    assert back.truth is not None
    pd.testing.assert_frame_equal(back.truth, truth)


def test_reading_a_folder_without_tables_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"learners\.parquet"):
        read_dataset(tmp_path)


def test_writing_refuses_an_invalid_dataset(tmp_path: Path) -> None:
    learners, events = _set("events", "verb", "clicked")(good())

    with pytest.raises(ValueError, match=r"events\.verb"):
        write_dataset(Dataset(learners, events), tmp_path)
    assert list(tmp_path.iterdir()) == []
