"""Monitor (process image, SageMaker Processing): data quality, drift and live model quality.

Inputs  /opt/ml/processing/input/raw       prices.csv, ingest.json (fresh data: the outcomes)
        /opt/ml/processing/input/baseline  statistics.json, constraints.json of the deployed model
        /opt/ml/processing/input/captures  the endpoint's capture records (JSON Lines)
Output  /opt/ml/processing/output/report   statistics.json, constraint_violations.json,
        model_quality.json, metrics.json (PutMetricData-shaped), outcomes.json, summary.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from stockpred import market_calendar
from stockpred.features import feature_names
from stockpred.files import read_json, write_json_atomic
from stockpred.ingest import read_csv
from stockpred.monitor import (
    baseline_statistics,
    captured_rows,
    data_quality,
    metric_data,
    model_quality,
)
from stockpred.outcomes import outcomes_from_closes
from stockpred.steps.contract import (
    log,
    processing_input,
    processing_output,
    run_processing_job,
    whole_number,
)
from stockpred.validate import validate_prices

OUTCOME_SESSIONS = 300  # recent sessions whose outcome is handed to the backfill


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="monitor", description=__doc__)
    parser.add_argument("--endpoint", default="stockpred")
    parser.add_argument("--last-n", default="60", help="resolved predictions for model quality")
    parser.add_argument("--drift-days", default="60", help="captured days compared to baseline")
    parser.add_argument(
        "--freshness-sessions", default="5", help="recent sessions that must each have a prediction"
    )
    return parser.parse_args(argv)


def read_captures(ticker: str) -> list[dict]:
    """Capture records of one ticker, one per target day (the latest write wins)."""
    by_id: dict[str, dict] = {}
    for path in sorted(processing_input("captures").rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                record = json.loads(line)
                identifier = record["eventMetadata"]["inferenceId"]
                if identifier.startswith(f"{ticker}/"):
                    by_id[identifier] = record
    return [by_id[key] for key in sorted(by_id)]


def monitor(argv: list[str]) -> None:
    args = parse_args(argv)
    last_n = whole_number("--last-n", args.last_n, 1)
    drift_days = whole_number("--drift-days", args.drift_days, 1)
    freshness = whole_number("--freshness-sessions", args.freshness_sessions, 1)
    provenance = read_json(processing_input("raw") / "ingest.json")
    prices = validate_prices(
        read_csv(processing_input("raw") / "prices.csv"), provenance["data_source"]
    )
    ticker = provenance["ticker"]
    closes = [(str(day.date()), float(close)) for day, close in prices["Close"].items()]
    outcomes = outcomes_from_closes(closes[-(OUTCOME_SESSIONS + 1) :])
    statistics = read_json(processing_input("baseline") / "statistics.json")
    constraints = read_json(processing_input("baseline") / "constraints.json")
    records = read_captures(ticker)
    recent = records[-drift_days:]
    captured, violations = captured_rows(recent, feature_names())
    drift, drift_violations = data_quality(captured, statistics, constraints)
    violations += drift_violations
    quality = model_quality(records, outcomes, last_n)
    missing = missing_predictions(records, prices.index[-1].date(), freshness)
    as_of = str(prices.index[-1].date())
    timestamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    metrics = metric_data(
        endpoint=args.endpoint,
        schedule=f"{args.endpoint}-monitoring",
        timestamp=timestamp,
        quality=quality,
        drift=drift,
        violations=violations,
        missing_predictions=len(missing),
    )
    out = processing_output("report")
    write_json_atomic(out / "statistics.json", baseline_statistics(captured, feature_names()))
    write_json_atomic(out / "constraint_violations.json", {"violations": violations})
    write_json_atomic(out / "model_quality.json", quality)
    write_json_atomic(out / "metrics.json", metrics)
    write_json_atomic(out / "outcomes.json", {"ticker": ticker, "outcomes": outcomes})
    write_json_atomic(
        out / "summary.json",
        {
            "as_of": as_of,
            "ticker": ticker,
            "endpoint": args.endpoint,
            "created_at": timestamp,
            "n_captured": len(records),
            "n_drift_window": len(recent),
            "drift": drift,
            "violations": len(violations),
            "model_quality": quality,
            "missing_predictions": missing,
        },
    )
    log.info(
        "monitor %s: %d captures, %d violations, live precision %s on %d up calls "
        "(base rate %s); missing predictions: %s",
        as_of,
        len(records),
        len(violations),
        quality["precision"],
        quality["n_up_calls"],
        quality["base_rate"],
        missing or "none",
    )


def missing_predictions(records: list[dict], latest: dt.date, sessions: int) -> list[str]:
    """Target sessions without a prediction, for the last `sessions` closes up to `latest`.

    Only days after the first capture count, so a new deployment is not reported as missing.
    """
    if not records:
        return []
    predicted = {r["eventMetadata"]["inferenceId"].rsplit("/", 1)[-1] for r in records}
    first = min(predicted)
    calendar = market_calendar.nyse()
    closes = calendar.sessions_window(str(latest), -sessions)
    expected = [str(market_calendar.next_session(day.date())) for day in closes]
    return [day for day in expected if day >= first and day not in predicted]


def main() -> None:
    sys.exit(run_processing_job(lambda: monitor(sys.argv[1:])))


if __name__ == "__main__":
    main()
