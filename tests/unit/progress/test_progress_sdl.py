"""The committed progress SDL is what the code serves; a router composes from that file."""

from __future__ import annotations

from services.progress import sdl


def test_committed_sdl_matches_the_code() -> None:
    assert sdl.SDL_FILE.read_text() == sdl.current_sdl(), (
        "services/progress/schema.graphql is stale: run python -m services.progress.sdl"
    )


def test_sdl_declares_federation_2_9_entities() -> None:
    text = sdl.current_sdl()

    assert 'url: "https://specs.apollo.dev/federation/v2.9"' in text
    assert 'type Learner @key(fields: "id")' in text
    assert 'type LearningPath @key(fields: "id", resolvable: false)' in text  # catalog's
    for extended in ("Course", "Unit"):  # the catalog's entities, with completion statistics
        assert f'type {extended} @key(fields: "id") {{' in text
    assert "type PageInfo @shareable" in text
