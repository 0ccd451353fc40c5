"""The alert when a sweep finds a learner's risk band moved up: one outbox notification to their
manager (HR when they have none), with the moves, the reasons and the models that scored them.
"""

from __future__ import annotations

from datetime import datetime

from services.progress import outbox
from services.progress.assessments import Assessment, BandMove
from services.progress.domain import Learner
from services.progress.notices import HR_RECIPIENT, NoticeKind
from services.progress.store import ProgressStore


async def alert_band_up(
    store: ProgressStore,
    tenant: str,
    who: Learner,
    assessment: Assessment,
    moves: list[BandMove],
    now: datetime,
) -> int:
    """One outbox notification to the learner's manager (HR when they have none)."""
    recipient, role = (who.manager_id, "manager") if who.manager_id else (HR_RECIPIENT, "hr_admin")
    what = "; ".join(
        f"{m.target} risk {m.before.value} -> {m.after.value} ({m.probability:.0%})" for m in moves
    )
    reasons = _reasons(assessment, moves)
    body = f"{who.name} moved up a risk band: {what}."
    if reasons:
        body += " Reasons: " + "; ".join(str(f["label"]) for f in reasons) + "."
    created = await outbox.enqueue(
        store=store,
        tenant=tenant,
        recipient_id=recipient,
        recipient_role=role,
        kind=NoticeKind.RISK_BAND_UP.value,
        dedupe_key=f"risk.band_up:{who.id}:{assessment.id}",
        subject=f"{who.name}: {moves[-1].target} risk now {moves[-1].after.value}",
        body=body,
        data={
            "learner_id": who.id,
            "assessment_id": assessment.id,
            "as_of": assessment.as_of.isoformat(),
            "moves": [
                {
                    "target": m.target,
                    "from": m.before.value,
                    "to": m.after.value,
                    "probability": m.probability,
                }
                for m in moves
            ],
            "factors": reasons,
            "models": {
                m.target: {
                    "name": getattr(assessment, m.target).model.name,
                    "version": getattr(assessment, m.target).model.version,
                }
                for m in moves
            },
        },
        now=now,
        learner_id=who.id,
    )
    return int(created)


def _reasons(assessment: Assessment, moves: list[BandMove]) -> list[dict[str, object]]:
    """The factors that raise the moved estimates, largest first (the alert's "why")."""
    seen: dict[str, dict[str, object]] = {}
    for m in moves:
        for f in getattr(assessment, m.target).factors:
            if f.direction.value == "raises" and f.name not in seen:
                seen[f.name] = {
                    "target": m.target,
                    "name": f.name,
                    "label": f.label,
                    "contribution": f.contribution,
                }
    return sorted(seen.values(), key=lambda f: -float(f["contribution"]))[:5]  # type: ignore[arg-type]
