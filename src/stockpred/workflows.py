"""The end-to-end flows behind the CLI: train -> evaluate -> gate -> register, backtest, predict.

Each flow is a composition of the stage modules; it holds no logic of its own beyond ordering.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from stockpred.config import EvaluationSettings
from stockpred.errors import DataValidationError, RegistryError
from stockpred.evaluate import evaluation_report, evaluation_window, summarize, walk_forward
from stockpred.features import build_features, feature_names
from stockpred.ingest import MarketData
from stockpred.model_card import render_model_card
from stockpred.predict import latest_features, make_prediction
from stockpred.records import Prediction
from stockpred.registry import APPROVED, REJECTED, LocalModelRegistry, ModelVersion
from stockpred.store import SqlitePredictionStore
from stockpred.train import save_model, train_model


@dataclass(frozen=True)
class TrainingResult:
    evaluation: dict[str, Any]
    version: ModelVersion

    @property
    def approved(self) -> bool:
        return self.version.approval_status == APPROVED


def evaluate_recent(market: MarketData, settings: EvaluationSettings) -> dict[str, Any]:
    """Walk-forward metrics over the most recent window, the gate decision and the context."""
    frame = build_features(market.prices)
    start, end = evaluation_window(frame, settings.eval_days)
    _, report = evaluation_report(frame, feature_names(), settings, start=start, end=end)
    return {
        **report,
        "ticker": market.ticker,
        "data_source": market.source,
        "data_start": str(market.first_day),
        "data_end": str(market.last_day),
    }


def train_and_register(
    market: MarketData, settings: EvaluationSettings, registry: LocalModelRegistry
) -> TrainingResult:
    """Evaluate walk-forward, fit the final model on all labelled days, register it.

    A model that fails the gate is registered as Rejected, so the decision and its reason stay
    on record; only Approved models are ever used for predictions.
    """
    evaluation = evaluate_recent(market, settings)
    model = train_model(
        build_features(market.prices),
        feature_names(),
        settings.hyperparameters,
        threshold=settings.threshold,
        ticker=market.ticker,
        data_source=market.source,
    )
    with tempfile.TemporaryDirectory() as scratch:
        artifact = Path(scratch) / "artifact"
        save_model(model, artifact)
        status = APPROVED if evaluation["gate"]["passed"] else REJECTED
        version = registry.register(
            artifact,
            approval_status=status,
            metrics=evaluation,
            description=evaluation["gate"]["reason"],
        )
    registry.attach(
        version.version, "model_card.md", render_model_card(model.metadata, evaluation).encode()
    )
    return TrainingResult(evaluation=evaluation, version=version)


def backtest(
    market: MarketData, settings: EvaluationSettings, *, start: dt.date, end: dt.date, step: int
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Walk-forward per-day predictions over [start, end] and their summary."""
    frame = build_features(market.prices)
    predictions = walk_forward(
        frame,
        feature_names(),
        settings.hyperparameters,
        start=start,
        end=end,
        step=step,
        threshold=settings.threshold,
    )
    return predictions, summarize(predictions)


def predict_next_session(
    market: MarketData,
    registry: LocalModelRegistry,
    store: SqlitePredictionStore,
    *,
    force: bool = False,
    now: dt.datetime | None = None,
) -> tuple[Prediction, str]:
    """Predict the session after the data's last close with the newest approved model; store it."""
    entry = registry.newest_approved()
    model = registry.load(entry)
    if model.metadata["ticker"] != market.ticker:
        raise RegistryError(
            f"the newest approved model was trained on {model.metadata['ticker']}, "
            f"not {market.ticker}"
        )
    frame = build_features(market.prices)
    if frame.empty or frame.index[-1].date() != market.last_day:
        raise DataValidationError(
            f"{market.source}: not enough history before {market.last_day} to compute features"
        )
    as_of, row = latest_features(frame)
    prediction = make_prediction(
        float(model.predict_proba(row)[0]),
        ticker=market.ticker,
        as_of=as_of,
        threshold=model.threshold,
        model_version=f"{entry.group}/{entry.version}",
        data_source=market.source,
        now=now,
    )
    return prediction, store.put(prediction, force=force)
