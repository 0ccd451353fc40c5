"""The model registry as the service sees it: resolve `models:/<name>@<alias>`, load the
Booster, keep a disk copy, and swap in new champions while serving.

This is the only module that talks to MLflow (through `MlflowBackend`); tests swap in a
fake backend with the same three methods.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import shutil
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Collection
from functools import partial
from pathlib import Path
from typing import Protocol

import lightgbm as lgb
import numpy as np

from ml import calibration
from services.risk.cache import ModelCache
from services.risk.models import LoadedModel, ModelMeta, ModelSet, from_millis
from services.risk.settings import RiskSettings

log = logging.getLogger(__name__)

Listener = Callable[[ModelSet | None], Awaitable[None]]


class RegistryUnavailable(Exception):
    """The registry cannot be asked right now (down, unreachable, or no such alias)."""


class RegistryBackend(Protocol):
    def resolve(self, name: str, alias: str) -> ModelMeta: ...
    def download(self, meta: ModelMeta, dest: Path) -> None: ...
    def load(self, path: Path) -> lgb.Booster: ...


class MlflowBackend:
    """Reads champions from an MLflow tracking server with its model registry."""

    def __init__(self, tracking_uri: str, *, timeout_s: float = 5.0) -> None:
        from mlflow import MlflowClient  # import on use: ~1 s that fake-backed tests skip

        self.tracking_uri = tracking_uri
        self.timeout_s = timeout_s
        self._client = MlflowClient(tracking_uri=tracking_uri, registry_uri=tracking_uri)

    def resolve(self, name: str, alias: str) -> ModelMeta:
        from mlflow.exceptions import MlflowException

        self._probe()
        try:
            version = self._client.get_model_version_by_alias(name, alias)
            run = self._client.get_run(version.run_id) if version.run_id else None
        except MlflowException as exc:
            raise RegistryUnavailable(f"{name}@{alias}: {exc.message}") from exc
        tags = version.tags
        try:
            features = tuple(json.loads(tags["features"]))
            medium = float(tags["band_medium_threshold"])
            high = float(tags["band_high_threshold"])
            spec = calibration.loads(tags.get(calibration.TAG))
            calibration.apply(np.array([0.5]), spec)  # a malformed spec fails here, not mid-call
        except (KeyError, ValueError) as exc:
            raise RegistryUnavailable(
                f"{name} v{version.version} lacks usable tag {exc}: the training pipeline "
                "must tag features, band_medium_threshold and band_high_threshold"
            ) from exc
        metrics = {
            k.removeprefix("metric."): float(v) for k, v in tags.items() if k.startswith("metric.")
        }
        if not metrics and run is not None:
            metrics = dict(run.data.metrics)
        metrics = {k: v for k, v in metrics.items() if math.isfinite(v)}  # "nan": not measured
        return ModelMeta(
            name=name,
            version=str(version.version),
            alias=alias,
            features=features,
            band_medium_threshold=medium,
            band_high_threshold=high,
            trained_at=from_millis(run.info.end_time or run.info.start_time) if run else None,
            metrics=metrics,
            run_id=version.run_id or "",
            calibration=spec,
        )

    def download(self, meta: ModelMeta, dest: Path) -> None:
        import mlflow.artifacts

        # A `models:/` URI would be resolved against the process-wide default tracking URI,
        # not ours; the version's download URI names our server explicitly.
        uri = self._client.get_model_version_download_uri(meta.name, meta.version)
        local = mlflow.artifacts.download_artifacts(
            artifact_uri=uri, dst_path=str(dest / ".download"), tracking_uri=self.tracking_uri
        )
        for item in Path(local).iterdir():  # the model's files at the top of `dest`
            item.rename(dest / item.name)
        shutil.rmtree(dest / ".download")

    def load(self, path: Path) -> lgb.Booster:
        import mlflow.lightgbm

        booster = mlflow.lightgbm.load_model(str(path))
        if not isinstance(booster, lgb.Booster):  # an sklearn-API model would score labels
            raise RegistryUnavailable(f"{path} holds a {type(booster).__name__}, not a Booster")
        return booster

    def _probe(self) -> None:
        """Fail in `timeout_s` instead of the client's minutes of retries when MLflow is down."""
        if not self.tracking_uri.startswith(("http://", "https://")):
            return
        try:
            with urllib.request.urlopen(
                f"{self.tracking_uri.rstrip('/')}/health", timeout=self.timeout_s
            ) as reply:
                reply.read()
        except (urllib.error.URLError, OSError) as exc:
            raise RegistryUnavailable(f"MLflow at {self.tracking_uri} unreachable: {exc}") from exc


