"""Who may read whose progress, within the caller's tenant.

A learner sees themself; a manager sees themself and their reports; an HR admin sees the
whole tenant; other roles see no one. Trajectories (what the risk service scores) and stored
risk scores are for the learner's managers and HR admins only, not for the learner.
"""

from __future__ import annotations

from learnpulse.auth import Principal
from services.progress.errors import Forbidden


def can_view(principal: Principal, learner_id: str) -> bool:
    if principal.has("hr_admin"):
        return True
    if principal.has("manager") and learner_id in principal.reports:
        return True
    return principal.has("learner", "manager") and learner_id == principal.subject


def check_can_view(principal: Principal, learner_id: str) -> None:
    if not can_view(principal, learner_id):
        raise Forbidden(f"you may not see learner {learner_id!r}")


def check_can_view_trajectory(principal: Principal, learner_id: str) -> None:
    manages = principal.has("manager") and learner_id in principal.reports
    if not (manages or principal.has("hr_admin")):
        raise Forbidden(
            f"only learner {learner_id!r}'s managers and HR admins may see their trajectory"
        )


def team_scope(principal: Principal) -> frozenset[str] | None:
    """The learner ids `team` lists: a manager's reports, or None for the whole tenant."""
    if principal.has("hr_admin"):
        return None
    if principal.has("manager"):
        return principal.reports
    raise Forbidden("only managers and HR admins have a team")


def check_can_view_risk(principal: Principal, learner_id: str) -> None:
    """Risk scores are for the learner's own managers and HR admins: not the learner, not
    other managers."""
    manages = principal.has("manager") and learner_id in principal.reports
    if not (manages or principal.has("hr_admin")):
        raise Forbidden("risk scores are visible only to the learner's managers and HR")
