"""`learnpulse sweep --as-of`: one sweep of the configured store, reported as one JSON object."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from learnpulse import cli


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_sweep_as_of_a_time_reports_the_demo_stalls_as_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("LEARNPULSE_MONGO_URL", "memory://")
    monkeypatch.setenv("LEARNPULSE_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("LEARNPULSE_CATALOG_PORT", str(closed_port()))  # no catalog: fallbacks
    argv = ["sweep", "--as-of", "2026-12-10T09:00", "--tenant", "demo", "--no-deliver"]
    code = cli.main([*argv, "--no-risk"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["as_of"] == "2026-12-10T09:00:00+00:00" and report["tenants"] == ["demo"]
    # The demo org has learners who left units days ago (lrn-2, lrn-3): stalls, reminded.
    assert report["stalls"]["opened"] >= 2
    assert report["stalls"]["reminded"] == report["stalls"]["opened"]
    assert report["delivery"] == {"delivered": 0, "retrying": 0, "dead": 0}


def test_sweep_refuses_a_time_it_cannot_read(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sweep", "--as-of", "next tuesday"]) == 2
    assert "--as-of" in capsys.readouterr().err
