"""The first vertical slice, end to end: real processes on loopback ports.

MLflow server, model training and registration, catalog, progress, risk and the gateway all
run as `learnpulse up` runs them; one GraphQL query returns data from all three services.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from learnpulse.auth import mint_token, principal_for
from learnpulse.settings import StackSettings, ensure_secret
from learnpulse.stack import Stack

pytestmark = pytest.mark.e2e

SLICE = """
query Slice($id: ID!) {
  learner(id: $id) {
    id
    name
    enrollments {
      progress
      courses { percent course { id title } }
    }
    risk {
      attrition { probability band model { name version alias } }
      stall { probability band model { name version } }
    }
  }
}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackSettings]:
    state = tmp_path_factory.mktemp("state")
    settings = StackSettings(
        state_dir=state,
        gateway_port=free_port(),
        catalog_port=free_port(),
        progress_port=free_port(),
        risk_port=free_port(),
        mlflow_port=free_port(),
    )
    running = Stack(settings, say=lambda _: None)
    try:
        running.start()
        yield settings
    finally:
        running.stop()


def ask(
    settings: StackSettings, query: str, token: str | None, **variables: object
) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        f"http://127.0.0.1:{settings.gateway_port}/graphql",
        headers=headers,
        json={"query": query, "variables": variables},
        timeout=30,
    )


def token(
    settings: StackSettings, *roles: str, sub: str = "mgr-1", reports: tuple[str, ...] = ()
) -> str:
    secret = ensure_secret(Path(settings.state_dir) / "jwt.key")
    return mint_token(principal_for("demo", sub, roles, reports), secret=secret)


def test_slice_query_returns_data_from_all_three_services(stack: StackSettings) -> None:
    manager = token(stack, "manager", reports=("lrn-1", "lrn-2", "lrn-3", "lrn-4"))
    body = ask(stack, SLICE, manager, id="lrn-1").json()
    assert "errors" not in body, body
    learner = body["data"]["learner"]
    assert learner["id"] == "lrn-1" and learner["name"]  # progress subgraph
    courses = [c for e in learner["enrollments"] for c in e["courses"]]
    assert courses and all(c["course"]["title"] for c in courses)  # catalog, via an entity jump
    attrition = learner["risk"]["attrition"]  # risk service over gRPC, model from MLflow
    assert 0.0 <= attrition["probability"] <= 1.0
    assert attrition["band"] in {"LOW", "MEDIUM", "HIGH"}
    assert attrition["model"]["name"] == "learnpulse-attrition"
    assert attrition["model"]["alias"] == "champion" and attrition["model"]["version"].isdigit()


def test_same_query_without_a_token_is_unauthenticated(stack: StackSettings) -> None:
    resp = ask(stack, SLICE, None, id="lrn-1")
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_risk_is_hidden_from_a_learner_but_their_progress_is_not(stack: StackSettings) -> None:
    learner = token(stack, "learner", sub="lrn-1")
    body = ask(stack, SLICE, learner, id="lrn-1").json()
    assert body["data"]["learner"]["name"]
    assert body["data"]["learner"]["risk"] is None
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["learner", "risk"]


def test_another_tenant_sees_nothing_of_demo(stack: StackSettings) -> None:
    secret = ensure_secret(Path(stack.state_dir) / "jwt.key")
    outsider = mint_token(principal_for("acme", "hr-9", ["hr_admin"]), secret=secret)
    body = ask(stack, SLICE, outsider, id="lrn-1").json()
    assert body["data"]["learner"] is None
    assert body["errors"][0]["extensions"]["code"] in {"NOT_FOUND", "FORBIDDEN"}
