"""Process image (SageMaker Processing): leakage-free features and the sets the next steps use.

Input  /opt/ml/processing/input/raw: prices.csv, ingest.json
Output /opt/ml/processing/output/
  train/train.csv            every labelled day: date, features, target (the final model's data)
  train/dataset.json         provenance: ticker, data source, features, date range
  validation/validation.csv  the most recent --eval-days labelled days (walk-forward test window)
  inference/inference.csv    the latest day's features (one CSV row, no header), no target
  inference/inference.json   ticker, as_of, target_date (next NYSE session), data source
  inference/outcomes.json    up/down of the recent sessions (to resolve past predictions)
  baseline/statistics.json, baseline/constraints.json   monitoring baseline (validation window)
With --inference-only, only the inference output is written. With --require-session-today
true (scheduled runs) on a day that is not a NYSE session, inference.json says no_session and
no features are written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from zoneinfo import ZoneInfo

from stockpred import market_calendar
from stockpred.errors import ConfigError, DataValidationError
from stockpred.features import TARGET, build_features, feature_names, labelled
from stockpred.files import read_json, write_json_atomic, write_text_atomic
from stockpred.ingest import read_csv
from stockpred.monitor import baseline_constraints, baseline_statistics
from stockpred.outcomes import outcomes_from_closes
from stockpred.steps.contract import (
    log,
    processing_input,
    processing_output,
    run_processing_job,
    whole_number,
)
from stockpred.validate import validate_prices


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="process", description=__doc__)
    parser.add_argument("--eval-days", default="1000", help="walk-forward test days (>= 250)")
    parser.add_argument("--inference-only", action="store_true")
    parser.add_argument(
        "--require-session-today",
        default="false",
        help="true on scheduled runs: if today (New York) is not a NYSE session, record that "
        "and write no features, so nothing is predicted",
    )
    parser.add_argument("--today", default="", help="today's date in New York (default: now)")
    return parser.parse_args(argv)


def process(argv: list[str]) -> None:
    args = parse_args(argv)
    raw = processing_input("raw")
    provenance = read_json(raw / "ingest.json")
    prices = validate_prices(read_csv(raw / "prices.csv"), provenance["data_source"])
    if _flag("--require-session-today", args.require_session_today):
        today = _today(args.today)
        if not market_calendar.is_session(today):
            write_no_session(today, provenance)
            return
        latest = prices.index[-1].date()
        if latest < today:  # scheduled after the close: today's bar must be there
            raise DataValidationError(
                f"stale data: the latest bar is {latest} but today's session {today} has "
                "closed; the source has not published it yet (retry later)"
            )
    frame = build_features(prices)
    if frame.empty or frame.index[-1] != prices.index[-1]:
        raise DataValidationError(
            f"not enough history before {prices.index[-1].date()} to compute features"
        )
    write_inference(frame, provenance)
    write_outcomes(prices, provenance)
    if not args.inference_only:
        write_training_sets(
            frame,
            provenance,
            eval_days=whole_number("--eval-days", args.eval_days, 250, " test days"),
        )


def _flag(name: str, value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise ConfigError(f"{name} {value!r}: use true or false")
    return value.lower() == "true"


def _today(value: str) -> dt.date:
    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ConfigError(f"--today {value!r} is not a date (YYYY-MM-DD)") from None
    return dt.datetime.now(ZoneInfo("America/New_York")).date()


def write_no_session(today: dt.date, provenance: dict) -> None:
    """A scheduled run on a market holiday: say so, and leave nothing to predict from."""
    write_json_atomic(
        processing_output("inference") / "inference.json",
        {
            "ticker": provenance["ticker"],
            "data_source": provenance["data_source"],
            "no_session": True,
            "date": str(today),
        },
    )
    log.info("%s is not a NYSE session: nothing to predict", today)


def write_inference(frame, provenance: dict) -> None:
    latest = frame.iloc[[-1]]
    as_of = latest.index[0].date()
    out = processing_output("inference")
    # Values only, in the model's feature order (named in inference.json): the row the endpoint
    # receives and the capture records, as Model Monitor expects them.
    write_text_atomic(
        out / "inference.csv", latest[feature_names()].to_csv(index=False, header=False)
    )
    write_json_atomic(
        out / "inference.json",
        {
            "ticker": provenance["ticker"],
            "data_source": provenance["data_source"],
            "as_of": str(as_of),
            "target_date": str(market_calendar.next_session(as_of)),
            "features": feature_names(),
        },
    )
    log.info("latest features: %s -> predicting %s", as_of, market_calendar.next_session(as_of))


def write_outcomes(prices, provenance: dict) -> None:
    """Outcomes of the recent sessions, so the inference step can resolve past predictions."""
    closes = [(str(day.date()), float(close)) for day, close in prices["Close"].iloc[-301:].items()]
    write_json_atomic(
        processing_output("inference") / "outcomes.json",
        {"ticker": provenance["ticker"], "outcomes": outcomes_from_closes(closes)},
    )


def write_training_sets(frame, provenance: dict, *, eval_days: int) -> None:
    rows = labelled(frame)[[*feature_names(), TARGET]]
    if len(rows) < eval_days + 250:
        raise DataValidationError(
            f"{len(rows)} labelled days are not enough for a {eval_days}-day evaluation window "
            "after 250 training days"
        )
    train_out, validation_out = processing_output("train"), processing_output("validation")
    write_text_atomic(train_out / "train.csv", rows.to_csv(date_format="%Y-%m-%d"))
    write_json_atomic(
        train_out / "dataset.json",
        {
            **{k: provenance[k] for k in ("ticker", "data_source")},
            "features": feature_names(),
            "first_day": str(rows.index[0].date()),
            "last_day": str(rows.index[-1].date()),
            "last_close": str(frame.index[-1].date()),
            "rows": len(rows),
        },
    )
    window = rows.iloc[-eval_days:]
    write_text_atomic(validation_out / "validation.csv", window.to_csv(date_format="%Y-%m-%d"))
    # The monitoring baseline: the recent window the model was validated on (the whole history
    # would flag every long-horizon feature as drifted against any recent regime).
    statistics = baseline_statistics(window, feature_names())
    baseline_out = processing_output("baseline")
    write_json_atomic(baseline_out / "statistics.json", statistics)
    write_json_atomic(baseline_out / "constraints.json", baseline_constraints(statistics))
    log.info(
        "train set %d days; validation window %s..%s",
        len(rows),
        window.index[0].date(),
        window.index[-1].date(),
    )


def main() -> None:
    sys.exit(run_processing_job(lambda: process(sys.argv[1:])))


if __name__ == "__main__":
    main()
