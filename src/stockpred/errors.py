"""Errors a user can act on. The CLI prints their message as one sentence, not a traceback."""


class StockpredError(Exception):
    """Base class for every error that should reach the user as a clear message."""


class ConfigError(StockpredError):
    """A setting (environment variable, option, hyperparameter) has an invalid value."""


class DataValidationError(StockpredError):
    """Market data failed validation at the edge; the message names the row or date."""


class DataSourceError(StockpredError):
    """Market data could not be obtained from the requested source."""


class RegistryError(StockpredError):
    """The model registry has no usable model, or an artifact is inconsistent."""


class PredictionConflictError(StockpredError):
    """A different prediction is already stored for the same ticker and target day."""
