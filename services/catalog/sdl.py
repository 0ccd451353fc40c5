"""Exports the catalog subgraph SDL to the committed `services/catalog/schema.graphql`.

`python -m services.catalog.sdl` rewrites it; `--check` exits 1 when it is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from learnpulse import sdl
from services.catalog.schema import schema

SDL_FILE = Path(__file__).with_name("schema.graphql")


def current_sdl() -> str:
    return sdl.current_sdl(schema)


def main(argv: Sequence[str] | None = None) -> int:
    return sdl.sdl_command(schema, SDL_FILE, "services.catalog.sdl", argv)


if __name__ == "__main__":
    sys.exit(main())
