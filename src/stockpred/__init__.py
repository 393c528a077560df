"""stockpred: S&P 500 next-day direction prediction.

Data flow: ingest -> validate -> features -> train -> evaluate -> register -> predict -> store.
"""

__version__ = "0.1.0"
