"""The generated gRPC code in learnpulse/risk/v1 is exactly what protos/ produces now."""

from __future__ import annotations

from pathlib import Path

from learnpulse import protogen


def test_generated_code_matches_the_protos(tmp_path: Path) -> None:
    protogen.generate(tmp_path)
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*_pb2*.py*"))
    assert fresh, "protoc produced nothing"
    for rel in fresh:
        in_tree = protogen.ROOT / rel
        assert in_tree.exists(), f"{rel} is missing: run `make proto`"
        assert in_tree.read_text() == (tmp_path / rel).read_text(), (
            f"{rel} is stale: run `make proto`"
        )


def test_every_service_in_the_proto_is_importable() -> None:
    from learnpulse.risk.v1 import risk_pb2, risk_pb2_grpc

    service = risk_pb2.DESCRIPTOR.services_by_name["RiskService"]
    assert {m.name for m in service.methods} == {
        "ScoreTrajectories",
        "StreamScores",
        "GetModelInfo",
    }
    assert hasattr(risk_pb2_grpc, "RiskServiceStub")
