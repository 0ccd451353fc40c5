"""GraphQL views of stored risk assessments. The value types are `@shareable`: the gateway's risk
source returns the same `RiskAssessment` for `Learner.risk` (scored live, or this service's last
stored one marked `stale` when the risk service is down).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from learnpulse.paging import encode_cursor
from services.progress import assessments
from services.progress.assessments import FactorDirection, RiskBand

if TYPE_CHECKING:
    from services.progress.schema import PageInfo

strawberry.enum(RiskBand)
strawberry.enum(FactorDirection)


@strawberry.federation.type(shareable=True, description="Which registered model version scored.")
class ModelRef:
    name: str
    version: str
    alias: str


@strawberry.federation.type(shareable=True)
class RiskFactor:
    name: str
    label: str
    direction: FactorDirection
    contribution: float


@strawberry.federation.type(shareable=True)
class RiskEstimate:
    probability: float
    band: RiskBand
    factors: list[RiskFactor]
    model: ModelRef

    @classmethod
    def from_domain(cls, e: assessments.Estimate) -> RiskEstimate:
        return cls(
            probability=e.probability,
            band=e.band,
            factors=[
                RiskFactor(
                    name=f.name, label=f.label, direction=f.direction, contribution=f.contribution
                )
                for f in e.factors
            ],
            model=ModelRef(name=e.model.name, version=e.model.version, alias=e.model.alias),
        )


@strawberry.federation.type(shareable=True)
class RiskAssessment:
    as_of: datetime
    attrition: RiskEstimate = strawberry.field(description="Leaving within 14 days.")
    stall: RiskEstimate = strawberry.field(description="No progress for the next 7 days.")
    stale: bool = strawberry.field(
        description="True when this is not a current score: newer activity is not scored yet "
        "(or could not be: the risk service is down), or no daily sweep reached the learner "
        "for 36 hours. Entries of riskHistory are records as of their asOf and never stale."
    )

    @classmethod
    def from_domain(cls, a: assessments.Assessment, *, stale: bool = False) -> RiskAssessment:
        return cls(
            as_of=a.as_of,
            attrition=RiskEstimate.from_domain(a.attrition),
            stall=RiskEstimate.from_domain(a.stall),
            stale=stale,
        )


@strawberry.type
class RiskAssessmentEdge:
    cursor: str
    node: RiskAssessment


@strawberry.type(description="A learner's stored assessments, newest first.")
class RiskAssessmentConnection:
    edges: list[RiskAssessmentEdge]
    page_info: Annotated[PageInfo, strawberry.lazy("services.progress.schema")]
    total_count: int

    @classmethod
    def from_domain(cls, page: assessments.AssessmentPage) -> RiskAssessmentConnection:
        from services.progress.schema import PageInfo

        edges = [
            RiskAssessmentEdge(cursor=encode_cursor(a.id), node=RiskAssessment.from_domain(a))
            for a in page.items
        ]
        end = edges[-1].cursor if edges else None
        return cls(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=end),
            total_count=page.total,
        )
