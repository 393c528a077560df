"""Training: a deterministic XGBoost classifier and its artifact.

The artifact folder (what SageMaker tars into model.tar.gz) holds:
  model.json     the XGBoost booster
  metadata.json  feature list, hyperparameters, threshold, training range, data hash and source
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb

from stockpred.config import Hyperparameters
from stockpred.errors import DataValidationError, RegistryError
from stockpred.features import TARGET, frame_sha256, labelled
from stockpred.files import write_json_atomic

MODEL_FILE = "model.json"
METADATA_FILE = "metadata.json"


@dataclass
class TrainedModel:
    booster: xgb.Booster
    metadata: dict[str, Any]

    @property
    def features(self) -> list[str]:
        return list(self.metadata["features"])

    @property
    def threshold(self) -> float:
        return float(self.metadata["threshold"])

    def predict_proba(self, rows: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Probability of an up day for each row (columns in the model's feature order)."""
        values = rows[self.features].to_numpy() if isinstance(rows, pd.DataFrame) else rows
        # inplace_predict: no DMatrix copy, and safe to call from several threads.
        return self.booster.inplace_predict(np.asarray(values, dtype="float64"))


def fit_booster(rows: pd.DataFrame, features: list[str], hp: Hyperparameters) -> xgb.Booster:
    """Fit on labelled rows. Same rows and settings give the same booster, bit for bit."""
    matrix = xgb.DMatrix(
        rows[features].to_numpy(), label=rows[TARGET].to_numpy(), feature_names=features
    )
    return xgb.train(hp.xgboost_params(), matrix, num_boost_round=hp.num_round)


def train_model(
    frame: pd.DataFrame,
    features: list[str],
    hp: Hyperparameters,
    *,
    threshold: float,
    ticker: str,
    data_source: str,
) -> TrainedModel:
    """Train on every labelled row of `frame`; record what the model was made from."""
    rows = labelled(frame)
    if len(rows) < 250:
        raise DataValidationError(
            f"only {len(rows)} labelled rows; at least 250 are needed to train"
        )
    booster = fit_booster(rows, features, hp)
    metadata = {
        "ticker": ticker,
        "features": features,
        "hyperparameters": hp.as_strings(),
        "threshold": threshold,
        "train_start": str(rows.index[0].date()),
        "train_end": str(rows.index[-1].date()),
        "n_train_rows": len(rows),
        "data_sha256": frame_sha256(rows[[*features, TARGET]]),
        "data_source": data_source,
        "xgboost_version": xgb.__version__,
    }
    return TrainedModel(booster=booster, metadata=metadata)


def save_model(model: TrainedModel, directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    model.booster.save_model(directory / MODEL_FILE)
    write_json_atomic(directory / METADATA_FILE, model.metadata)


def load_model(directory: Path, *, nthread: int = 1) -> TrainedModel:
    """Load an artifact folder; one thread per booster (XGBoost predict is not thread-safe)."""
    model_path, metadata_path = directory / MODEL_FILE, directory / METADATA_FILE
    if not model_path.is_file() or not metadata_path.is_file():
        raise RegistryError(
            f"{directory} is not a model artifact ({MODEL_FILE} and {METADATA_FILE} expected)"
        )
    booster = xgb.Booster(params={"nthread": nthread}, model_file=str(model_path))
    metadata = json.loads(metadata_path.read_text())
    return TrainedModel(booster=booster, metadata=metadata)
