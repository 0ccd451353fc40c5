"""The committed catalog SDL composes with the progress SDL in a real Federation v2 composer.

Runs `compose.mjs` (next to this file) with @theguild/federation-composition from
node_modules (`make node` installs it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = Path(__file__).with_name("compose.mjs")
CATALOG = ROOT / "services" / "catalog" / "schema.graphql"
PROGRESS = ROOT / "services" / "progress" / "schema.graphql"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None
    or not (ROOT / "node_modules" / "@theguild" / "federation-composition").exists(),
    reason="needs node and `make node` (@theguild/federation-composition)",
)


def compose(**subgraphs: Path) -> tuple[int, dict[str, Any]]:
    args = [f"{name}={path}" for name, path in subgraphs.items()]
    done = subprocess.run(
        ["node", str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False
    )
    return done.returncode, json.loads(done.stdout)


def test_catalog_and_progress_compose_into_one_supergraph() -> None:
    code, result = compose(catalog=CATALOG, progress=PROGRESS)

    assert (code, result["errors"]) == (0, [])
    supergraph = result["supergraph"]
    assert "join__Graph" in supergraph
    for field in ("pathsFor(", "publishCourse(", "importCourse(", "learningPath("):
        assert field in supergraph
    assert 'type Course @join__type(graph: CATALOG, key: "id")' in supergraph


def test_the_composer_rejects_a_conflicting_subgraph(tmp_path: Path) -> None:
    # Without @shareable the catalog's PageInfo clashes with progress's: proof the check bites.
    broken = tmp_path / "catalog.graphql"
    broken.write_text(CATALOG.read_text().replace("type PageInfo @shareable", "type PageInfo"))

    code, result = compose(catalog=broken, progress=PROGRESS)

    assert code == 1
    assert any("PageInfo" in message for message in result["errors"])
