"""The heatmap's pure rules on hand-built data: cell figures, grouping, k-anonymity and the
retakes-versus-on-the-job-checks pattern a manager should be able to see."""

from __future__ import annotations

from progress_helpers import make_learner

from services.progress.heatmap import (
    NO_MANAGER,
    AnalyticsPolicy,
    GroupBy,
    UnitFacts,
    build_heatmap,
    retake_buckets,
)

POLICY = AnalyticsPolicy(min_learners=5, pass_rating=3.0, struggle_retakes=3)


def facts(learner_id: str, unit_id: str = "u-quiz", **overrides: int | bool) -> UnitFacts:
    fields: dict = {"dwell_s": 300, "replays": 0, "attempts": 1, "completed": True}
    return UnitFacts(learner_id=learner_id, unit_id=unit_id, **(fields | overrides))


def team(n: int, prefix: str, **profile: str) -> dict:
    return {f"{prefix}{i}": make_learner(id=f"{prefix}{i}", **profile) for i in range(n)}


def test_a_cell_carries_its_figures_and_the_counts_behind_them() -> None:
    people = team(5, "o", department="Ops")
    rows = [
        facts("o0", dwell_s=100, replays=2, attempts=1, completed=True, answers=4, wrong_answers=1),
        facts("o1", dwell_s=200, replays=0, attempts=3, completed=True, answers=4, wrong_answers=3),
        facts("o2", dwell_s=300, replays=1, attempts=0, completed=False),
        facts("o3", dwell_s=400, replays=0, attempts=6, completed=True, answers=2, wrong_answers=0),
        facts("o4", dwell_s=900, replays=1, attempts=1, completed=False),
    ]
    passed = {"o0": True, "o1": True, "o3": False}

    heatmap = build_heatmap(
        facts=rows,
        learners=people,
        passed=passed,
        expected_minutes={"u-quiz": 5},
        by=GroupBy.DEPARTMENT,
        policy=POLICY,
    )

    (row,) = heatmap.rows
    (cell,) = row.cells
    s = cell.stats
    assert s is not None and cell.group == "Ops"
    assert (s.learners, s.completed, s.completion_rate) == (5, 3, 0.6)
    assert (s.median_dwell_s, s.expected_s, s.dwell_vs_expected) == (300.0, 300, 1.0)
    assert (s.replays, s.replays_per_learner) == (4, 0.8)
    assert (s.answers, s.wrong_answers, s.error_rate) == (10, 4, 0.4)
    assert (s.retakes, s.struggling) == (0 + 2 + 0 + 5 + 0, 1)  # o3: 6 attempts = 5 retakes
    assert (s.rated, s.passed, s.pass_rate) == (3, 2, 2 / 3)


def test_learners_who_retake_quizzes_more_than_three_times_pass_checks_less_often() -> None:
    # 10 strugglers (5 retakes each) of whom 3 pass their check; 10 others of whom 8 pass.
    people = team(10, "s", department="Ops") | team(10, "k", department="Ops")
    rows = [facts(f"s{i}", attempts=6) for i in range(10)]
    rows += [facts(f"k{i}", attempts=1 + i % 2) for i in range(10)]  # 0 or 1 retake
    passed = {f"s{i}": i < 3 for i in range(10)} | {f"k{i}": i < 8 for i in range(10)}

    heatmap = build_heatmap(
        facts=rows,
        learners=people,
        passed=passed,
        expected_minutes={},
        by=GroupBy.DEPARTMENT,
        policy=POLICY,
    )

    everyone = {b.label: b.stats for b in heatmap.retake_buckets}
    most = everyone["more than 3 retakes"]
    assert most is not None and (most.learners, most.rated, most.passed) == (10, 10, 3)
    others = [everyone["no retakes"], everyone["1-3 retakes"]]
    assert all(s is not None for s in others)
    fewer_passed = sum(s.passed for s in others if s)
    fewer_rated = sum(s.rated for s in others if s)
    assert (fewer_rated, fewer_passed) == (10, 8)
    assert most.pass_rate is not None and most.pass_rate < fewer_passed / fewer_rated
    (cell,) = heatmap.rows[0].cells
    assert cell.stats is not None and cell.stats.struggling == 10
    cell_most = {b.label: b.stats for b in cell.retake_buckets}["more than 3 retakes"]
    assert cell_most is not None and cell_most.pass_rate == 0.3


def test_cells_and_buckets_with_fewer_learners_than_the_minimum_show_nothing() -> None:
    people = team(6, "o", department="Ops") | team(4, "x", department="Sales")
    rows = [facts(f"o{i}", attempts=1 if i else 9) for i in range(6)]
    rows += [facts(f"x{i}") for i in range(4)]

    heatmap = build_heatmap(
        facts=rows,
        learners=people,
        passed={"o0": False},
        expected_minutes={},
        by=GroupBy.DEPARTMENT,
        policy=POLICY,
    )

    ops, sales = heatmap.rows[0].cells
    assert (ops.group, ops.suppressed, sales.group, sales.suppressed) == (
        "Ops",
        False,
        "Sales",
        True,
    )
    assert all(b.stats is None for b in sales.retake_buckets)
    by_label = {b.label: b.stats for b in ops.retake_buckets}
    assert by_label["no retakes"] is not None and by_label["no retakes"].learners == 5
    assert by_label["more than 3 retakes"] is None  # only o0: would single them out
    assert [(g.key, g.learners) for g in heatmap.groups] == [("Ops", 6), ("Sales", None)]


def test_groups_by_role_or_team_and_rows_follow_the_path_order() -> None:
    people = team(5, "a", role="Picker", manager_id="mgr-1") | team(
        5, "b", role="Packer", manager_id=None
    )
    rows = [facts(f"a{i}", unit_id="u-2") for i in range(5)]
    rows += [facts(f"b{i}", unit_id="u-9") for i in range(5)]
    rows.append(facts("stranger", unit_id="u-2"))  # not in scope: ignored

    by_team = build_heatmap(
        facts=rows,
        learners=people,
        passed={},
        expected_minutes={},
        by=GroupBy.TEAM,
        policy=POLICY,
        unit_order=("u-1", "u-2"),
    )
    by_role = build_heatmap(
        facts=rows, learners=people, passed={}, expected_minutes={}, by=GroupBy.ROLE, policy=POLICY
    )

    assert [g.key for g in by_team.groups] == [NO_MANAGER, "mgr-1"]
    assert [r.unit_id for r in by_team.rows] == ["u-1", "u-2", "u-9"]
    untouched = by_team.rows[0].cells
    assert all(c.suppressed for c in untouched)  # nobody started u-1
    mgr_cell = by_team.rows[1].cells[1]
    assert mgr_cell.stats is not None and mgr_cell.stats.learners == 5
    assert [g.key for g in by_role.groups] == ["Packer", "Picker"]


def test_retake_buckets_follow_the_struggle_threshold() -> None:
    retakes = {f"l{i}": i for i in range(7)}  # 0..6 retakes, one learner each
    policy = AnalyticsPolicy(min_learners=1, struggle_retakes=1)

    buckets = retake_buckets(retakes, {"l6": True, "l0": False}, policy)

    assert [(b.label, b.min_retakes, b.max_retakes) for b in buckets] == [
        ("no retakes", 0, 0),
        ("1 retake", 1, 1),
        ("more than 1 retakes", 2, None),
    ]
    stats = [b.stats for b in buckets]
    assert [(s.learners, s.rated, s.passed) for s in stats if s] == [
        (1, 1, 0),
        (1, 0, 0),
        (5, 1, 1),
    ]
