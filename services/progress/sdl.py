"""Exports the progress subgraph SDL, as a router reads it from `_service { sdl }`.

`python -m services.progress.sdl` rewrites `services/progress/schema.graphql`;
`--check` exits 1 when the committed file differs from the code.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from services.progress.schema import schema

SDL_FILE = Path(__file__).with_name("schema.graphql")


def current_sdl() -> str:
    result = schema.execute_sync("{ _service { sdl } }")
    if result.errors or not result.data:
        raise RuntimeError(f"_service query failed: {result.errors}")
    return str(result.data["_service"]["sdl"]).rstrip("\n") + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    sdl = current_sdl()
    if "--check" in args:
        if not SDL_FILE.exists() or SDL_FILE.read_text() != sdl:
            print(f"{SDL_FILE} is stale: run python -m services.progress.sdl", file=sys.stderr)
            return 1
        return 0
    SDL_FILE.write_text(sdl)
    print(f"wrote {SDL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
