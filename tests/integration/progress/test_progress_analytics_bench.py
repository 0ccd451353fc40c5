"""`python -m services.progress.analytics_bench --json`: one JSON object with the keys the README
documents, over a tenant it seeded itself (no timings asserted)."""

from __future__ import annotations

import json

import pytest

from services.progress import analytics_bench


def test_analytics_bench_prints_one_json_object(capsys: pytest.CaptureFixture[str]) -> None:
    code = analytics_bench.main(["--json", "--learners", "40", "--units", "2", "--repeat", "1"])
    result = json.loads(capsys.readouterr().out)

    assert code == 0
    assert (result["learners"], result["units"], result["store"]) == (40, 2, "memory://")
    assert result["events"] >= 40 * 4  # every learner finishes at least one unit
    assert result["cells"] == 2 * 8  # two units by eight departments
    for key in ("seed_s", "heatmap_hr_ms", "heatmap_manager_ms", "roi_hr_ms"):
        assert result[key] >= 0
    assert {"pass_rate_more_than_3_retakes", "pass_rate_fewer"} <= set(result)
