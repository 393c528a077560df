"""Prediction store keyed by (ticker, target_date).

SqlitePredictionStore is the local implementation (DynamoDB on AWS has the same keys).
Writing the same prediction twice leaves one record. A different prediction for a day already
predicted is refused unless forced; a forced replacement keeps the old record in history.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import fields
from pathlib import Path

from stockpred.errors import PredictionConflictError
from stockpred.predict import Prediction

COLUMNS = [f.name for f in fields(Prediction)]

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS predictions (
    {", ".join(COLUMNS)},
    PRIMARY KEY (ticker, target_date)
);
CREATE TABLE IF NOT EXISTS prediction_history (
    {", ".join(COLUMNS)},
    replaced_at TEXT NOT NULL
);
"""

STORED, UNCHANGED, REPLACED = "stored", "unchanged", "replaced"


class SqlitePredictionStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as connection:
            connection.executescript(_SCHEMA)

    def put(self, prediction: Prediction, *, force: bool = False) -> str:
        """Store a prediction: 'stored', 'unchanged' (same one already there) or 'replaced'."""
        with closing(self._connect()) as connection:
            connection.execute("BEGIN IMMEDIATE")  # serialise concurrent writers of the same day
            existing = self._get(connection, prediction.ticker, prediction.target_date)
            if existing is None:
                self._insert(connection, "predictions", prediction)
                status = STORED
            elif not prediction.differences(existing):
                status = UNCHANGED
            elif force:
                self._archive(connection, existing)
                self._replace(connection, prediction)
                status = REPLACED
            else:
                connection.rollback()
                raise PredictionConflictError(
                    f"a different prediction for {prediction.ticker} on "
                    f"{prediction.target_date} is already stored "
                    f"({'; '.join(prediction.differences(existing))}); "
                    "use --force to replace it (the old one is kept in history)"
                )
            connection.commit()
            return status

    def get(self, ticker: str, target_date: str) -> Prediction | None:
        with closing(self._connect()) as connection:
            return self._get(connection, ticker, target_date)

    def list(self, ticker: str | None = None) -> list[Prediction]:
        """Stored predictions, newest target day first."""
        query = f"SELECT {', '.join(COLUMNS)} FROM predictions"
        params: tuple[str, ...] = ()
        if ticker:
            query, params = query + " WHERE ticker = ?", (ticker,)
        with closing(self._connect()) as connection:
            rows = connection.execute(query + " ORDER BY target_date DESC, ticker", params)
            return [Prediction(**dict(zip(COLUMNS, row, strict=True))) for row in rows]

    def history(self, ticker: str, target_date: str) -> list[Prediction]:
        """Predictions that were replaced (with --force) for that day, oldest first."""
        with closing(self._connect()) as connection:
            rows = connection.execute(
                f"SELECT {', '.join(COLUMNS)} FROM prediction_history "
                "WHERE ticker = ? AND target_date = ? ORDER BY rowid",
                (ticker, target_date),
            )
            return [Prediction(**dict(zip(COLUMNS, row, strict=True))) for row in rows]

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection

    @staticmethod
    def _get(connection: sqlite3.Connection, ticker: str, target_date: str) -> Prediction | None:
        row = connection.execute(
            f"SELECT {', '.join(COLUMNS)} FROM predictions WHERE ticker = ? AND target_date = ?",
            (ticker, target_date),
        ).fetchone()
        return Prediction(**dict(zip(COLUMNS, row, strict=True))) if row else None

    @staticmethod
    def _insert(connection: sqlite3.Connection, table: str, prediction: Prediction) -> None:
        values = prediction.as_dict()
        connection.execute(
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
            [values[c] for c in COLUMNS],
        )

    @staticmethod
    def _archive(connection: sqlite3.Connection, old: Prediction) -> None:
        values = old.as_dict()
        connection.execute(
            f"INSERT INTO prediction_history ({', '.join(COLUMNS)}, replaced_at) "
            f"VALUES ({', '.join('?' * (len(COLUMNS) + 1))})",
            [*(values[c] for c in COLUMNS), dt.datetime.now(dt.UTC).isoformat(timespec="seconds")],
        )

    @staticmethod
    def _replace(connection: sqlite3.Connection, new: Prediction) -> None:
        connection.execute(
            "DELETE FROM predictions WHERE ticker = ? AND target_date = ?",
            (new.ticker, new.target_date),
        )
        SqlitePredictionStore._insert(connection, "predictions", new)
