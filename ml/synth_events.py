"""Turns a simulated day's logins and unit touches into canonical event rows, kept as
numpy columns until the whole simulation is assembled into one events table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.dataset import VERBS
from ml.world import Catalog

VERB_CODE = {verb: code for code, verb in enumerate(VERBS)}
OPTIONS = np.array(["", "a", "b", "c", "d"], dtype=object)
Columns = dict[str, np.ndarray]


@dataclass(frozen=True)
class TouchPlan:
    """Candidate unit touches of one day, flattened from [slot, learner]."""

    learner: np.ndarray
    touched: np.ndarray
    unit: np.ndarray
    quiz: np.ndarray
    start: np.ndarray
    dwell: np.ndarray
    replay_s: np.ndarray
    busy_s: np.ndarray
    completed: np.ndarray
    attempt: np.ndarray
    score: np.ndarray


@dataclass(frozen=True)
class Answers:
    """Quiz answers of every candidate quiz touch; `of` indexes the candidate."""

    of: np.ndarray
    correct: np.ndarray
    seconds: np.ndarray


def unit_events(
    plan: TouchPlan, answers: Answers, correct_option: np.ndarray, rng: np.random.Generator
) -> list[Columns]:
    """Expand the touched candidates into launched/progressed/replayed/answered/... rows."""
    t = plan.touched
    lesson, quiz = t & ~plan.quiz, t & plan.quiz
    replayed = lesson & (plan.replay_s > 0)
    done = t & plan.completed

    def pick(mask: np.ndarray, verb: str, ts: np.ndarray, **extra: np.ndarray) -> Columns:
        picked = {name: value[mask] for name, value in extra.items()}
        return rows(
            learner=plan.learner[mask],
            ts=ts[mask],
            verb=VERB_CODE[verb],
            unit=plan.unit[mask],
            attempt=plan.attempt[mask],
            **picked,
        )

    us = 1_000_000
    progressed_at = plan.start + (plan.dwell * us).astype(np.int64)
    # Results come half a second after the last answer or replay, completion a second later.
    done_at = plan.start + (plan.busy_s * us).astype(np.int64) + us // 2
    out = [
        pick(t, "launched", plan.start),
        pick(lesson, "progressed", progressed_at, duration=plan.dwell),
        pick(replayed, "replayed", done_at, duration=plan.replay_s),
        pick(
            quiz & plan.completed,
            "passed",
            done_at,
            duration=plan.busy_s,
            score=plan.score,
            success=np.ones_like(t),
        ),
        pick(quiz & ~plan.completed, "failed", done_at, duration=plan.busy_s, score=plan.score),
        pick(
            done,
            "completed",
            done_at + us,
            duration=plan.busy_s,
            score=plan.score,
            success=np.ones_like(t),
        ),
    ]
    # Answers: timestamped one after another inside their quiz touch.
    keep = t[answers.of]
    of, correct, seconds = answers.of[keep], answers.correct[keep], answers.seconds[keep]
    first = np.r_[True, of[1:] != of[:-1]]
    elapsed = np.cumsum(seconds)
    elapsed -= np.maximum.accumulate(np.where(first, elapsed - seconds, 0.0))
    right = correct_option[plan.unit[of]]
    wrong = (right + rng.integers(1, 4, size=len(of))) % 4
    out.append(
        rows(
            learner=plan.learner[of],
            ts=plan.start[of] + (elapsed * us).astype(np.int64),
            verb=VERB_CODE["answered"],
            unit=plan.unit[of],
            duration=seconds,
            score=correct.astype(np.float64),
            success=correct,
            attempt=plan.attempt[of],
            response=np.where(correct, right, wrong),
        )
    )
    return out


def rows(
    *,
    learner: np.ndarray,
    ts: np.ndarray,
    verb: int,
    unit: np.ndarray | int = -1,
    duration: np.ndarray | float = 0.0,
    score: np.ndarray | float = np.nan,
    success: np.ndarray | bool = False,
    attempt: np.ndarray | int = 0,
    response: np.ndarray | int = -1,
) -> Columns:
    n = len(learner)
    return {
        "learner": np.asarray(learner, dtype=np.int64),
        "ts": np.asarray(ts, dtype=np.int64),
        "verb": np.full(n, verb, dtype=np.int8),
        "unit": np.broadcast_to(np.asarray(unit, dtype=np.int64), (n,)),
        "duration": np.broadcast_to(np.asarray(duration, dtype=np.float64), (n,)),
        "score": np.broadcast_to(np.asarray(score, dtype=np.float64), (n,)),
        "success": np.broadcast_to(np.asarray(success, dtype=bool), (n,)),
        "attempt": np.broadcast_to(np.asarray(attempt, dtype=np.int64), (n,)),
        "response": np.broadcast_to(np.asarray(response, dtype=np.int64), (n,)),
    }


def concat(parts: list[Columns]) -> Columns:
    return {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}


def events_frame(cols: Columns, ids: np.ndarray, catalog: Catalog) -> pd.DataFrame:
    """The events table (canonical columns, not yet conformed), ordered by time."""
    order = np.lexsort((cols["learner"], cols["ts"]))
    cols = {name: values[order] for name, values in cols.items()}
    blank = np.array([""], dtype=object)
    return pd.DataFrame(
        {
            "learner_id": ids[cols["learner"]],
            "ts": pd.to_datetime(cols["ts"], unit="us", utc=True),
            "verb": np.array(VERBS, dtype=object)[cols["verb"]],
            "course_id": np.concatenate([blank, catalog.course_ids])[cols["unit"] + 1],
            "unit_id": np.concatenate([blank, catalog.unit_ids])[cols["unit"] + 1],
            "duration_s": np.round(cols["duration"], 1),
            "score": cols["score"],
            "success": cols["success"],
            "attempt": cols["attempt"],
            "response": OPTIONS[cols["response"] + 1],
        }
    )
