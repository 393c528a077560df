"""The recipes the model is compared with, under the same walk-forward protocol.

- model: the production settings (today the seed's recipe);
- candidate: regularised XGBoost with extra features and cut-off 0.55, chosen on 1980-1999
  only; it did worse on 2000-2024 and was not adopted (docs/model.md);
- always-up: says "up" every day; its precision is the base rate.
- seed: XGBoost max_depth 5, eta 0.1, 100 rounds, the seed's features, cut-off 0.5.
- dataquest: RandomForest 200 trees, min_samples_split 50, the seed's features, cut-off 0.6
  (the "predict the stock market" walkthrough).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stockpred.config import EvaluationSettings, Hyperparameters
from stockpred.evaluate import Fitter, Predictor, xgboost_fitter
from stockpred.features import (
    TARGET,
    candidate_feature_names,
    feature_names,
    seed_feature_names,
)

SEED_HYPERPARAMETERS = Hyperparameters(
    max_depth=5, eta=0.1, num_round=100, subsample=1.0, colsample_bytree=1.0, min_child_weight=1.0
)
CANDIDATE_HYPERPARAMETERS = Hyperparameters(
    max_depth=3, eta=0.05, num_round=200, subsample=0.8, colsample_bytree=0.8, min_child_weight=10.0
)
CANDIDATE_THRESHOLD = 0.55


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    features: list[str]
    threshold: float
    fitter: Fitter


def always_up_fitter(history: pd.DataFrame) -> Predictor:
    return lambda rows: np.ones(len(rows))


def random_forest_fitter(features: list[str]) -> Fitter:
    from sklearn.ensemble import RandomForestClassifier

    def fit(history: pd.DataFrame) -> Predictor:
        forest = RandomForestClassifier(
            n_estimators=200, min_samples_split=50, random_state=1, n_jobs=1
        )
        forest.fit(history[features].to_numpy(), history[TARGET].to_numpy().astype(int))
        return lambda rows: forest.predict_proba(rows[features].to_numpy())[:, 1]

    return fit


def recipes(settings: EvaluationSettings | None = None) -> list[Recipe]:
    """The model (current settings) first, then the baselines."""
    settings = settings or EvaluationSettings()
    hp = settings.hyperparameters
    seed_features = seed_feature_names()
    return [
        Recipe(
            "model",
            f"production settings: XGBoost max_depth {hp.max_depth}, eta {hp.eta}, "
            f"{hp.num_round} rounds, {len(feature_names())} features, cut-off "
            f"{settings.threshold}",
            feature_names(),
            settings.threshold,
            xgboost_fitter(feature_names(), hp),
        ),
        Recipe(
            "candidate",
            "XGBoost max_depth 3, eta 0.05, 200 rounds, subsample 0.8, "
            "min_child_weight 10, seed features + returns/volatility/52-week high, cut-off "
            "0.55 (chosen on 1980-1999)",
            candidate_feature_names(),
            CANDIDATE_THRESHOLD,
            xgboost_fitter(candidate_feature_names(), CANDIDATE_HYPERPARAMETERS),
        ),
        Recipe("always-up", "says up every day", seed_features, 0.5, always_up_fitter),
        Recipe(
            "seed",
            "XGBoost max_depth 5, eta 0.1, 100 rounds, seed features, cut-off 0.5",
            seed_features,
            0.5,
            xgboost_fitter(seed_features, SEED_HYPERPARAMETERS),
        ),
        Recipe(
            "dataquest",
            "RandomForest 200 trees, min_samples_split 50, seed features, cut-off 0.6",
            seed_features,
            0.6,
            random_forest_fitter(seed_features),
        ),
    ]
