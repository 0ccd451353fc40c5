"""The baselines a reviewer asks for, fitted and scored on the model's own split: logistic
regression on the same features, and the rule "inactive for more than 48 hours".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ml.features import CATEGORICAL_FEATURES, FEATURE_NAMES

RULE_INACTIVE_DAYS = 2.0


def fit_logreg(x: pd.DataFrame, y: np.ndarray, *, seed: int) -> object:
    """Median-imputed, standardised numeric features plus one-hot categories."""
    numeric = [f for f in FEATURE_NAMES if f not in CATEGORICAL_FEATURES]
    prepare = ColumnTransformer(
        [
            (
                "num",
                make_pipeline(
                    SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()
                ),
                numeric,
            ),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value=-1.0),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                CATEGORICAL_FEATURES,
            ),
        ]
    )
    model = make_pipeline(prepare, LogisticRegression(max_iter=500, C=1.0, random_state=seed))
    return model.fit(x[FEATURE_NAMES], y)


def logreg_scores(model: object, x: pd.DataFrame) -> np.ndarray:
    return np.asarray(model.predict_proba(x[FEATURE_NAMES])[:, 1], dtype=np.float64)  # type: ignore[attr-defined]


def rule_scores(x: pd.DataFrame) -> np.ndarray:
    """1 for learners inactive for more than 48 hours, else 0 (a flag, as the rule is used)."""
    return (x["days_since_last_activity"].to_numpy(np.float64) > RULE_INACTIVE_DAYS).astype(float)
