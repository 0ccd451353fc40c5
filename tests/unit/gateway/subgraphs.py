"""Two tiny federated subgraphs (courses, learners) built inline for gateway tests."""

from __future__ import annotations

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from learnpulse.auth import PRINCIPAL_HEADER, verify_principal

COURSES = {"c1": "Forklift safety", "c2": "Customer care", "c3": "Cold chain"}


@strawberry.federation.type(keys=["id"])
class Course:
    id: strawberry.ID
    title: str

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Course:
        return Course(id=id, title=COURSES[str(id)])


@strawberry.type
class CatalogQuery:
    @strawberry.field
    def course(self, id: strawberry.ID) -> Course | None:
        return Course(id=id, title=COURSES[str(id)]) if str(id) in COURSES else None

    @strawberry.field
    def courses(self, first: int = 10) -> list[Course]:
        return [Course(id=strawberry.ID(k), title=v) for k, v in list(COURSES.items())[:first]]


@strawberry.federation.type(keys=["id"])
class CourseRef:
    id: strawberry.ID


CourseRef.__strawberry_definition__.name = "Course"  # the progress side of the Course entity


@strawberry.type
class Enrollment:
    percent: float
    course: CourseRef


@strawberry.type
class TrajectoryProfile:
    learner_id: str
    tenant_id: str
    hire_date: str


@strawberry.type
class Trajectory:
    profile: TrajectoryProfile
    events: list[str] = strawberry.field(default_factory=list)


@strawberry.federation.type(keys=["id"])
class Learner:
    id: strawberry.ID
    name: str

    @strawberry.field
    def enrollments(self) -> list[Enrollment]:
        return [
            Enrollment(percent=0.5, course=CourseRef(id=strawberry.ID("c1"))),
            Enrollment(percent=1.0, course=CourseRef(id=strawberry.ID("c2"))),
        ]

    @strawberry.field
    def trajectory(self) -> Trajectory:
        return Trajectory(
            profile=TrajectoryProfile(
                learner_id=self.id, tenant_id="demo", hire_date="2026-01-01T00:00:00Z"
            )
        )

    @strawberry.field
    def fails(self) -> str:
        raise ValueError("boom in progress")

    @classmethod
    def resolve_reference(cls, id: strawberry.ID) -> Learner:
        return Learner(id=id, name=f"Learner {id}")


@strawberry.type
class ProgressQuery:
    @strawberry.field
    def learner(self, id: strawberry.ID) -> Learner | None:
        return Learner(id=id, name=f"Learner {id}")

    @strawberry.field
    def team(self) -> list[Learner]:
        return [Learner(id=strawberry.ID(f"l{i}"), name=f"Learner l{i}") for i in range(1, 4)]


catalog_schema = strawberry.federation.Schema(query=CatalogQuery, federation_version="2.9")
progress_schema = strawberry.federation.Schema(
    query=ProgressQuery, types=[CourseRef], federation_version="2.9"
)


def sdl(schema: strawberry.federation.Schema) -> str:
    result = schema.execute_sync("{ _service { sdl } }")
    assert result.data is not None
    return str(result.data["_service"]["sdl"])


def subgraph_app(schema: strawberry.federation.Schema, key: bytes, calls: list[str]) -> Starlette:
    async def endpoint(request: Request) -> JSONResponse:
        verify_principal(request.headers.get(PRINCIPAL_HEADER), key)
        body = await request.json()
        calls.append(body["query"])
        result = await schema.execute(body["query"], variable_values=body.get("variables"))
        payload: dict[str, object] = {"data": result.data}
        if result.errors:
            payload["errors"] = [e.formatted for e in result.errors]
        return JSONResponse(payload)

    return Starlette(routes=[Route("/graphql", endpoint, methods=["POST"])])
