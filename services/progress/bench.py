"""`learnpulse bench ingest`: synthetic xAPI statements in batches of 100, posted over HTTP to a
progress service started for the run (memory store); statements per second, p95 per batch,
and a check that unit progress is current when the last batch returns.

Peers are published figures, not measured here: Learning Locker about 1,000 statements a
minute on 2 CPUs, a commercial LRS about 3,000 a second on 16 vCPUs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from learnpulse.auth import PRINCIPAL_HEADER, principal_for, sign_principal
from services.progress.normalise import from_statement
from services.progress.tracking import unit_deltas
from services.progress.xapi import check_statement

PEERS = {  # statements per second, as published
    "learning_locker_2cpu": 1000 / 60,
    "commercial_lrs_16vcpu": 3000.0,
}
TARGET = 3000.0
KEY = b"bench-internal-key"
HR = principal_for("demo", "hr-1", ["hr_admin"])
PROBE = "lrn-2"  # a seeded demo learner with enrollments; every 10th statement is theirs
COURSES = "https://lms.bench/courses/"
VERBS = ["launched", "progressed", "progressed", "answered", "answered", "completed", "passed"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _statement(rng: random.Random, i: int, learners: int, units: int) -> dict[str, Any]:
    verb = rng.choice(VERBS)
    result: dict[str, Any] = {"duration": f"PT{rng.randint(20, 400)}S"}
    if verb in ("answered", "passed"):
        result |= {"success": verb == "passed" or rng.random() < 0.7, "response": "b"}
        result["score"] = {"scaled": round(rng.random(), 2)}
    unit = rng.randrange(units)
    learner = PROBE if i % 10 == 0 else f"b-{rng.randrange(learners)}"
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128))),
        "actor": {"account": {"homePage": "https://hr.bench", "name": learner}},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
        "object": {"id": f"https://lms.bench/units/u-{unit}", "objectType": "Activity"},
        "context": {"contextActivities": {"parent": [{"id": f"{COURSES}c-{unit // 5}"}]}},
        "result": result,
        "timestamp": (datetime(2026, 11, 1, tzinfo=UTC) + timedelta(seconds=i)).isoformat(),
    }  # fmt: skip


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process so far (Linux /proc), None where unavailable."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _wait_ready(url: str, proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the progress service exited during start-up")
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the progress service did not become ready")


def _credential(client: httpx.Client) -> dict[str, str]:
    mutation = 'mutation { createXapiCredential(name: "bench") { key secret } }'
    headers = {PRINCIPAL_HEADER: sign_principal(HR, KEY)}
    made = client.post("/graphql", json={"query": mutation}, headers=headers).json()
    made = made["data"]["createXapiCredential"]
    basic = base64.b64encode(f"{made['key']}:{made['secret']}".encode()).decode()
    return {"Authorization": f"Basic {basic}", "X-Experience-API-Version": "2.0.0"}


def _completed_units(client: httpx.Client) -> set[str]:
    query = f'{{ learner(id: "{PROBE}") {{ units {{ unit {{ id }} status }} }} }}'
    headers = {PRINCIPAL_HEADER: sign_principal(HR, KEY)}
    body = client.post("/graphql", json={"query": query}, headers=headers).json()
    units = body["data"]["learner"]["units"]
    return {u["unit"]["id"] for u in units if u["status"] == "completed"}


def pipeline_rate(rows: list[dict[str, Any]]) -> float:
    """Statements per second of our own per-statement work (validate, normalise, fold into unit
    deltas) without HTTP or a store: the ceiling the service's code puts on ingest."""
    now = datetime.now(UTC)
    started = time.perf_counter()
    events = []
    for i, row in enumerate(rows):
        checked = check_statement(row, f"statements[{i}]")
        event = from_statement(checked, stored=now)
        if event is not None:
            events.append(event)
    unit_deltas(events)
    return len(rows) / (time.perf_counter() - started)


