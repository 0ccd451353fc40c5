"""The training programme around the synthetic learners: fortnightly milestones of assigned
units (with or without manager reminders) and monthly on-the-job performance checks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.synth_dynamics import MILESTONE_DAYS, UNITS_PER_MILESTONE, behind_pace

CHECK_EVERY_DAYS = 30
STRUGGLE_RETAKES = 3  # more retakes than this on one quiz marks a skill gap
# Tuned so that assigned-unit completion is ~58% without reminders and ~92% with them, and
# learners past STRUGGLE_RETAKES pass later performance checks ~41% of the time.
REMINDER_LOGIN_LIFT = 4.0
REMINDER_UNIT_LIFT = 1.5
CHECK_BASE_LOGIT = 1.2
CHECK_ABILITY_WEIGHT = 0.6
CHECK_STRUGGLE_PENALTY = 0.62


class Programme:
    """Milestone and check bookkeeping for every learner, advanced once per simulated day."""

    def __init__(self, n: int, reminded: np.ndarray, enrolled: np.ndarray) -> None:
        self.enrolled = enrolled
        self.reminded = reminded & enrolled  # only the programme's learners are reminded
        self.start_position = np.zeros(n, dtype=np.int64)
        self.start_day = 0
        self.assigned = np.zeros(0, dtype=np.int64)  # who got the current milestone
        self.milestones: list[dict[str, np.ndarray]] = []
        self.checks: list[dict[str, np.ndarray]] = []
        self.reminders_sent = np.zeros(n, dtype=np.int64)

    def begin_day(self, day: int, position: np.ndarray, employed: np.ndarray) -> None:
        """Close the fortnight that just ended and assign the next UNITS_PER_MILESTONE units
        to everyone employed on the programme."""
        if day % MILESTONE_DAYS != 0:
            return
        if day > 0:
            self.close(position)
        self.start_day, self.start_position = day, position.copy()
        self.assigned = np.flatnonzero(employed & self.enrolled)
        self.reminders_sent[:] = 0

    def behind(self, day: int, position: np.ndarray) -> np.ndarray:
        """Who is behind the current milestone's even pace (by the end of `day`)."""
        return self.enrolled & behind_pace(day - self.start_day, position - self.start_position)

    def finished(self, position: np.ndarray) -> np.ndarray:
        """Who has done all the units of their current milestone."""
        return self.enrolled & (position - self.start_position >= UNITS_PER_MILESTONE)

    def reminders(self, behind: np.ndarray, employed: np.ndarray) -> np.ndarray:
        """Who gets a reminder today: reminded teams' learners `behind` the milestone's pace."""
        send = self.reminded & employed & behind
        self.reminders_sent += send
        return send

    def check(
        self,
        day: int,
        rng: np.random.Generator,
        employed: np.ndarray,
        ability: np.ndarray,
        max_retakes: np.ndarray,
    ) -> None:
        """At the end of every CHECK_EVERY_DAYS-th day, employed learners take a check."""
        if (day + 1) % CHECK_EVERY_DAYS != 0:
            return
        who = np.flatnonzero(employed)
        struggled = max_retakes[who] > STRUGGLE_RETAKES
        logit = (
            CHECK_BASE_LOGIT
            + CHECK_ABILITY_WEIGHT * ability[who]
            - CHECK_STRUGGLE_PENALTY * struggled
        )
        passed = rng.random(len(who)) < 1.0 / (1.0 + np.exp(-logit))
        rating = np.where(passed, rng.integers(3, 6, len(who)), rng.integers(1, 3, len(who)))
        self.checks.append(
            {"learner": who, "day": np.full(len(who), day), "passed": passed, "rating": rating}
        )

    def close(self, position: np.ndarray) -> None:
        """Record the current milestone of everyone it was assigned to, leavers included (a
        row per assignment, so a missing row can never tell who left); `units_completed`
        counts units done by the due date, by leaving, or by the end of the data."""
        who = self.assigned
        done = np.minimum(position[who] - self.start_position[who], UNITS_PER_MILESTONE)
        self.milestones.append(
            {
                "learner": who,
                "start": np.full(len(who), self.start_day),
                "due": np.full(len(who), self.start_day + MILESTONE_DAYS),
                "completed": done,
                "reminders": self.reminded[who],
                "reminders_sent": self.reminders_sent[who].copy(),
            }
        )

    def tables(self, ids: np.ndarray, origin: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(milestones, checks) as tables keyed by learner_id, with UTC timestamps."""

        def join(parts: list[dict[str, np.ndarray]], keys: tuple[str, ...]) -> dict:
            return {
                k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, int)
                for k in keys
            }

        m = join(
            self.milestones, ("learner", "start", "due", "completed", "reminders", "reminders_sent")
        )
        milestones = pd.DataFrame(
            {
                "learner_id": ids[m["learner"]].astype(str),
                "assigned_at": origin + pd.to_timedelta(m["start"], unit="D"),
                "due_at": origin + pd.to_timedelta(m["due"], unit="D"),
                "units_assigned": np.full(len(m["learner"]), UNITS_PER_MILESTONE),
                "units_completed": m["completed"].astype(np.int64),
                "reminders": m["reminders"].astype(bool),
                "reminders_sent": m["reminders_sent"].astype(np.int64),
            }
        )
        c = join(self.checks, ("learner", "day", "passed", "rating"))
        checks = pd.DataFrame(
            {
                "learner_id": ids[c["learner"]].astype(str),
                "checked_at": origin
                + pd.to_timedelta(c["day"] + 1, unit="D")
                + pd.Timedelta(hours=9),
                "passed": c["passed"].astype(bool),
                "rating": c["rating"].astype(np.int64),
            }
        )
        return milestones, checks
