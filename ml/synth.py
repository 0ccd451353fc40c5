"""A synthetic learning world: learners whose hidden engagement and intent to leave evolve
day by day and drive logins, unit launches, dwell, replays, quiz answers, stalls and leaving.

Vectorised over learners; the only Python loop is over simulated days.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from ml.dataset import Dataset, conform_events, conform_learners
from ml.synth_dynamics import (
    DEADLINE_LOGIN_LIFT,
    DEADLINE_UNITS_LIFT,
    ENGAGED_NOISE,
    INTENT_DWELL,
    NEW_HIRE_DAYS,
    NEW_HIRE_RAMP,
    PUSHED_ANSWER,
    PUSHED_DWELL,
    PUSHED_FINISH,
    PUSHED_HOUR_SHIFT,
    PUSHED_REPLAY,
    SLACK_UNITS_LIFT,
    Lifts,
    State,
    advance_intent,
    advance_workload,
    forecast,
    hazard,
    mean_engagement,
    p_login,
    rushing,
    sigmoid,
    start_probability,
    units_rate,
)
from ml.synth_events import (
    VERB_CODE,
    Answers,
    Columns,
    TouchPlan,
    concat,
    events_frame,
    rows,
    unit_events,
)
from ml.synth_programme import REMINDER_LOGIN_LIFT, REMINDER_UNIT_LIFT, Programme
from ml.world import SHIFT_START_HOUR, Catalog, Roster, make_catalog, make_roster

DEFAULT_START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday, so weekdays line up
HOUR_US = 3_600_000_000
DAY_US = 24 * HOUR_US
MAX_UNITS_PER_DAY = 5
TRUTH_SAMPLES = 16  # Monte-Carlo paths per learner and day behind the ground truth
DEFAULT_REMINDER_SHARE = 0.5


def generate(
    *,
    n_learners: int,
    days: int,
    seed: int,
    start: datetime | None = None,
    tenant_id: str = "demo",
    reminders: float = DEFAULT_REMINDER_SHARE,
    progress: Callable[[int], object] | None = None,
) -> Dataset:
    """Simulate `days` days of `n_learners` learners; the same seed gives the same dataset.

    `reminders` is the share of managers (teams) who remind learners behind on their
    milestone (0: nobody is reminded, 1: everybody is). `progress`, if given, is called with 1
    after each simulated day (e.g. `tqdm.update`).
    """
    if not 0.0 <= reminders <= 1.0:
        raise ValueError("reminders must be a share between 0 and 1")
    if n_learners < 1 or days < 1:
        raise ValueError("n_learners and days must be at least 1")
    origin = pd.Timestamp(start or DEFAULT_START)
    origin = origin.tz_localize("UTC") if origin.tzinfo is None else origin.tz_convert("UTC")
    origin = origin.normalize()
    rng = np.random.default_rng(seed)
    catalog = make_catalog(rng)
    roster = make_roster(rng, n_learners, origin.to_pydatetime(), tenant_id, catalog.size)
    truth_rng = np.random.default_rng([seed, 1])  # the world's own draws stay untouched
    world = _World(rng, catalog, roster, origin, days, reminders, truth_rng)
    chunks = []
    for day in range(days):
        chunks.append(world.step(day))
        if progress is not None:
            progress(1)
    return world.dataset(chunks)


class _World:
    """The day-by-day state of every learner (hidden and visible)."""

    def __init__(
        self,
        rng: np.random.Generator,
        catalog: Catalog,
        roster: Roster,
        origin: pd.Timestamp,
        days: int,
        reminder_share: float,
        truth_rng: np.random.Generator,
    ) -> None:
        n = len(roster.learners)
        self.origin = origin
        self.rng, self.catalog, self.roster, self.days = rng, catalog, roster, days
        self.origin_us = origin.value // 1000  # Timestamp.value is in nanoseconds
        self.weekday0 = origin.weekday()
        self.employed = np.ones(n, dtype=bool)
        self.left_day = np.full(n, -1, dtype=np.int64)
        self.intent = np.zeros(n)
        self.triggered = np.zeros(n, dtype=bool)
        self.ramp = np.zeros(n)
        self.workload = rng.normal(0.0, 0.5, size=n)
        self.position = roster.start_position.copy()
        self.attempt = np.zeros(n, dtype=np.int64)
        self.truth_rng = truth_rng
        self.truth: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]] = []
        self.p_trigger = sigmoid(roster.trigger_logit)
        self.ramp_scale = np.where(roster.tenure_days < NEW_HIRE_DAYS, NEW_HIRE_RAMP, 1.0)
        self.stuck_days = np.zeros(n, dtype=np.int64)
        self.max_retakes = np.zeros(n, dtype=np.int64)
        manager, n_managers = pd.factorize(roster.learners["manager_id"])
        reminded = rng.random(len(n_managers)) < reminder_share
        self.programme = Programme(n, reminded[manager], roster.enrolled)

    def step(self, day: int) -> Columns:
        """Advance hidden state one day, emit that day's events, then let some learners leave."""
        rng, n = self.rng, len(self.intent)
        weekday = (self.weekday0 + day) % 7 < 5
        self.programme.begin_day(day, self.position, self.employed)
        p_start = start_probability(self.p_trigger, self.stuck_days)
        self.intent, self.triggered, self.ramp = advance_intent(
            rng, self.intent, self.triggered, self.ramp, p_start, self.ramp_scale
        )
        self.workload = advance_workload(rng, self.workload)
        today = hazard(self.intent, self.p_trigger)

        behind = self.programme.behind(day, self.position)
        reminded = weekday & self.programme.reminders(behind, self.employed)
        mean_engaged = mean_engagement(
            self.roster.engagement, self.workload, self.intent, self.triggered
        )
        engaged = mean_engaged + rng.normal(0.0, ENGAGED_NOISE, size=n)
        rush = rushing(day, behind, weekday)
        lift = np.where(reminded, REMINDER_LOGIN_LIFT, 0.0) + rush * DEADLINE_LOGIN_LIFT
        finished = self.programme.finished(self.position)
        units_lift = (
            np.where(reminded, REMINDER_UNIT_LIFT, 0.0)
            + rush * DEADLINE_UNITS_LIFT
            + finished * SLACK_UNITS_LIFT
        )
        active = np.flatnonzero(self.employed & (rng.random(n) < p_login(engaged, lift, weekday)))
        before = self.position.copy()
        events = self._activity(day, active, engaged[active], units_lift[active])
        touched = np.zeros(n, dtype=bool)
        touched[active] = self._touched_any
        if weekday:
            self.stuck_days = np.where(touched | finished, 0, self.stuck_days + 1)
        self.stuck_days[self.position > before] = 0

        self._forecast(day, today)
        leaves = self.employed & (rng.random(n) < today)
        self.left_day[leaves] = day
        self.employed &= ~leaves
        self.programme.check(day, rng, self.employed, self.roster.ability, self.max_retakes)
        return events

    def _activity(
        self, day: int, who: np.ndarray, engaged: np.ndarray, units_lift: np.ndarray
    ) -> Columns:
        rng, cat, m = self.rng, self.catalog, len(who)
        shift_hour = SHIFT_START_HOUR[self.roster.shift[who]]
        # Learners on their way out log in at more erratic hours.
        # Pushed ones log in later in their day (interviews, a second job).
        pushed = self.triggered[who]
        hours = (
            shift_hour
            + rng.uniform(0.0, 6.0, m)
            + PUSHED_HOUR_SHIFT * pushed
            + rng.normal(0.0, 0.5 + self.intent[who])
        )
        t0 = self.origin_us + day * DAY_US + (np.clip(hours, 0.0, 30.0) * HOUR_US).astype(np.int64)

        n_logins = 1 + rng.poisson(0.3, size=m)
        login_of = np.repeat(np.arange(m), n_logins)
        later = np.arange(len(login_of)) != np.repeat(np.cumsum(n_logins) - n_logins, n_logins)
        login_ts = t0[login_of] + (later * rng.uniform(0.5, 5.0, len(login_of)) * HOUR_US).astype(
            np.int64
        )

        # Candidate units: the next MAX_UNITS_PER_DAY on each learner's path, as [slot, learner].
        k, s = MAX_UNITS_PER_DAY, np.arange(MAX_UNITS_PER_DAY)[:, None]
        unit = cat.paths[self.roster.role[who], (self.position[who] + s) % cat.size]
        quiz = cat.is_quiz[unit]
        wanted = np.minimum(rng.poisson(units_rate(engaged, units_lift)), k)
        finished_lesson = rng.random((k, m)) < sigmoid(1.3 + 0.9 * engaged - PUSHED_FINISH * pushed)
        dwell = cat.nominal_s[unit] * np.where(
            finished_lesson,
            rng.lognormal(
                -0.05 + 0.12 * engaged - INTENT_DWELL * self.intent[who] - PUSHED_DWELL * pushed,
                0.3,
                (k, m),
            ),
            rng.uniform(0.1, 0.7, (k, m)),
        )
        replay = ~quiz & (
            rng.random((k, m)) < sigmoid(-1.6 + 0.4 * engaged - PUSHED_REPLAY * pushed)
        )
        replay_s = np.where(replay, rng.uniform(20.0, 120.0, (k, m)), 0.0)

        nq = cat.n_questions[unit].ravel()
        q_of = np.repeat(np.arange(k * m), nq)
        attempt = np.where(s == 0, self.attempt[who] + 1, 1)
        # Retakes go better: the learner has seen the questions and the feedback.
        ability = self.roster.ability[who] + 0.3 * engaged + 0.5 * (attempt - 1)
        correct = rng.random(len(q_of)) < sigmoid(1.1 + 0.8 * ability).ravel()[q_of]
        answer_s = (
            rng.uniform(15.0, 60.0, len(q_of)) * np.where(pushed, PUSHED_ANSWER, 1.0)[q_of % m]
        )
        frac = np.bincount(q_of, correct, k * m) / np.maximum(nq, 1)
        quiz_s = np.bincount(q_of, answer_s, k * m)
        passed = (frac >= 0.7).reshape(k, m)
        completed = np.where(quiz, passed, finished_lesson)

        # A learner works through units in order and stops at the first one left unfinished.
        prior_done = np.vstack([np.ones((1, m), bool), np.cumprod(completed, axis=0)[:-1] > 0])
        touched = (s < wanted) & prior_done
        n_touched, n_done = touched.sum(axis=0), (touched & completed).sum(axis=0)
        self._touched_any = n_touched > 0
        retakes = np.where(touched & quiz, attempt - 1, 0).max(axis=0)
        self.max_retakes[who] = np.maximum(self.max_retakes[who], retakes)
        self.position[who] += n_done
        self.attempt[who] = np.where(
            n_touched == 0,
            self.attempt[who],
            np.where(n_done == n_touched, 0, np.where(n_touched == 1, self.attempt[who] + 1, 1)),
        )

        busy_s = np.where(quiz, quiz_s.reshape(k, m), dwell + replay_s)
        gaps = busy_s + rng.uniform(10.0, 60.0, (k, m))
        offset_s = 60.0 + np.vstack([np.zeros((1, m)), np.cumsum(gaps, axis=0)[:-1]])
        plan = TouchPlan(
            learner=np.broadcast_to(who, (k, m)).ravel(),
            touched=touched.ravel(),
            unit=unit.ravel(),
            quiz=quiz.ravel(),
            start=(t0 + offset_s * 1e6).astype(np.int64).ravel(),
            dwell=dwell.ravel(),
            replay_s=replay_s.ravel(),
            busy_s=busy_s.ravel(),
            completed=completed.ravel(),
            attempt=attempt.ravel(),
            score=np.where(quiz.ravel(), frac, np.nan),
        )
        logins = rows(learner=who[login_of], ts=login_ts, verb=VERB_CODE["login"])
        answers = Answers(of=q_of, correct=correct, seconds=answer_s)
        return concat([logins, *unit_events(plan, answers, self.catalog.correct_option, rng)])

    def dataset(self, chunks: list[Columns]) -> Dataset:
        learners = self.roster.learners.copy()
        ids = learners["learner_id"].to_numpy(dtype=object)
        gone = self.left_day >= 0
        left_us = self.origin_us + (self.left_day + 1) * DAY_US + 12 * HOUR_US
        learners["left_at"] = pd.to_datetime(np.where(gone, left_us, np.nan), unit="us", utc=True)
        events = events_frame(concat(chunks), ids, self.catalog)
        self.programme.close(self.position)  # the milestone still open at the end
        milestones, checks = self.programme.tables(ids, self.origin)
        return Dataset(
            conform_learners(learners),
            conform_events(events),
            self._truth(ids),
            milestones=milestones,
            checks=checks,
        )

    def _forecast(self, day: int, today: np.ndarray) -> None:
        """Ground truth for the midnight after `day`, for everyone still employed today."""
        who = np.flatnonzero(self.employed)
        state = State(
            day=day,
            weekday0=self.weekday0,
            hazard_today=today[who],
            intent=self.intent[who],
            triggered=self.triggered[who],
            ramp=self.ramp[who],
            workload=self.workload[who],
            stuck_days=self.stuck_days[who],
            engagement=self.roster.engagement[who],
            p_trigger=self.p_trigger[who],
            ramp_scale=self.ramp_scale[who],
            reminded_team=self.programme.reminded[who],
            enrolled=self.programme.enrolled[who],
            done_in_milestone=(self.position - self.programme.start_position)[who],
        )
        lifts = Lifts(login=REMINDER_LOGIN_LIFT, units=REMINDER_UNIT_LIFT)
        p_leave, p_stall = forecast(self.truth_rng, state, lifts, TRUTH_SAMPLES)
        self.truth.append((day + 1, who, p_leave, p_stall))

    def _truth(self, ids: np.ndarray) -> pd.DataFrame:
        """Per learner employed on the day before and midnight `day`: the generator's
        probability, given its hidden state at that midnight, that left_at falls within the
        next 14 days (`p_leave_14d`) and that the open unit sees no progress in the next 7
        days (`p_stall_7d`). See `ml.synth_dynamics.forecast`."""
        if not self.truth:
            return pd.DataFrame({"learner_id": [], "day": [], "p_leave_14d": [], "p_stall_7d": []})
        day = np.concatenate([np.full(len(who), d) for d, who, _, _ in self.truth])
        who = np.concatenate([who for _, who, _, _ in self.truth])
        return pd.DataFrame(
            {
                "learner_id": ids[who],
                "day": pd.to_datetime(self.origin_us + day * DAY_US, unit="us", utc=True),
                "p_leave_14d": np.concatenate([p for _, _, p, _ in self.truth]),
                "p_stall_7d": np.concatenate([p for _, _, _, p in self.truth]),
            }
        )
