"""Assignment rules: which learning paths a learner profile gets, by when, and whether mandatory.

Plain domain rules; a rule's empty criteria match everyone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class DueFrom(StrEnum):
    HIRE = "hire"
    ENROLMENT = "enrolment"


@dataclass(frozen=True)
class LearnerProfile:
    role: str | None = None
    department: str | None = None
    shift: str | None = None
    location: str | None = None
    hire_date: date | None = None


@dataclass(frozen=True)
class AssignmentRule:
    id: str
    path_id: str
    role: str | None = None
    department: str | None = None
    shift: str | None = None
    location: str | None = None
    hired_from: date | None = None  # inclusive
    hired_until: date | None = None  # inclusive
    due_after_days: int | None = None
    due_from: DueFrom = DueFrom.HIRE
    mandatory: bool = False

    def matches(self, profile: LearnerProfile) -> bool:
        for wanted, actual in (
            (self.role, profile.role),
            (self.department, profile.department),
            (self.shift, profile.shift),
            (self.location, profile.location),
        ):
            if wanted is not None and (actual or "").casefold() != wanted.casefold():
                return False
        if self.hired_from is None and self.hired_until is None:
            return True
        if profile.hire_date is None:
            return False
        after_start = self.hired_from is None or profile.hire_date >= self.hired_from
        return after_start and (self.hired_until is None or profile.hire_date <= self.hired_until)


def _strictness(rule: AssignmentRule) -> tuple[bool, int]:
    # Mandatory before optional, then the earliest due date; no due date sorts last.
    return (not rule.mandatory, rule.due_after_days if rule.due_after_days is not None else 10**9)


def applicable(rules: list[AssignmentRule], profile: LearnerProfile) -> list[AssignmentRule]:
    """One rule per path (the strictest that matches), paths in the order rules were made."""
    chosen: dict[str, AssignmentRule] = {}
    for rule in rules:
        if not rule.matches(profile):
            continue
        current = chosen.get(rule.path_id)
        if current is None or _strictness(rule) < _strictness(current):
            chosen[rule.path_id] = rule
    return list(chosen.values())
