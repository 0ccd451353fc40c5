"""`learnpulse bench gateway`: the same query mix, at the same concurrency, through the subgraphs
directly (the floor), our gateway, and Hive Gateway; requests per second, p50 and p99, ratios.

The load generator runs in its own process (`--load`), so it never shares a loop with a gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from gateway.testbed import Testbed
from learnpulse.auth import PRINCIPAL_HEADER, principal_for, sign_principal

MANAGER = principal_for("demo", "mgr-1", ["manager"], ["lrn-1", "lrn-2", "lrn-3", "lrn-4"])
ONE_JUMP = "one-jump"
TARGETS = ("direct", "gateway", "gateway_unshared", "hive")
# name -> (gateway query, direct steps: (subgraph, query, entity type or None))
# ruff: noqa: E501
MIX: dict[str, tuple[str, list[tuple[str, str, str | None]]]] = {
    ONE_JUMP: (
        '{ learner(id: "lrn-1") { name enrollments { pathId path { id title } } } }',
        [
            ("progress", '{ learner(id: "lrn-1") { name enrollments { pathId path { id } } } }', None),
            ("catalog", "... on LearningPath { id title }", "LearningPath"),
        ],
    ),
    "course-jump": (
        '{ learner(id: "lrn-1") { name enrollments { courses { percent course { id title } } } } }',
        [
            ("progress", '{ learner(id: "lrn-1") { name enrollments { courses { percent course { id } } } } }', None),
            ("catalog", "... on Course { id title }", "Course"),
        ],
    ),
    "catalog-root": (
        "{ courses(first: 5) { edges { node { id title units { id title kind } } } } }",
        [("catalog", "{ courses(first: 5) { edges { node { id title units { id title kind } } } } }", None)],
    ),
    "progress-root": (
        "{ team { edges { node { id name role shift } } } }",
        [("progress", "{ team { edges { node { id name role shift } } } }", None)],
    ),
    "team-paths": (
        "{ team { edges { node { name enrollments { progress path { id title } } } } } }",
        [
            ("progress", "{ team { edges { node { name enrollments { progress path { id } } } } } }", None),
            ("catalog", "... on LearningPath { id title }", "LearningPath"),
        ],
    ),
}  # fmt: skip


def _representations(data: Any, type_name: str) -> list[dict[str, Any]]:
    """Every `{id}` object under a field named like the entity (course/path) in `data`."""
    field = {"Course": "course", "LearningPath": "path"}[type_name]
    found: dict[str, dict[str, Any]] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k == field and isinstance(v, dict) and "id" in v:
                    found.setdefault(v["id"], {"__typename": type_name, "id": v["id"]})
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    return list(found.values())


def direct_plans(bed: Testbed) -> dict[str, list[dict[str, Any]]]:
    """What a client talking to the subgraphs itself sends, step by step, per mix query."""
    headers = bed.principal_header(MANAGER)
    plans: dict[str, list[dict[str, Any]]] = {}
    for name, (_, steps) in MIX.items():
        plan, previous = [], None
        for subgraph, query, entity in steps:
            body: dict[str, Any] = {"query": query}
            if entity is not None:
                body = {
                    "query": f"query($r: [_Any!]!) {{ _entities(representations: $r) {{ {query} }} }}",
                    "variables": {"r": _representations(previous, entity)},
                }
            previous = httpx.post(bed.url(subgraph), json=body, headers=headers).json()
            plan.append({"url": bed.url(subgraph), "body": body})
        plans[name] = plan
    return plans


async def _load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run `spec["requests"]` (lists of sequential HTTP posts) round-robin for `duration_s`."""
    requests: list[list[dict[str, Any]]] = spec["requests"]
    key = spec["internal_key"].encode()
    latencies: list[float] = []
    errors = 0
    failures: dict[str, int] = {}
    limits = httpx.Limits(
        max_connections=spec["concurrency"], max_keepalive_connections=spec["concurrency"]
    )
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        def headers() -> dict[str, str]:
            h = dict(spec.get("headers") or {})
            if spec.get("sign_principal"):
                h[PRINCIPAL_HEADER] = sign_principal(MANAGER, key)  # valid for 60 s
            return h

        async def worker(i: int, until: float, record: bool) -> None:
            nonlocal errors
            n = i
            while time.perf_counter() < until:
                steps = requests[n % len(requests)]
                n += 1
                started = time.perf_counter()
                ok = True
                hs = headers()
                try:
                    for step in steps:
                        resp = await client.post(step["url"], json=step["body"], headers=hs)
                        ok = ok and resp.status_code == 200 and "errors" not in resp.json()
                except (httpx.HTTPError, ValueError) as exc:
                    ok = False
                    failures[type(exc).__name__] = failures.get(type(exc).__name__, 0) + 1
                if record:
                    latencies.append(time.perf_counter() - started)
                    errors += 0 if ok else 1

        c = spec["concurrency"]
        warm = time.perf_counter() + spec["warmup_s"]
        await asyncio.gather(*(worker(i, warm, False) for i in range(c)))
        started = time.perf_counter()
        until = started + spec["duration_s"]
        await asyncio.gather(*(worker(i, until, True) for i in range(c)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "errors": errors, "failures": failures, "elapsed": elapsed}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = sorted(x for r in runs for x in r["latencies"])
    failures: dict[str, int] = {}
    for r in runs:
        for k, v in r["failures"].items():
            failures[k] = failures.get(k, 0) + v
    return {
        "requests": len(latencies),
        "errors": sum(r["errors"] for r in runs),
        "failures": failures,
        "rps": round(len(latencies) / sum(r["elapsed"] for r in runs), 1),
        "p50_ms": round(1000 * statistics.median(latencies), 2) if latencies else None,
        "p99_ms": round(1000 * latencies[int(0.99 * (len(latencies) - 1))], 2)
        if latencies
        else None,
    }


def _run_load(spec: dict[str, Any]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
    out = subprocess.run(
        [sys.executable, "-m", "gateway.bench", "--load", f.name],
        stdout=subprocess.PIPE, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _target_requests(bed: Testbed, target: str, names: list[str], direct: dict[str, Any]):  # type: ignore[no-untyped-def]
    if target == "direct":
        return [direct[n] for n in names], {}, True
    reqs = [[{"url": bed.url(target), "body": {"query": MIX[n][0]}}] for n in names]
    if target.startswith("gateway"):
        return reqs, {"authorization": f"Bearer {bed.token(MANAGER)}"}, False
    return reqs, {}, True  # Hive: the caller sends the signed principal; Hive forwards it


def measure(
    bed: Testbed, *, concurrency: int, duration_s: float, warmup_s: float, rounds: int
) -> dict[str, Any]:
    """Targets take turns, `rounds` times, so drift on a busy machine hits each alike."""
    direct = direct_plans(bed)
    report: dict[str, Any] = {
        "concurrency": concurrency,
        "duration_s": duration_s,
        "rounds": rounds,
        "mix": list(MIX),
    }
    phases = {"mix": (list(MIX), concurrency), "one_jump_c1": ([ONE_JUMP], 1)}
    for phase, (names, c) in phases.items():
        runs: dict[str, list[dict[str, Any]]] = {t: [] for t in TARGETS}
        for i in range(rounds):
            for target in runs:
                reqs, headers, sign = _target_requests(bed, target, names, direct)
                spec = {
                    "requests": reqs, "headers": headers, "sign_principal": sign,
                    "internal_key": bed.internal_key.decode(), "concurrency": c,
                    "duration_s": duration_s / rounds, "warmup_s": warmup_s if i == 0 else 0.2,
                }  # fmt: skip
                print(f"bench gateway: {phase} round {i + 1} via {target} (c={c})", file=sys.stderr)
                runs[target].append(_run_load(spec))
        report[phase] = {t: _summary(r) for t, r in runs.items()}
    mix, jump = report["mix"], report["one_jump_c1"]
    report["ratios"] = {
        "ours_over_hive_rps": round(mix["gateway"]["rps"] / mix["hive"]["rps"], 3),
        "ours_over_hive_p50": round(mix["gateway"]["p50_ms"] / mix["hive"]["p50_ms"], 3),
        "ours_unshared_over_hive_rps": round(
            mix["gateway_unshared"]["rps"] / mix["hive"]["rps"], 3
        ),
        "ours_added_p50_ms_one_jump": round(
            jump["gateway"]["p50_ms"] - jump["direct"]["p50_ms"], 2
        ),
        "hive_added_p50_ms_one_jump": round(jump["hive"]["p50_ms"] - jump["direct"]["p50_ms"], 2),
    }
    report["targets"] = {
        "ours_over_hive_rps_min": 1.0,
        "ours_added_p50_ms_one_jump_max": 3.0,
        "met": report["ratios"]["ours_over_hive_rps"] >= 1.0
        and report["ratios"]["ours_added_p50_ms_one_jump"] <= 3.0,
    }
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="learnpulse bench gateway", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per target")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per target")
    parser.add_argument("--rounds", type=int, default=3, help="turns each target takes")
    parser.add_argument("--root", type=Path, help="run the services from this checkout")
    parser.add_argument("--load", help=argparse.SUPPRESS)  # internal: run the load generator
    args = parser.parse_args(argv)
    if args.load:
        print(json.dumps(asyncio.run(_load(json.loads(Path(args.load).read_text())))))
        return 0
    bed = Testbed(
        env={"LEARNPULSE_LOG_LEVEL": "WARNING"},
        parts=("catalog", "progress", "gateway", "gateway_unshared", "hive"),
    )
    if args.root:
        bed.root = args.root.resolve()
    print(
        "bench gateway: starting catalog, progress, our gateway, Hive Gateway ...", file=sys.stderr
    )
    bed.start()
    try:
        report = measure(
            bed,
            concurrency=args.concurrency,
            duration_s=args.duration,
            warmup_s=args.warmup,
            rounds=args.rounds,
        )
    finally:
        bed.stop()
    if args.json:
        print(json.dumps(report))
    else:
        for phase in ("mix", "one_jump_c1"):
            for target, r in report[phase].items():
                print(
                    f"{phase:12} {target:8} {r['rps']:8.1f} rps  p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  errors {r['errors']}"
                )
        print(json.dumps(report["ratios"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
