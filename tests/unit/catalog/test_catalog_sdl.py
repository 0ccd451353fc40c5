"""The committed catalog SDL is what the code serves; a router composes from that file."""

from __future__ import annotations

from services.catalog import sdl


def test_committed_sdl_matches_the_code() -> None:
    assert sdl.SDL_FILE.read_text() == sdl.current_sdl(), (
        "services/catalog/schema.graphql is stale: run python -m services.catalog.sdl"
    )


def test_sdl_declares_federation_2_9_entities() -> None:
    text = sdl.current_sdl()

    assert 'url: "https://specs.apollo.dev/federation/v2.9"' in text
    for entity in ("Course", "Unit", "LearningPath"):
        assert f'type {entity} @key(fields: "id")' in text
    assert "type PageInfo @shareable" in text
