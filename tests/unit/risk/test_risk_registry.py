"""The registry as the service sees it: load, cache on disk, survive an outage, and swap new
champions in atomically while requests keep reading a consistent pair."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from risk_fakes import ATTRITION, STALL, FakeBackend, make_registry

from services.risk.models import ModelSet
from services.risk.registry import RegistryUnavailable


def versions(models: ModelSet | None) -> dict[str, str] | None:
    return models.describe() if models else None


async def test_start_loads_both_champions_and_tells_listeners(
    tmp_path: Path, backend: FakeBackend
) -> None:
    registry = make_registry(backend, tmp_path)
    seen: list[ModelSet | None] = []

    async def listener(models: ModelSet | None) -> None:
        seen.append(models)

    registry.subscribe(listener)
    await registry.start()

    assert versions(registry.current) == {ATTRITION: "1", STALL: "1"}
    assert registry.current is not None and not registry.current.from_cache
    assert seen and seen[-1] is registry.current
    await registry.stop()
    assert seen[-1] is None  # stopping reports "not serving" to health


async def test_an_unchanged_alias_is_neither_downloaded_nor_swapped_again(
    tmp_path: Path, backend: FakeBackend
) -> None:
    registry = make_registry(backend, tmp_path)
    await registry.start()
    first = registry.current

    assert await registry.refresh() is False
    assert registry.current is first
    assert backend.downloads == 2


async def test_a_moved_alias_swaps_both_models_in_one_step(
    tmp_path: Path, backend: FakeBackend
) -> None:
    registry = make_registry(backend, tmp_path)
    await registry.start()
    old = registry.current
    backend.publish("2")
    backend.gate = threading.Event()  # hold the new Boosters' loading half-way

    refreshing = asyncio.create_task(registry.refresh())
    for _ in range(20):  # readers during the reload see only the complete old pair
        await asyncio.sleep(0.01)
        assert registry.current is old
    backend.gate.set()
    assert await refreshing is True

    assert versions(registry.current) == {ATTRITION: "2", STALL: "2"}
    assert versions(old) == {ATTRITION: "1", STALL: "1"}  # a request holding it is unaffected


async def test_the_reload_loop_picks_up_a_promotion(tmp_path: Path, backend: FakeBackend) -> None:
    registry = make_registry(backend, tmp_path, reload_interval_s=0.05)
    await registry.start()
    try:
        backend.publish("2")
        for _ in range(100):
            if versions(registry.current) == {ATTRITION: "2", STALL: "2"}:
                break
            await asyncio.sleep(0.05)
        assert versions(registry.current) == {ATTRITION: "2", STALL: "2"}
    finally:
        await registry.stop()


async def test_a_restart_during_an_outage_serves_the_disk_cache(
    tmp_path: Path, backend: FakeBackend
) -> None:
    await make_registry(backend, tmp_path).start()
    backend.down = True

    restarted = make_registry(backend, tmp_path)
    await restarted.start()

    assert versions(restarted.current) == {ATTRITION: "1", STALL: "1"}
    assert restarted.current is not None and restarted.current.from_cache

    backend.down = False  # MLflow is back: the same version is confirmed without a download
    downloads = backend.downloads
    assert await restarted.refresh() is True
    assert not restarted.current.from_cache
    assert backend.downloads == downloads


async def test_an_outage_without_cache_leaves_nothing_to_serve(tmp_path: Path) -> None:
    backend = FakeBackend()
    backend.down = True
    registry = make_registry(backend, tmp_path)
    await registry.start()
    assert registry.current is None


async def test_a_failed_reload_keeps_serving_the_current_pair(
    tmp_path: Path, backend: FakeBackend
) -> None:
    registry = make_registry(backend, tmp_path)
    await registry.start()
    served = registry.current
    backend.publish("2", features=("a_feature_this_build_lacks",))

    with pytest.raises(RegistryUnavailable, match="does not compute"):
        await registry.refresh()
    assert registry.current is served
    assert not (tmp_path / ATTRITION / "v2").exists()  # refused before downloading


async def test_the_cache_keeps_the_current_and_previous_versions(
    tmp_path: Path, backend: FakeBackend
) -> None:
    registry = make_registry(backend, tmp_path)
    await registry.start()
    for version in ("2", "3"):
        backend.publish(version)
        await registry.refresh()

    kept = sorted(p.name for p in (tmp_path / STALL).iterdir() if p.is_dir())
    assert kept == ["v2", "v3"]


async def test_a_cached_version_keeps_its_calibration(tmp_path: Path) -> None:
    """Served from disk during an outage, a calibrated version still scores calibrated."""
    spec = {"method": "isotonic", "x": [0.0, 1.0], "y": [0.1, 0.9]}
    backend = FakeBackend()
    backend.publish("2", calibration=spec)
    await make_registry(backend, tmp_path).start()
    backend.down = True

    restarted = make_registry(backend, tmp_path)
    await restarted.start()

    assert restarted.current is not None and restarted.current.from_cache
    assert restarted.current.attrition.meta.calibration == spec
