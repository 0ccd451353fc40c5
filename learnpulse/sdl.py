"""Export a subgraph's SDL as a router reads it (`_service { sdl }`) and check it for drift.

Each subgraph's `python -m services.<name>.sdl [--check]` is a thin call into `sdl_command`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def current_sdl(schema: Any) -> str:
    """The SDL `schema` serves from `_service { sdl }`, newline-terminated."""
    result = schema.execute_sync("{ _service { sdl } }")
    if result.errors or not result.data:
        raise RuntimeError(f"_service query failed: {result.errors}")
    return str(result.data["_service"]["sdl"]).rstrip("\n") + "\n"


def sdl_command(schema: Any, sdl_file: Path, module: str, argv: Sequence[str] | None) -> int:
    """Rewrite `sdl_file`; with `--check`, exit 1 when the committed file differs instead."""
    args = sys.argv[1:] if argv is None else list(argv)
    sdl = current_sdl(schema)
    if "--check" in args:
        if not sdl_file.exists() or sdl_file.read_text() != sdl:
            print(f"{sdl_file} is stale: run python -m {module}", file=sys.stderr)
            return 1
        return 0
    sdl_file.write_text(sdl)
    print(f"wrote {sdl_file}")
    return 0
