"""Other data sources land in the canonical dataset: the progress service's NDJSON export
(from lines, and streamed over HTTP with a bearer token) and xAPI statement files."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from learnpulse.cli import main
from ml.dataset import Dataset, read_dataset
from ml.importers import fetch_ndjson, read_ndjson
from ml.synth import generate

TOKEN = "s3cret"


def to_ndjson(dataset: Dataset) -> list[str]:
    """The export's shape: one typed JSON object per line, timestamps ISO-8601 UTC."""
    lines = []
    for kind, table in (("learner", dataset.learners), ("event", dataset.events)):
        text = table.to_json(orient="records", lines=True, date_format="iso", date_unit="us")
        lines += [json.dumps({"type": kind, **json.loads(row)}) for row in text.splitlines()]
    return lines


@pytest.fixture(scope="module")
def world() -> Dataset:
    return generate(n_learners=30, days=10, seed=2)


def test_ndjson_round_trips_the_canonical_tables(world: Dataset) -> None:
    back = read_ndjson(to_ndjson(world))

    pd.testing.assert_frame_equal(back.learners, world.learners)
    pd.testing.assert_frame_equal(back.events, world.events)


def test_ndjson_errors_name_the_line() -> None:
    with pytest.raises(ValueError, match="line 2: type must be"):
        read_ndjson(['{"type": "learner", "learner_id": "a"}', '{"type": "bogus"}'])
    with pytest.raises(ValueError, match="line 1: not JSON"):
        read_ndjson(["{oops"])


@pytest.fixture
def export_url(world: Dataset) -> Iterator[str]:
    body = ("\n".join(to_ndjson(world)) + "\n").encode()

    class Export(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
            payload = body if ok else b'{"error": "missing or wrong bearer token"}'
            self.send_response(200 if ok else 401)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Export)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/export/trajectories"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_fetch_streams_the_export_with_a_bearer_token(world: Dataset, export_url: str) -> None:
    dataset = fetch_ndjson(export_url, token=TOKEN)

    pd.testing.assert_frame_equal(dataset.events, world.events)


def test_train_from_url_with_a_wrong_token_says_so(
    export_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["train", "--from", export_url, "--token", "nope", "--tracking-uri", "http://x"])

    assert code == 2
    assert "HTTP 401" in capsys.readouterr().err


def statement(actor: str, verb: str, obj: str, ts: str, **result: object) -> str:
    return json.dumps(
        {
            "actor": {"account": {"homePage": "https://lms.example", "name": actor}},
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}"},
            "object": {"id": obj},
            "timestamp": ts,
            "result": result,
            "context": {"contextActivities": {"parent": [{"id": "https://lms.example/c/safety"}]}},
        }
    )


def test_import_xapi_writes_a_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    unit = "https://lms.example/u/fire-exits"
    lines = [
        statement("ana", "launched", unit, "2026-02-02T09:00:00Z"),
        statement("ana", "progressed", unit, "2026-02-02T09:04:30Z", duration="PT4M30S"),
        statement("ana", "bookmarked", unit, "2026-02-02T09:05:00Z"),  # not a canonical verb
        statement("ana", "launched", unit, "2026-02-03T09:00:00+01:00"),
        statement(
            "ana", "passed", unit, "2026-02-03T09:06:00Z", score={"scaled": 0.8}, success=True
        ),
        statement("bo", "launched", unit, "2026-02-03T10:00:00Z"),
    ]
    source = tmp_path / "statements.ndjson"
    source.write_text("\n".join(lines) + "\n")

    code = main(["import-xapi", str(source), "--out", str(tmp_path / "ds")])

    assert code == 0
    assert "2 learners, 5 events" in capsys.readouterr().out
    events = read_dataset(tmp_path / "ds").events
    ana = events[events["learner_id"] == "ana"]
    assert list(ana["verb"]) == ["launched", "progressed", "launched", "passed"]
    assert list(ana["attempt"]) == [1, 1, 2, 2]
    assert ana["duration_s"].iloc[1] == 270.0
    assert ana["score"].iloc[3] == 0.8
    assert ana["ts"].iloc[2] == pd.Timestamp("2026-02-03T08:00:00Z")
    assert set(events["course_id"]) == {"https://lms.example/c/safety"}


def test_import_xapi_rejects_a_broken_statement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bad.ndjson"
    source.write_text('{"verb": {"id": "x/launched"}}\n')

    assert main(["import-xapi", str(source), "--out", str(tmp_path / "ds")]) == 2
    assert "bad.ndjson:1" in capsys.readouterr().err
