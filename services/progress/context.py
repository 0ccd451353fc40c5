"""Per-request state for progress resolvers: the caller, the store and batched loaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from strawberry.dataloader import DataLoader

from learnpulse.auth import Principal
from services.progress.analytics import AnalyticsConfig
from services.progress.assessments import LatestRisk
from services.progress.catalog_client import Catalog
from services.progress.clock import Clock, SystemClock
from services.progress.completion import CourseCompletion, UnitCompletion
from services.progress.completion_queries import course_completions, unit_completions
from services.progress.completion_store import CompletionStore
from services.progress.domain import (
    CourseFacts,
    CurrentMilestone,
    Enrollment,
    Learner,
    PathOutline,
)
from services.progress.milestone_context import MilestoneSource, reminders_on
from services.progress.notifier import Notifier
from services.progress.outbox import load_policy
from services.progress.risk_queries import latest_loader
from services.progress.snapshot import path_facts
from services.progress.store import ProgressStore


@dataclass
class Context:
    """Built once per request; loaders are per request so their caches never cross tenants."""

    principal: Principal
    store: ProgressStore
    catalog: Catalog | None = None  # only mutations that enroll new hires need it
    clock: Clock = field(default_factory=SystemClock)
    analytics: AnalyticsConfig = field(default_factory=AnalyticsConfig)  # heatmap, ROI rules
    notifier: Notifier | None = None  # policy defaults and webhook client (sweeps, settings)
    learner: DataLoader[str, Learner | None] = field(init=False)
    enrollments: DataLoader[str, list[Enrollment]] = field(init=False)
    outline: DataLoader[str, PathOutline | None] = field(init=False)
    facts: DataLoader[str, dict[str, CourseFacts]] = field(init=False)
    latest_risk: DataLoader[str, LatestRisk | None] = field(init=False)
    milestone: DataLoader[str, CurrentMilestone | None] = field(init=False)  # as risk sweeps
    course_completion: DataLoader[str, CourseCompletion] = field(init=False)
    unit_completion: DataLoader[str, UnitCompletion] = field(init=False)

    def __post_init__(self) -> None:
        store, tenant = self.store, self.principal.tenant

        async def learners(ids: list[str]) -> list[Learner | None]:
            found = await store.learners_by_ids(tenant=tenant, ids=ids)
            return [found.get(i) for i in ids]

        async def enrollments(ids: list[str]) -> list[list[Enrollment]]:
            found = await store.enrollments_of(tenant=tenant, learner_ids=ids)
            return [found.get(i, []) for i in ids]

        async def outlines(path_ids: list[str]) -> list[PathOutline | None]:
            found = await store.outlines_of(tenant=tenant, path_ids=path_ids)
            return [found.get(i) for i in path_ids]

        async def facts(ids: list[str]) -> list[dict[str, CourseFacts]]:
            found = await store.course_facts(tenant=tenant, learner_ids=ids)
            return [found.get(i, {}) for i in ids]

        self.learner = DataLoader(learners)
        self.enrollments = DataLoader(enrollments)
        self.outline = DataLoader(outlines)
        self.facts = DataLoader(facts)
        self.latest_risk = DataLoader(latest_loader(store, tenant, self.clock))

        async def milestones(ids: list[str]) -> list[CurrentMilestone | None]:
            notifier = self.notifier
            policy = (
                await load_policy(store=store, tenant=tenant, defaults=notifier.defaults)
                if notifier is not None
                else None
            )
            source = MilestoneSource(
                store=store,
                tenant=tenant,
                catalog=path_facts(self.catalog),
                reminders=reminders_on(policy) if policy is not None else None,
            )
            # the real time, as `Learner.trajectory` reads events and the gateway scores
            found = await source.current(ids, datetime.now(UTC))
            return [found.get(i) for i in ids]

        self.milestone = DataLoader(milestones)
        principal = self.principal

        async def courses(ids: list[str]) -> list[CourseCompletion]:
            stats = CompletionStore.beside(store)
            return await course_completions(stats=stats, principal=principal, course_ids=ids)

        async def units(ids: list[str]) -> list[UnitCompletion]:
            stats = CompletionStore.beside(store)
            return await unit_completions(stats=stats, principal=principal, unit_ids=ids)

        self.course_completion = DataLoader(courses)
        self.unit_completion = DataLoader(units)

    @property
    def tenant(self) -> str:
        return self.principal.tenant
