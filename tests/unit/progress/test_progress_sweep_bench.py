"""The sweep benchmark runs end to end on a tiny tenant and says what each sweep did."""

from __future__ import annotations

import json

import pytest

from services.progress import sweep_bench


def test_the_sweep_bench_opens_reminds_then_alerts(capsys: pytest.CaptureFixture[str]) -> None:
    assert sweep_bench.main(["--learners", "3"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["learners"] == 3 and out["store"] == "memory"
    assert out["open"]["stalls"]["opened"] == 3 and out["open"]["stalls"]["reminded"] == 3
    assert out["steady"]["stalls"]["opened"] == 0
    assert out["alert"]["stalls"]["alerted"] == 3
    assert all(out[f"{name}_s"] >= 0 for name in ("open", "steady", "alert"))
