"""The hidden day-to-day dynamics of the synthetic learners, and the ground truth they imply.

`ml.synth` advances every learner one day at a time with these functions; `forecast` runs
the same functions forward from the state at the end of a day (Monte-Carlo over the hidden
future), so the ground truth is the generator's own probability *given what has happened so
far*, never the future the simulation happened to draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

P_RESOLVE = 0.02  # daily chance that whatever pushes a learner to leave goes away
# Leaving without warning (a better offer, a move): a share of the trigger risk that skips
# the weeks of fading intent, so leaving is learnable but not separable.
SHOCK_SHARE = 0.35
# Being stuck for more than two working days frustrates: it raises the chance that
# something starts pushing a learner to leave.
STALL_TRIGGER_FACTOR = 2.5
FRUSTRATED_DAYS = 2
RAMP_RANGE = (0.035, 0.09)  # daily rise of intent to leave once something pushes
HAZARD_BASE, HAZARD_SLOPE = -9.0, 6.5  # daily leaving log-odds by intent: steep near 1.2
INTENT_DECAY = 0.85  # intent fades when nothing pushes
INTENT_NOISE = 0.04
WORKLOAD_PERSISTENCE = 0.9
WORKLOAD_NOISE = 0.15
ENGAGED_NOISE = 0.4
INTENT_WEIGHT = 3.0  # how much intent to leave depresses engagement
# Once something pushes a learner to leave, their mind is elsewhere from that day on.
PUSHED_WEIGHT = 0.3
PUSHED_DWELL = 0.8  # ... and skim: log-dwell per unit drops by this much
INTENT_DWELL = 0.25  # ... the more, the further their mind is made up
PUSHED_FINISH = 1.0  # ... leave more lessons unfinished (log-odds of finishing one)
PUSHED_REPLAY = 1.5  # ... stop replaying (log-odds of a replay)
PUSHED_ANSWER = 0.5  # ... and rush through quiz questions (answer time factor)
PUSHED_HOUR_SHIFT = 6.0  # ... and log in later in their day (hours): interviews, a second job
NEW_HIRE_DAYS = 180
NEW_HIRE_RAMP = 1.6  # once pushed, new hires make up their minds faster
# Learners who have done their milestone's units mostly wait for the next one (log-rate lift on
# units): they are done, not stuck, so it does not frustrate them.
SLACK_UNITS_LIFT = -3.0
WEEKEND_FACTOR = 0.2
LOGIN_BASE = 0.25  # log-odds of logging in on a weekday, for an average learner
LEAVE_HORIZON_DAYS = 14
STALL_HORIZON_DAYS = 7
MILESTONE_DAYS = 14
UNITS_PER_MILESTONE = 8
# The last days before a milestone is due, learners behind on it catch up (a deadline rush).
DEADLINE_DAYS = 3
DEADLINE_LOGIN_LIFT = 1.5
DEADLINE_UNITS_LIFT = 0.7


def sigmoid(x: np.ndarray | float) -> np.ndarray:
    """The logistic function, in the precision of `x` (float64 for Python numbers)."""
    x = np.asarray(x)
    return 1.0 / (1.0 + np.exp(-(x if x.dtype.kind == "f" else x.astype(np.float64))))


def start_probability(p_trigger: np.ndarray, stuck_days: np.ndarray) -> np.ndarray:
    """Daily chance that something starts pushing a learner to leave (gradually)."""
    frustrated = stuck_days >= FRUSTRATED_DAYS
    return p_trigger * (1 - SHOCK_SHARE) * np.where(frustrated, STALL_TRIGGER_FACTOR, 1.0)


def advance_intent(
    rng: np.random.Generator,
    intent: np.ndarray,
    triggered: np.ndarray,
    ramp: np.ndarray,
    p_start: np.ndarray,
    ramp_scale: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One day of intent to leave: pushes start and resolve; intent ramps up or fades.
    `ramp_scale` speeds the ramp up per learner (new hires go faster once pushed)."""
    shape = intent.shape
    started = ~triggered & (rng.random(shape, dtype=intent.dtype) < p_start)
    ramp = ramp.copy()
    ramp[started] = rng.uniform(*RAMP_RANGE, size=int(started.sum())) * ramp_scale[started]
    triggered = triggered | started
    resolved = np.zeros(shape, dtype=bool)
    resolved[triggered] = rng.random(int(triggered.sum())) < P_RESOLVE
    triggered &= ~resolved
    drift = np.where(triggered, intent + ramp, INTENT_DECAY * intent)
    noise = rng.standard_normal(shape, dtype=intent.dtype) * INTENT_NOISE
    intent = np.clip(drift + noise, 0.0, 3.0).astype(intent.dtype, copy=False)
    return intent, triggered, ramp


