"""Ingest image (SageMaker Processing): download and validate the daily bars.

Output /opt/ml/processing/output/raw: prices.csv (validated bars) and ingest.json (provenance).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from stockpred.errors import ConfigError
from stockpred.files import write_json_atomic, write_text_atomic
from stockpred.ingest import load_market_data
from stockpred.steps.contract import log, processing_output, run_processing_job

# SageMaker refuses empty pipeline parameter values and empty container arguments, so "not set"
# is spelled out: all the history there is, up to the latest completed session.
EARLIEST, LATEST = "earliest", "latest"


def optional_date(value: str, unset: str) -> dt.date | None:
    """A YYYY-MM-DD date, or None for the `unset` word."""
    value = value.strip()
    if value == unset:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{value!r} is not a date (YYYY-MM-DD) or {unset!r}") from None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ingest", description=__doc__)
    parser.add_argument("--ticker", default="^GSPC")
    parser.add_argument("--source", default="auto", help="auto | yahoo | snapshot | csv:PATH")
    parser.add_argument("--start", default=EARLIEST, help="first day kept, or earliest")
    parser.add_argument("--as-of", default=LATEST, help="last session used, or latest")
    return parser.parse_args(argv)


def ingest(argv: list[str]) -> None:
    args = parse_args(argv)
    start, as_of = optional_date(args.start, EARLIEST), optional_date(args.as_of, LATEST)
    market = load_market_data(args.source, args.ticker, as_of=as_of)
    prices = market.prices if start is None else market.prices.loc[str(start) :]
    if prices.empty:
        raise ConfigError(f"no bars on or after --start {start}")
    out = processing_output("raw")
    write_text_atomic(out / "prices.csv", prices.to_csv(date_format="%Y-%m-%d"))
    write_json_atomic(
        out / "ingest.json",
        {
            "ticker": market.ticker,
            "data_source": market.source,
            "first_day": str(prices.index[0].date()),
            "last_day": str(prices.index[-1].date()),
            "rows": len(prices),
            "as_of_requested": args.as_of,
        },
    )
    log.info(
        "ingested %d bars of %s from %s (%s..%s)",
        len(prices),
        market.ticker,
        market.source,
        prices.index[0].date(),
        prices.index[-1].date(),
    )


def main() -> None:
    sys.exit(run_processing_job(lambda: ingest(sys.argv[1:])))


if __name__ == "__main__":
    main()
