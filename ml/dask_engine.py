"""`learnpulse train --engine dask`: examples built per cut-off as Dask tasks and both
Boosters fitted with lightgbm.dask, on a LocalCluster or an existing scheduler; calibration,
bands, baselines and the report then run here, exactly as with the local engine.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from ml.dataset import Dataset
from ml.features import CATEGORICAL_FEATURES
from ml.labels import make_examples
from ml.training import MAX_ROUNDS, Param, TrainedModel, train_models

CUTS_PER_TASK = 4


@contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2) -> Iterator[Any]:
    """A distributed Client: on `scheduler` (e.g. tcp://host:8786) or a LocalCluster."""
    from distributed import Client, LocalCluster

    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=False,
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def train_models_dask(dataset: Dataset, *, client: Any, seed: int = 7) -> list[TrainedModel]:
    """`train_models` with examples and Boosters computed on the cluster behind `client`."""
    shared = client.scatter(dataset, broadcast=True)
    workers = max(1, len(client.scheduler_info()["workers"]))

    def examples(_: Dataset, cuts: list[pd.Timestamp]) -> pd.DataFrame:
        chunks = [cuts[i : i + CUTS_PER_TASK] for i in range(0, len(cuts), CUTS_PER_TASK)]
        futures = [client.submit(make_examples, shared, chunk, pure=False) for chunk in chunks]
        return pd.concat(client.gather(futures), ignore_index=True)

    def fit(
        x: dict[str, pd.DataFrame], y: dict[str, np.ndarray], params: dict[str, Param]
    ) -> lgb.Booster:
        return _fit_dask(client, workers, x, y, params)

    return train_models(dataset, seed=seed, examples=examples, fit=fit)


def _fit_dask(
    client: Any,
    workers: int,
    x: dict[str, pd.DataFrame],
    y: dict[str, np.ndarray],
    params: dict[str, Param],
) -> lgb.Booster:
    """lightgbm.dask has no early stopping: train MAX_ROUNDS with the validation rows as an
    eval set, then keep the Booster up to its best validation iteration."""
    import dask.dataframe as dd
    from lightgbm.dask import DaskLGBMClassifier

    def frames(name: str) -> tuple[Any, Any]:
        parts = max(1, min(workers, len(x[name]) // 500))
        features = dd.from_pandas(x[name].reset_index(drop=True), npartitions=parts)
        labels = dd.from_pandas(pd.Series(y[name], name="label"), npartitions=parts)
        return features, labels

    settings: dict[str, Any] = {
        k: v for k, v in params.items() if k not in ("num_threads", "objective")
    }
    model = DaskLGBMClassifier(
        client=client, objective="binary", n_estimators=MAX_ROUNDS, **settings
    )
    train_x, train_y = frames("train")
    valid_x, valid_y = frames("valid")
    with warnings.catch_warnings():
        # lightgbm.dask warns about its own default n_jobs: it sets threads per worker itself.
        warnings.filterwarnings("ignore", message="Parameter n_jobs will be ignored")
        model.fit(
            train_x,
            train_y,
            eval_X=(valid_x,),
            eval_y=(valid_y,),
            eval_names=["valid"],
            categorical_feature=CATEGORICAL_FEATURES,
        )
    losses = model.evals_result_["valid"]["binary_logloss"]
    best = int(np.argmin(losses)) + 1
    booster = lgb.Booster(model_str=model.booster_.model_to_string(num_iteration=best))
    booster.best_iteration = best
    return booster
