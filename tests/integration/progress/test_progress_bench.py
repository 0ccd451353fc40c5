"""`learnpulse bench ingest` against a real progress process: one JSON object whose keys the
README documents, with progress current when the last batch returns (no timings asserted)."""

from __future__ import annotations

import json

import pytest

from services.progress import bench


def test_bench_ingest_prints_one_json_object_with_progress_current(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = bench.main(["--json", "--statements", "200", "--learners", "20", "--units", "10"])
    result = json.loads(capsys.readouterr().out)

    assert code == 0
    assert (result["statements"], result["batches"], result["batch_size"]) == (200, 2, 100)
    assert result["progress_current"] is True
    assert set(result["ratio_to_published"]) == set(result["published_peers_statements_per_s"])
    assert result["statements_per_s"] > 0 and result["p95_batch_ms"] >= result["p50_batch_ms"] > 0
    # The service's CPU time (Linux /proc): it served 200 statements, so it used some.
    assert result["server_cpu_s"] > 0 and result["statements_per_server_cpu_s"] > 0