def advance_workload(rng: np.random.Generator, workload: np.ndarray) -> np.ndarray:
    noise = rng.standard_normal(workload.shape, dtype=workload.dtype) * WORKLOAD_NOISE
    return (WORKLOAD_PERSISTENCE * workload + noise).astype(workload.dtype, copy=False)


def hazard(intent: np.ndarray, p_trigger: np.ndarray) -> np.ndarray:
    """Daily chance of leaving: fading intent, plus sudden leaving at a steady rate."""
    return np.minimum(sigmoid(HAZARD_BASE + HAZARD_SLOPE * intent) + SHOCK_SHARE * p_trigger, 0.99)


def mean_engagement(
    engagement: np.ndarray, workload: np.ndarray, intent: np.ndarray, triggered: np.ndarray
) -> np.ndarray:
    return engagement + workload - INTENT_WEIGHT * intent - PUSHED_WEIGHT * triggered


def p_login(engaged: np.ndarray, login_lift: np.ndarray, weekday: bool) -> np.ndarray:
    return sigmoid(LOGIN_BASE + 1.1 * engaged + login_lift) * (1.0 if weekday else WEEKEND_FACTOR)


def units_rate(engaged: np.ndarray, units_lift: np.ndarray) -> np.ndarray:
    """Poisson mean of the units a learner who logs in wants to work through."""
    return np.exp(0.25 + 0.35 * engaged + units_lift)


def p_touch(engaged: np.ndarray, login_lift: np.ndarray, units_lift: np.ndarray, weekday: bool):
    """Chance of working on the open unit today: logging in and wanting at least one unit."""
    return p_login(engaged, login_lift, weekday) * -np.expm1(-units_rate(engaged, units_lift))


def behind_pace(days_in: int, done: np.ndarray) -> np.ndarray:
    """Who has done fewer units than an even pace through the milestone asks by the end of
    its `days_in`-th day (0-based)."""
    pace = UNITS_PER_MILESTONE * (days_in + 1) / MILESTONE_DAYS
    return done < min(pace, UNITS_PER_MILESTONE)


def rushing(day: int, behind: np.ndarray, weekday: bool) -> np.ndarray:
    """Who rushes today because their milestone is due within DEADLINE_DAYS and they are behind."""
    closing = MILESTONE_DAYS - day % MILESTONE_DAYS <= DEADLINE_DAYS
    return behind & (weekday and closing)


@dataclass(frozen=True)
class Lifts:
    """How much a manager's reminder lifts logging in and working through units."""

    login: float
    units: float


@dataclass(frozen=True)
class State:
    """Hidden and programme state of some learners at the end of a day (before the leaving
    draw of that day); `hazard_today` is that day's leaving chance."""

    day: int
    weekday0: int
    hazard_today: np.ndarray
    intent: np.ndarray
    triggered: np.ndarray
    ramp: np.ndarray
    workload: np.ndarray
    stuck_days: np.ndarray
    engagement: np.ndarray
    p_trigger: np.ndarray
    ramp_scale: np.ndarray
    reminded_team: np.ndarray
    done_in_milestone: np.ndarray  # units completed since the current milestone started
    enrolled: np.ndarray  # on the programme: milestones pace them (reminders, rush, slack)


