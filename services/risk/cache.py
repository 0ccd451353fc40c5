"""The on-disk model cache: the last served version of each model, with its metadata, so a
restart while MLflow is down still serves what was served before.

Layout: `<dir>/<name>/v<version>/` holds the model files; `<dir>/<name>/current.json` the
metadata of the version last confirmed by the registry. Writes go to a temporary sibling
and are renamed into place, so a crash or a second replica never leaves half a model.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from services.risk.models import ModelMeta

KEEP_VERSIONS = 2  # the current one and the newest other, for a quick roll-back


class ModelCache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def model_dir(self, meta: ModelMeta) -> Path:
        return self.root / meta.name / f"v{meta.version}"

    def has_files(self, meta: ModelMeta) -> bool:
        return (self.model_dir(meta) / ".complete").exists()

    def store_files(self, meta: ModelMeta, fetch: Callable[[Path], None]) -> Path:
        """Run `fetch(tmp_dir)` to write the model files, then move them into place."""
        final = self.model_dir(meta)
        if self.has_files(meta):
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".v{meta.version}-", dir=final.parent))
        try:
            fetch(tmp)
            (tmp / ".complete").touch()
            if final.exists():  # a stale partial copy from an older, crashed process
                shutil.rmtree(final, ignore_errors=True)
            try:
                tmp.rename(final)
            except OSError:
                if not self.has_files(meta):  # someone else's rename did not win either
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return final

    def remember(self, meta: ModelMeta) -> None:
        """Record `meta` as the version to serve after a restart without MLflow."""
        path = self.root / meta.name / "current.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".current-", dir=path.parent)
        with os.fdopen(fd, "w") as out:
            json.dump(meta.to_json(), out, indent=2)
        os.replace(tmp, path)
        self._prune(meta)

    def recall(self, name: str) -> ModelMeta | None:
        """The metadata last remembered for `name`, if its files are complete."""
        path = self.root / name / "current.json"
        try:
            meta = ModelMeta.from_json(json.loads(path.read_text()))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):  # a hand-edited or truncated file
            return None
        return meta if self.has_files(meta) else None

    def _prune(self, current: ModelMeta) -> None:
        mine = self.model_dir(current)
        others = sorted(
            (p for p in mine.parent.glob("v*") if p.is_dir() and p != mine),
            key=lambda p: int(p.name[1:]) if p.name[1:].isdigit() else -1,
            reverse=True,
        )
        for old in others[KEEP_VERSIONS - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