def run(
    *, statements: int, batch: int, learners: int, units: int, mongo_url: str = "memory://"
) -> dict[str, Any]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = os.environ | {
        "LEARNPULSE_MONGO_URL": mongo_url,
        "LEARNPULSE_SEED_DEMO": "true",
        "LEARNPULSE_INTERNAL_SECRET": KEY.decode(),
        "LEARNPULSE_LOG_LEVEL": "WARNING",
        "LEARNPULSE_STATE_DIR": tempfile.mkdtemp(prefix="lp-bench-"),
    }
    cmd = [sys.executable, "-m", "learnpulse.cli", "progress", "serve", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    try:
        _wait_ready(url, proc)
        rng = random.Random(42)
        rows = [_statement(rng, i, learners, units) for i in range(statements)]
        with httpx.Client(base_url=url, timeout=60.0) as client:
            headers = _credential(client) | {"content-type": "application/json"}
            seeded = mongo_url.startswith("memory://")  # the probe learner exists only there
            expected = _completed_units(client) if seeded else set()
            bodies = [json.dumps(rows[i : i + batch]) for i in range(0, len(rows), batch)]
            latencies = []
            cpu_before = _cpu_seconds(proc.pid)
            started = time.perf_counter()
            for n, body in enumerate(bodies):
                t0 = time.perf_counter()
                response = client.post("/xapi/statements", content=body, headers=headers)
                latencies.append(time.perf_counter() - t0)
                if response.status_code != 200:
                    raise RuntimeError(f"batch {n}: HTTP {response.status_code} {response.text}")
                if n % 10 == 0:
                    print(f"batch {n + 1}/{len(bodies)}", file=sys.stderr)
            elapsed = time.perf_counter() - started
            cpu_after = _cpu_seconds(proc.pid)
            for row in rows:
                finished = row["verb"]["id"].endswith(("/completed", "/passed"))
                if finished and row["actor"]["account"]["name"] == PROBE:
                    expected.add(row["object"]["id"].rsplit("/", 1)[-1])
            current = _completed_units(client) == expected if seeded else None
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    rate = statements / elapsed
    # The service's own CPU time: on a shared machine, far steadier than wall-clock rates.
    server_cpu = None
    if cpu_before is not None and cpu_after is not None:
        server_cpu = cpu_after - cpu_before
    own = pipeline_rate(rows)
    tenth = max(1, len(latencies) // 10)
    quantiles = statistics.quantiles(latencies, n=20) if len(latencies) > 1 else latencies * 19
    return {
        "statements": statements,
        "batch_size": batch,
        "batches": len(latencies),
        "seconds": round(elapsed, 3),
        "statements_per_s": round(rate, 1),
        "p50_batch_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_batch_ms": round(quantiles[18] * 1000, 1),
        "first_batches_p50_ms": round(statistics.median(latencies[:tenth]) * 1000, 1),
        "last_batches_p50_ms": round(statistics.median(latencies[-tenth:]) * 1000, 1),
        "progress_current": current,
        "server_cpu_s": round(server_cpu, 2) if server_cpu is not None else None,
        "statements_per_server_cpu_s": round(statements / server_cpu, 1) if server_cpu else None,
        "pipeline_only_statements_per_s": round(own, 1),
        "store": "memory:// (pymongo-async-mock)" if seeded else mongo_url.split("@")[-1],
        "target_statements_per_s": TARGET,
        "meets_target": rate >= TARGET,
        "published_peers_statements_per_s": {k: round(v, 1) for k, v in PEERS.items()},
        "ratio_to_published": {k: round(rate / v, 2) for k, v in PEERS.items()},
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="learnpulse bench ingest", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--statements", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--units", type=int, default=100)
    parser.add_argument("--mongo-url", default="memory://", help="a mongodb:// URL to measure")
    args = parser.parse_args(argv)
    result = run(statements=args.statements, batch=args.batch, learners=args.learners,
                 units=args.units, mongo_url=args.mongo_url)  # fmt: skip
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:34} {value}")
    return 0