def forecast(
    rng: np.random.Generator, state: State, lifts: Lifts, samples: int
) -> tuple[np.ndarray, np.ndarray]:
    """(P(leave within 14 days), P(no progress on the open unit within 7 days)) for each
    learner in `state`, as seen at the midnight after `state.day`.

    Leaving at the end of day k is dated the next day, so the 14 days after that midnight
    cover the leaving draws of day k and the 13 days after it. The hidden future (pushes
    starting and resolving, intent, workload, daily mood) is sampled `samples` times;
    leaving and progress chances are integrated exactly along each sampled path.
    """
    m = len(state.intent)
    if m == 0:
        return np.zeros(0), np.zeros(0)

    def tile(values: np.ndarray) -> np.ndarray:
        # float32 halves the cost; the probabilities are averages of many paths anyway.
        dtype = np.float32 if values.dtype.kind == "f" else values.dtype
        return np.broadcast_to(values.astype(dtype), (samples, m)).copy()

    login_lift, units_lift = np.float32(lifts.login), np.float32(lifts.units)
    engagement = state.engagement.astype(np.float32)
    p_trigger = state.p_trigger.astype(np.float32)
    ramp_scale = np.broadcast_to(state.ramp_scale, (samples, m))
    h0 = state.hazard_today
    # Attrition: the learner's whole future, progress included (it resets being stuck).
    stay = np.ones((samples, m), dtype=np.float32)
    # Stall: the future in which the open unit sees no progress. Along it the position is
    # fixed, so reminders and being stuck are determined; idle = P(no progress, employed),
    # gone = P(no progress, then left).
    idle = np.ones((samples, m), dtype=np.float32)
    gone = np.zeros((samples, m), dtype=np.float32)
    paths = {
        "leave": [tile(x) for x in (state.intent, state.triggered, state.ramp, state.workload)],
        "stall": [tile(x) for x in (state.intent, state.triggered, state.ramp, state.workload)],
    }
    stuck = {"leave": tile(state.stuck_days), "stall": tile(state.stuck_days)}
    done = {"leave": tile(state.done_in_milestone), "stall": tile(state.done_in_milestone)}
    for ahead in range(1, LEAVE_HORIZON_DAYS):
        day = state.day + ahead
        weekday = (state.weekday0 + day) % 7 < 5
        for name in ("leave", "stall") if ahead <= STALL_HORIZON_DAYS else ("leave",):
            intent, triggered, ramp, workload = paths[name]
            if day % MILESTONE_DAYS == 0:
                done[name][:] = 0
            p_start = start_probability(p_trigger, stuck[name])
            intent, triggered, ramp = advance_intent(
                rng, intent, triggered, ramp, p_start, ramp_scale
            )
            workload = advance_workload(rng, workload)
            paths[name] = [intent, triggered, ramp, workload]
            h = hazard(intent, p_trigger)
            behind = state.enrolled & behind_pace(day % MILESTONE_DAYS, done[name])
            finished = state.enrolled & (done[name] >= UNITS_PER_MILESTONE)
            reminded = weekday & state.reminded_team & behind
            rush = rushing(day, behind, weekday)
            engaged = mean_engagement(engagement, workload, intent, triggered)
            engaged += rng.standard_normal(engaged.shape, dtype=np.float32) * ENGAGED_NOISE
            touch = p_touch(
                engaged,
                reminded * login_lift + rush * np.float32(DEADLINE_LOGIN_LIFT),
                reminded * units_lift
                + rush * np.float32(DEADLINE_UNITS_LIFT)
                + finished * np.float32(SLACK_UNITS_LIFT),
                weekday,
            )
            if name == "leave":
                touched = rng.random(touch.shape, dtype=np.float32) < touch
                if weekday:
                    stuck[name] = np.where(touched | finished, 0, stuck[name] + 1)
                done[name] += touched
                stay *= 1.0 - h
            else:
                if weekday:
                    stuck[name] = np.where(finished, 0, stuck[name] + 1)
                gone += idle * (1.0 - touch) * h
                idle *= (1.0 - touch) * (1.0 - h)
    p_leave = 1.0 - (1.0 - h0) * stay.mean(axis=0, dtype=np.float64)
    p_stall = h0 + (1.0 - h0) * (idle + gone).mean(axis=0, dtype=np.float64)
    return np.clip(p_leave, 0.0, 1.0), np.clip(p_stall, 0.0, 1.0)
