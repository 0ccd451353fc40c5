"""`python -m services.<name>.sdl [--check]`: writes the SDL a router reads, or flags drift."""

from __future__ import annotations

from pathlib import Path

import pytest
import strawberry

from learnpulse.sdl import current_sdl, sdl_command


@strawberry.federation.type(keys=["id"])
class Thing:
    id: strawberry.ID


@strawberry.type
class Query:
    @strawberry.field
    def thing(self) -> Thing | None:
        return None


SCHEMA = strawberry.federation.Schema(query=Query, federation_version="2.9")


def test_write_then_check_passes_and_drift_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "schema.graphql"
    assert sdl_command(SCHEMA, target, "services.demo.sdl", []) == 0
    assert target.read_text() == current_sdl(SCHEMA)
    assert 'type Thing @key(fields: "id")' in target.read_text()
    assert sdl_command(SCHEMA, target, "services.demo.sdl", ["--check"]) == 0

    target.write_text(target.read_text().replace("Thing", "Other"))
    assert sdl_command(SCHEMA, target, "services.demo.sdl", ["--check"]) == 1
    assert "run python -m services.demo.sdl" in capsys.readouterr().err
