"""What publishing checks: errors that block it and warnings that only inform the author.

Pure rules over domain objects; each finding names the field by its path, e.g.
`units[2].expectedMinutes` (0-based, in the order a learner takes the units).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.catalog.domain import Question, QuestionKind, Quiz, Unit, UnitKind

NORM_MINUTES = (3, 7)


@dataclass(frozen=True)
class Finding:
    field: str
    message: str
    unit_id: str | None = None


def blocking(units: list[Unit]) -> list[Finding]:
    """Everything that keeps a course from being published; empty when it may be."""
    if not units:
        return [Finding("units", "a course needs at least one unit before it is published")]
    found: list[Finding] = []
    for i, unit in enumerate(units):
        at = f"units[{i}]"
        if unit.expected_minutes is None or unit.expected_minutes <= 0:
            found.append(
                Finding(f"{at}.expectedMinutes", f"unit '{unit.title}' has no duration", unit.id)
            )
        if unit.kind is UnitKind.QUIZ and unit.quiz is None:
            found.append(
                Finding(f"{at}.quiz", f"quiz unit '{unit.title}' has no quiz attached", unit.id)
            )
        if unit.quiz is not None:
            found += [
                Finding(f"{at}.quiz.{path}", f"unit '{unit.title}': {message}", unit.id)
                for path, message in _quiz_problems(unit.quiz)
            ]
    return found


def advisory(units: list[Unit]) -> list[Finding]:
    """Departures from the 3-7 minute norm: reported, never refused."""
    low, high = NORM_MINUTES
    return [
        Finding(
            f"units[{i}].expectedMinutes",
            f"unit '{u.title}' takes {u.expected_minutes} minutes; {low}-{high} is the norm",
            u.id,
        )
        for i, u in enumerate(units)
        if u.expected_minutes is not None and not low <= u.expected_minutes <= high
    ]


def _quiz_problems(quiz: Quiz) -> list[tuple[str, str]]:
    if not quiz.questions:
        return [("questions", "the quiz has no questions")]
    found = []
    for i, question in enumerate(quiz.questions):
        problem = _unanswerable(question)
        if problem:
            found.append((f"questions[{i}].options", f"question '{question.prompt}' {problem}"))
    return found


def _unanswerable(question: Question) -> str | None:
    correct = sum(option.correct for option in question.options)
    if correct == 0:
        return "has no correct option"
    if question.kind is QuestionKind.SINGLE_CHOICE and correct != 1:
        return f"is single-choice but has {correct} correct options"
    return None
