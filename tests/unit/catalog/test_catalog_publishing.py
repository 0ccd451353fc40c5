"""The publishing rules on their own: what blocks a course and what only warns its author."""

from __future__ import annotations

import pytest
from catalog_helpers import make_unit

from services.catalog.domain import Option, Question, QuestionKind, Quiz, UnitKind
from services.catalog.publishing import advisory, blocking


def question(kind: QuestionKind, *correct: bool) -> Question:
    return Question("q1", "Pick", kind, tuple(Option(f"o{i}", c) for i, c in enumerate(correct)))


@pytest.mark.parametrize(
    ("q", "problem"),
    [
        (question(QuestionKind.SINGLE_CHOICE, True, False), None),
        (question(QuestionKind.MULTIPLE_CHOICE, True, True, False), None),
        (question(QuestionKind.SINGLE_CHOICE, True, True), "has 2 correct options"),
        (question(QuestionKind.MULTIPLE_CHOICE, False, False), "has no correct option"),
    ],
)
def test_every_quiz_question_must_be_answerable(q: Question, problem: str | None) -> None:
    unit = make_unit(kind=UnitKind.QUIZ, quiz=Quiz((q,)))

    found = blocking([make_unit(id="u-0"), unit])

    if problem is None:
        assert found == []
    else:
        [finding] = found
        assert finding.field == "units[1].quiz.questions[0].options"
        assert finding.unit_id == "u-test-1"
        assert problem in finding.message


def test_a_quiz_unit_without_a_quiz_or_duration_is_named_twice() -> None:
    found = blocking([make_unit(kind=UnitKind.QUIZ, expected_minutes=None)])

    assert [f.field for f in found] == ["units[0].expectedMinutes", "units[0].quiz"]


@pytest.mark.parametrize(("minutes", "warned"), [(2, True), (3, False), (7, False), (8, True)])
def test_the_three_to_seven_minute_norm_only_warns(minutes: int, warned: bool) -> None:
    units = [make_unit(expected_minutes=minutes)]

    assert blocking(units) == []
    assert [f.field for f in advisory(units)] == (["units[0].expectedMinutes"] if warned else [])
