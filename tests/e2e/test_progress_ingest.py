"""Learning records end to end: real catalog, progress and gateway processes on loopback ports.

A partner's xAPI statements (batches, retries, voiding) reach the learner's progress at the
gateway within a second; roster upserts through the gateway enrol a new hire by the catalog's
rules; tokens see only their scope.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from learnpulse.auth import mint_token, principal_for
from learnpulse.settings import ensure_secret

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Services:
    def __init__(self, state: Path) -> None:
        self.state = state
        self.ports = {name: free_port() for name in ("catalog", "progress", "gateway")}

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def token(self, sub: str, *roles: str, reports: tuple[str, ...] = ()) -> str:
        secret = ensure_secret(self.state / "jwt.key")
        return mint_token(principal_for("demo", sub, roles, reports), secret=secret)

    def ask(self, token: str, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url('gateway')}/graphql",
            json={"query": query, "variables": variables},
            headers={"authorization": f"Bearer {token}"},
            timeout=30,
        )
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    state = tmp_path_factory.mktemp("progress-e2e")
    running = Services(state)
    env = os.environ | {"LEARNPULSE_STATE_DIR": str(state), "LEARNPULSE_SEED_DEMO": "1"}
    env |= {f"LEARNPULSE_{n.upper()}_PORT": str(p) for n, p in running.ports.items()}
    env |= {"LEARNPULSE_RISK_PORT": str(free_port())}  # nothing listens: no risk fields asked
    ensure_secret(state / "jwt.key"), ensure_secret(state / "internal.key")
    procs = []
    try:
        for name in ("catalog", "progress", "gateway"):
            with (state / f"{name}.log").open("wb") as log:
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "learnpulse.cli", name, "serve"], cwd=ROOT, env=env,
                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                ))  # fmt: skip
        for name, proc in zip(("catalog", "progress", "gateway"), procs, strict=True):
            _wait_ready(f"{running.url(name)}/healthz", proc)
        yield running
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=15)


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{url}: the process exited"
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {timeout_s} s")


def xapi_client(services: Services) -> dict[str, str]:
    hr = services.token("hr-1", "hr_admin")
    made = services.ask(hr, 'mutation { createXapiCredential(name: "lms") { key secret } }')
    made = made["data"]["createXapiCredential"]
    basic = base64.b64encode(f"{made['key']}:{made['secret']}".encode()).decode()
    return {"Authorization": f"Basic {basic}", "X-Experience-API-Version": "2.0.0"}


def statement(unit: str, verb: str = COMPLETED, **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "actor": {"account": {"homePage": "https://hr.example", "name": "lrn-2"}},
        "verb": {"id": verb},
        "object": {"id": f"https://lms.example/units/{unit}"},
        "context": {"contextActivities": {"parent": [{"id": "https://lms.example/courses/c-privacy"}]}},
        "timestamp": "2026-12-03T09:30:00+01:00",
    } | extra  # fmt: skip


PROGRESS = """query ($id: ID!) { learner(id: $id) {
  units { unit { id } status bestScore }
  enrollments { pathId progress milestones { title completed } }
} }"""


def test_partner_statements_show_in_progress_at_the_gateway_within_a_second(
    services: Services,
) -> None:
    headers = xapi_client(services)
    manager = services.token("mgr-1", "manager", reports=("lrn-1", "lrn-2", "lrn-3", "lrn-4"))
    batch = [
        statement("u-privacy-1", result={"score": {"scaled": 0.8}, "success": True}),
        statement("u-privacy-2"),
        statement("u-privacy-3"),
    ]
    xapi = f"{services.url('progress')}/xapi/statements"

    posted = httpx.post(xapi, json=batch, headers=headers)
    retried = httpx.post(xapi, json=batch, headers=headers)
    started = time.monotonic()
    body = services.ask(manager, PROGRESS, id="lrn-2")
    answered_in = time.monotonic() - started

    assert (posted.status_code, retried.status_code) == (200, 200)
    units = {u["unit"]["id"]: u for u in body["data"]["learner"]["units"]}
    assert units["u-privacy-1"] == {"unit": {"id": "u-privacy-1"}, "status": "completed",
                                    "bestScore": 0.8}  # fmt: skip
    onboarding = next(e for e in body["data"]["learner"]["enrollments"]
                      if e["pathId"] == "p-onboarding")  # fmt: skip
    assert [m["completed"] for m in onboarding["milestones"]][1] is True  # privacy milestone
    assert answered_in < 1.0

    voiding = statement("x", verb="http://adlnet.gov/expapi/verbs/voided",
                        object={"objectType": "StatementRef", "id": batch[2]["id"]})  # fmt: skip
    del voiding["context"]
    assert httpx.post(xapi, json=voiding, headers=headers).status_code == 200
    after = services.ask(manager, PROGRESS, id="lrn-2")["data"]["learner"]
    assert "u-privacy-3" not in {
        u["unit"]["id"] for u in after["units"] if u["status"] == "completed"
    }


def test_an_invalid_batch_stores_nothing(services: Services) -> None:
    headers = xapi_client(services)
    good, bad = statement("u-safety-1"), statement("u-safety-2", verb="completed")
    xapi = f"{services.url('progress')}/xapi/statements"

    refused = httpx.post(xapi, json=[good, bad], headers=headers)
    lookup = httpx.get(xapi, params={"statementId": good["id"]}, headers=headers)

    assert (refused.status_code, refused.json()["field"]) == (400, "statements[1].verb.id")
    assert lookup.status_code == 404


def test_tokens_see_only_their_scope(services: Services) -> None:
    manager = services.token("mgr-1", "manager", reports=("lrn-1", "lrn-2"))
    learner = services.token("lrn-1", "learner")

    reports = services.ask(manager, "{ team { edges { node { id } } } }")
    other = services.ask(manager, PROGRESS, id="lrn-3")
    myself = services.ask(learner, PROGRESS, id="lrn-1")
    colleague = services.ask(learner, PROGRESS, id="lrn-2")

    assert {e["node"]["id"] for e in reports["data"]["team"]["edges"]} == {"lrn-1", "lrn-2"}
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert myself["data"]["learner"]["enrollments"]
    assert colleague["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_new_hire_pushed_through_the_gateway_is_enrolled_by_the_catalogs_rules(
    services: Services,
) -> None:
    hr = services.token("hr-1", "hr_admin")
    rule = services.ask(
        hr,
        """mutation { createAssignmentRule(input: {pathId: "p-onboarding", mandatory: true,
        role: "Forklift Driver", dueAfterDays: 10, dueFrom: ENROLMENT}) { id } }""",
    )
    assert "errors" not in rule, rule
    upsert = """mutation ($learners: [LearnerInput!]!) {
      upsertLearners(learners: $learners) { created enrolled } }"""
    hire = {"id": "lrn-new", "name": "Nia Okafor", "role": "Forklift Driver",
            "department": "Operations", "shift": "day", "location": "Leeds DC",
            "managerId": "mgr-1", "hireDate": "2026-12-01"}  # fmt: skip

    body = services.ask(hr, upsert, learners=[hire])
    enrolled = services.ask(hr, PROGRESS, id="lrn-new")

    assert body["data"]["upsertLearners"] == {"created": 1, "enrolled": ["lrn-new:p-onboarding"]}
    assert [e["pathId"] for e in enrolled["data"]["learner"]["enrollments"]] == ["p-onboarding"]
