"""Prediction store keyed by (ticker, target_date).

SqlitePredictionStore (local) and DynamoDBPredictionStore (AWS) keep the same contract.
Writing the same prediction twice leaves one record. A different prediction for a day already
predicted is refused unless forced; a forced replacement keeps the old record in history.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from dataclasses import fields
from pathlib import Path
from typing import Any

from stockpred.errors import PredictionConflictError
from stockpred.records import Prediction

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
# SQL below is built from this module's constant table and column names (the "nosec B608"
# marks); every value goes in as a bound parameter.


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
        query = f"SELECT {', '.join(COLUMNS)} FROM predictions"  # nosec B608
        params: tuple[str, ...] = ()
        if ticker:
            query, params = query + " WHERE ticker = ?", (ticker,)
        with closing(self._connect()) as connection:
            rows = connection.execute(query + " ORDER BY target_date DESC, ticker", params)
            return [Prediction(**dict(zip(COLUMNS, row, strict=True))) for row in rows]

    def set_actual(self, ticker: str, target_date: str, actual: str) -> bool:
        """Record the outcome once: only where it is still empty. True if it was filled."""
        with closing(self._connect()) as connection:
            cursor = connection.execute(
                "UPDATE predictions SET actual = ? "
                "WHERE ticker = ? AND target_date = ? AND actual IS NULL",
                (actual, ticker, target_date),
            )
            return cursor.rowcount == 1

    def history(self, ticker: str, target_date: str) -> list[Prediction]:
        """Predictions that were replaced (with --force) for that day, oldest first."""
        with closing(self._connect()) as connection:
            rows = connection.execute(
                f"SELECT {', '.join(COLUMNS)} FROM prediction_history "  # nosec B608
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
            f"SELECT {', '.join(COLUMNS)} FROM predictions WHERE ticker = ? AND target_date = ?",  # nosec B608
            (ticker, target_date),
        ).fetchone()
        return Prediction(**dict(zip(COLUMNS, row, strict=True))) if row else None

    @staticmethod
    def _insert(connection: sqlite3.Connection, table: str, prediction: Prediction) -> None:
        values = prediction.as_dict()
        connection.execute(
            f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",  # nosec B608
            [values[c] for c in COLUMNS],
        )

    @staticmethod
    def _archive(connection: sqlite3.Connection, old: Prediction) -> None:
        values = old.as_dict()
        connection.execute(
            f"INSERT INTO prediction_history ({', '.join(COLUMNS)}, replaced_at) "  # nosec B608
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


class DynamoDBPredictionStore:
    """The same contract on DynamoDB (PK ticker, SK target_date), with conditional writes.

    A forced replacement keeps the replaced prediction in the item's `history` list.
    """

    def __init__(self, table_name: str, client: Any) -> None:
        self.table = table_name
        self.client = client

    def put(self, prediction: Prediction, *, force: bool = False) -> str:
        errors = self.client.exceptions
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_to_item(prediction),
                ConditionExpression="attribute_not_exists(ticker)",
            )
            return STORED
        except errors.ConditionalCheckFailedException:
            pass
        existing = self.get(prediction.ticker, prediction.target_date)
        if existing is None:  # deleted in between: try once more from the start
            return self.put(prediction, force=force)
        if not prediction.differences(existing):
            return UNCHANGED
        if not force:
            raise PredictionConflictError(
                f"a different prediction for {prediction.ticker} on {prediction.target_date} "
                f"is already stored ({'; '.join(prediction.differences(existing))}); "
                "use --force to replace it (the old one is kept in history)"
            )
        self._replace(existing, prediction)
        return REPLACED

    def get(self, ticker: str, target_date: str) -> Prediction | None:
        response = self.client.get_item(
            TableName=self.table,
            ConsistentRead=True,
            Key={"ticker": {"S": ticker}, "target_date": {"S": target_date}},
        )
        item = response.get("Item")
        return _from_item(item) if item else None

    def set_actual(self, ticker: str, target_date: str, actual: str) -> bool:
        """Record the outcome once: only on an existing item whose actual is still empty."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"ticker": {"S": ticker}, "target_date": {"S": target_date}},
                UpdateExpression="SET actual = :actual",
                ConditionExpression="attribute_exists(ticker) AND attribute_not_exists(actual)",
                ExpressionAttributeValues={":actual": {"S": actual}},
            )
            return True
        except self.client.exceptions.ConditionalCheckFailedException:
            return False

    def history(self, ticker: str, target_date: str) -> list[Prediction]:
        """Predictions that were replaced (with --force) for that day, oldest first."""
        response = self.client.get_item(
            TableName=self.table,
            ConsistentRead=True,
            Key={"ticker": {"S": ticker}, "target_date": {"S": target_date}},
        )
        archived = response.get("Item", {}).get("history", {}).get("L", [])
        return [_from_item(entry["M"]) for entry in archived]

    def list(self, ticker: str | None = None) -> list[Prediction]:
        """Newest first. With a ticker, a Query; otherwise a Scan (small table: one row a day)."""
        items: list[dict] = []
        kwargs: dict[str, Any] = {"TableName": self.table}
        if ticker:
            kwargs |= {
                "KeyConditionExpression": "ticker = :t",
                "ExpressionAttributeValues": {":t": {"S": ticker}},
                "ScanIndexForward": False,
            }
        operation = self.client.query if ticker else self.client.scan
        while True:
            response = operation(**kwargs)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        records = [_from_item(item) for item in items]
        return sorted(records, key=lambda p: (p.target_date, p.ticker), reverse=True)

    def _replace(self, old: Prediction, new: Prediction) -> None:
        archived = {"M": _to_item(old) | {"replaced_at": {"S": _now()}}}
        item = _to_item(new)
        names = {f"#{k}": k for k in item if k not in ("ticker", "target_date")}
        values = {f":{k}": v for k, v in item.items() if k not in ("ticker", "target_date")}
        assignments = ", ".join(f"#{k} = :{k}" for k in item if k not in ("ticker", "target_date"))
        self.client.update_item(
            TableName=self.table,
            Key={"ticker": item["ticker"], "target_date": item["target_date"]},
            UpdateExpression=f"SET {assignments}, #history = list_append("
            "if_not_exists(#history, :empty), :archived)",
            # Optimistic lock: replace only the record we compared against.
            ConditionExpression="#created_at = :expected_created_at",
            ExpressionAttributeNames=names | {"#history": "history", "#created_at": "created_at"},
            ExpressionAttributeValues=values
            | {
                ":empty": {"L": []},
                ":archived": {"L": [archived]},
                ":expected_created_at": {"S": old.created_at},
            },
        )


def _to_item(prediction: Prediction) -> dict[str, dict[str, str]]:
    item = {}
    for name, value in prediction.as_dict().items():
        if value is None:
            continue
        item[name] = {"N": repr(value)} if isinstance(value, float) else {"S": str(value)}
    return item


def _from_item(item: dict[str, dict[str, str]]) -> Prediction:
    values: dict[str, Any] = {}
    for name in COLUMNS:
        if name in item:
            cell = item[name]
            values[name] = float(cell["N"]) if "N" in cell else cell["S"]
    return Prediction(**values)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
