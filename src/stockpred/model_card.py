"""The model card: what a model was made from, how it did walk-forward, and what it cannot do."""

from __future__ import annotations

from typing import Any

import jinja2

TEMPLATE = jinja2.Template("""# Model card: {{ ticker }} next-day direction

## What it predicts
Whether {{ ticker }} closes above its previous close on the next NYSE session, from features
computed at the close of the day before. Output: P(up); "up" when P(up) > {{ threshold }}.

## Data
- Source: {{ data_source }}; daily bars {{ data_start }} .. {{ data_end }}.
- Features ({{ features|length }}): {{ features|join(", ") }}. Each uses closes up to and
  including the day it describes; nothing from later days.

## Training
- XGBoost binary classifier (binary:logistic, hist), deterministic (fixed seed, one thread).
- Hyperparameters: {{ hyperparameters|dictsort|map("join", "=")|join(", ") }}.

## Walk-forward evaluation
{{ start }} .. {{ end }}: {{ n_days }} test days, refit every {{ refit_every }}.

| metric | value |
|---|---|
| precision of up calls | {{ fmt(precision) }} |
| up calls | {{ n_up_calls }} |
| always-up base rate (same days) | {{ fmt(base_rate) }} |
| lift (precision - base rate) | {{ fmt(lift) }} |
| one-sided binomial p-value vs base rate | {{ fmt(p_value) }} |
| accuracy | {{ fmt(accuracy) }} |

Each block of {{ refit_every }} test days was predicted by a model trained only on days before it.

## Promotion gate
{{ "PASSED" if gate.passed else "FAILED" }}: {{ gate.reason }} (minimum precision
{{ gate.min_precision }}, required margin over the base rate {{ gate.margin }}).

## Known limits
- Next-day index direction is close to a coin flip weighted by the market's upward drift:
  expect a precision within a few points of the base rate, and long losing streaks.
- The evaluation window is one market regime; a p-value above 0.05 means the edge over
  "always up" is not distinguishable from luck.
- No transaction costs, taxes or slippage are modelled in these metrics.
- Not investment advice.
""")


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def render_model_card(metadata: dict[str, Any], evaluation: dict[str, Any]) -> str:
    """Markdown from the model's metadata.json and its evaluation.json."""
    return TEMPLATE.render(
        ticker=metadata.get("ticker", evaluation.get("ticker")),
        threshold=metadata.get("threshold", evaluation.get("threshold")),
        data_source=evaluation.get("data_source", metadata.get("data_source")),
        data_start=evaluation.get("data_start", metadata.get("train_start")),
        data_end=evaluation.get("data_end", metadata.get("train_end")),
        features=metadata["features"],
        hyperparameters=metadata["hyperparameters"],
        fmt=_fmt,
        **{
            k: evaluation[k]
            for k in (
                "start",
                "end",
                "n_days",
                "refit_every",
                "precision",
                "n_up_calls",
                "base_rate",
                "lift",
                "p_value",
                "accuracy",
                "gate",
            )
        },
    )
