"""What the service serves: a registered model version, its Booster and the metadata
stored with it (features, band thresholds, metrics), and the pair scored together."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import lightgbm as lgb
import numpy as np


@dataclass(frozen=True)
class ModelMeta:
    """A registry version as resolved from an alias, before its files are loaded."""

    name: str
    version: str
    alias: str
    features: tuple[str, ...]
    band_medium_threshold: float
    band_high_threshold: float
    trained_at: datetime | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    run_id: str = ""
    # `ml.calibration` spec from the version's `calibration` tag; None serves raw scores
    calibration: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.band_medium_threshold <= self.band_high_threshold <= 1.0:
            raise ValueError(
                f"{self.name} v{self.version}: band thresholds must satisfy "
                f"0 <= medium ({self.band_medium_threshold}) <= high "
                f"({self.band_high_threshold}) <= 1"
            )
        if not self.features:
            raise ValueError(f"{self.name} v{self.version}: no feature list")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "alias": self.alias,
            "features": list(self.features),
            "band_medium_threshold": self.band_medium_threshold,
            "band_high_threshold": self.band_high_threshold,
            "trained_at": self.trained_at.isoformat() if self.trained_at else None,
            "metrics": self.metrics,
            "run_id": self.run_id,
            "calibration": self.calibration,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelMeta:
        trained_at = data.get("trained_at")
        return cls(
            name=data["name"],
            version=str(data["version"]),
            alias=data["alias"],
            features=tuple(data["features"]),
            band_medium_threshold=float(data["band_medium_threshold"]),
            band_high_threshold=float(data["band_high_threshold"]),
            trained_at=datetime.fromisoformat(trained_at) if trained_at else None,
            metrics={k: float(v) for k, v in data.get("metrics", {}).items()},
            run_id=data.get("run_id", ""),
            calibration=data.get("calibration"),
        )


def from_millis(ms: int | None) -> datetime | None:
    """MLflow run times are epoch milliseconds."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC) if ms else None


@dataclass(frozen=True)
class LoadedModel:
    meta: ModelMeta
    booster: lgb.Booster
    from_cache: bool = False

    @cached_property
    def calibration(self) -> dict[str, Any] | None:
        """`meta.calibration` with its knots as arrays, converted once instead of per call
        (`ml.calibration.apply` still checks and applies it)."""
        spec = self.meta.calibration
        if not spec or "x" not in spec or "y" not in spec:
            return spec
        try:
            knots = {k: np.asarray(spec[k], dtype=np.float64) for k in ("x", "y")}
        except (TypeError, ValueError):
            return spec  # malformed: apply names the problem
        return {**spec, **knots}

    @cached_property
    def sigmoid(self) -> float | None:
        """The logistic link's scale when the objective is binary (probability =
        1 / (1 + exp(-sigmoid * raw score))), else None."""
        return link_scale(self.booster)

    def confirmed(self) -> LoadedModel:
        """The same model, now confirmed by the registry rather than the disk cache."""
        return replace(self, from_cache=False)


def link_scale(booster: lgb.Booster) -> float | None:
    """From the model text's `objective=` line: `binary sigmoid:1` → 1.0; cross-entropy
    (`cross_entropy`, `xentropy`) → 1.0; any other objective → None."""
    for line in booster.model_to_string(num_iteration=1).splitlines():
        if line.startswith("objective="):
            name, *options = line.removeprefix("objective=").split()
            if name == "binary":
                params = dict(o.split(":", 1) for o in options if ":" in o)
                return float(params.get("sigmoid", 1.0))
            return 1.0 if name in ("cross_entropy", "xentropy") else None
        if line.startswith("Tree="):
            break
    return None


@dataclass(frozen=True)
class ModelSet:
    """Both models, swapped as one reference so a request never mixes two generations."""

    attrition: LoadedModel
    stall: LoadedModel

    @property
    def models(self) -> tuple[LoadedModel, LoadedModel]:
        return (self.attrition, self.stall)

    @property
    def from_cache(self) -> bool:
        return any(m.from_cache for m in self.models)

    def describe(self) -> dict[str, str]:
        """`{"learnpulse-attrition": "3", ...}` for logs."""
        return {m.meta.name: m.meta.version for m in self.models}