class ModelRegistry:
    """Holds the served `ModelSet`; replaced by one reference assignment, never mutated."""

    def __init__(
        self,
        backend: RegistryBackend,
        cache: ModelCache,
        *,
        names: tuple[str, str] = ("learnpulse-attrition", "learnpulse-stall"),
        alias: str = "champion",
        reload_interval_s: float = 15.0,
        known_features: Collection[str] | None = None,
    ) -> None:
        self.backend, self.cache, self.names, self.alias = backend, cache, names, alias
        self.reload_interval_s = reload_interval_s
        self.known_features = frozenset(known_features) if known_features is not None else None
        self._current: ModelSet | None = None
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()
        self._poller: asyncio.Task[None] | None = None

    @classmethod
    def from_settings(cls, settings: RiskSettings) -> ModelRegistry:
        from ml.features import FEATURE_NAMES

        return cls(
            MlflowBackend(settings.tracking_uri, timeout_s=settings.mlflow_timeout_s),
            ModelCache(settings.cache_dir),
            names=(settings.attrition_model, settings.stall_model),
            alias=settings.model_alias,
            reload_interval_s=settings.reload_interval_s,
            known_features=FEATURE_NAMES,
        )

    @property
    def current(self) -> ModelSet | None:
        return self._current

    @property
    def wanted(self) -> list[str]:
        return [f"{name}@{self.alias}" for name in self.names]

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        """Load from the registry, else from the disk cache; then poll for new versions."""
        try:
            await self.refresh()
        except Exception as exc:
            log.warning("model registry unavailable at start", extra={"error": str(exc)})
            cached = await asyncio.to_thread(self._load_cached)
            if cached is None:
                log.error(
                    "no model to serve: registry unavailable and no disk cache",
                    extra={"models": self.wanted, "cache_dir": str(self.cache.root)},
                )
            else:
                log.warning(
                    "serving models from the disk cache",
                    extra={"models": cached.describe(), "from_cache": True},
                )
                self._current = cached
            await self._notify()
        if self._poller is None and self.reload_interval_s > 0:
            self._poller = asyncio.create_task(self._poll(), name="risk-model-reload")

    async def stop(self) -> None:
        """Stop polling and report not serving; loaded models stay for in-flight calls."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
            self._poller = None
        for listener in self._listeners:
            await listener(None)

    async def refresh(self) -> bool:
        """Ask the registry once; swap and return True when anything changed."""
        async with self._lock:
            fresh = await asyncio.to_thread(self._fetch, self._current)
            if fresh is None:
                return False
            await self._swap(fresh)
            return True

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.reload_interval_s)
            try:
                await self.refresh()
            except Exception as exc:  # keep serving what we have; try again next round
                expected = isinstance(exc, RegistryUnavailable)  # else a bug: keep the trace
                log.warning("model reload failed", extra={"error": str(exc)}, exc_info=not expected)

    async def _swap(self, fresh: ModelSet) -> None:
        before = self._current.describe() if self._current else None
        self._current = fresh
        log.info(
            "models loaded",
            extra={"models": fresh.describe(), "previous": before, "from_cache": fresh.from_cache},
        )
        await self._notify()

    async def _notify(self) -> None:
        for listener in self._listeners:
            await listener(self._current)

    def _fetch(self, current: ModelSet | None) -> ModelSet | None:
        """Blocking: the registry's view of both aliases, or None if nothing changed."""
        served = {m.meta.name: m for m in current.models} if current else {}
        loaded: list[LoadedModel] = []
        for name in self.names:
            meta = self.backend.resolve(name, self.alias)
            self._check_features(meta)
            mine = served.get(name)
            if mine is not None and mine.meta == meta:
                loaded.append(mine.confirmed())
                continue
            path = self.cache.store_files(meta, partial(self.backend.download, meta))
            loaded.append(LoadedModel(meta, self._load(meta, path)))
        fresh = ModelSet(*loaded)
        if fresh == current:
            return None
        for model in loaded:
            self.cache.remember(model.meta)
        return fresh

    def _load_cached(self) -> ModelSet | None:
        loaded: list[LoadedModel] = []
        for name in self.names:
            meta = self.cache.recall(name)
            if meta is None:
                return None
            try:
                self._check_features(meta)
                booster = self._load(meta, self.cache.model_dir(meta))
            except Exception as exc:
                log.error("cached model unreadable", extra={"model": name, "error": str(exc)})
                return None
            loaded.append(LoadedModel(meta, booster, from_cache=True))
        return ModelSet(*loaded)

    def _check_features(self, meta: ModelMeta) -> None:
        """Refuse, before downloading, a model that needs features this build cannot compute."""
        if self.known_features is None:
            return
        unknown = [f for f in meta.features if f not in self.known_features]
        if unknown:
            raise RegistryUnavailable(
                f"{meta.name} v{meta.version} needs features this service does not compute: "
                f"{unknown}; deploy a risk service with the matching ml.features"
            )

    def _load(self, meta: ModelMeta, path: Path) -> lgb.Booster:
        booster = self.backend.load(path)
        if booster.num_feature() != len(meta.features):
            raise RegistryUnavailable(
                f"{meta.name} v{meta.version}: Booster takes {booster.num_feature()} features, "
                f"its 'features' tag lists {len(meta.features)}"
            )
        return booster
