"""Train image: `train` (SageMaker Training) and `evaluate` (SageMaker Processing).

train:    channel /opt/ml/input/data/train (train.csv, dataset.json), hyperparameters.json
          (strings: max_depth, eta, num_round, ..., threshold) -> /opt/ml/model
          (model.json, metadata.json; SageMaker uploads it as model.tar.gz)
evaluate: /opt/ml/processing/input/{train,validation} -> /opt/ml/processing/output/evaluation
          (evaluation.json: metrics beside the base rate and the gate; walk_forward.csv per day;
          model_card.md)
"""

from __future__ import annotations

import argparse
import sys

from stockpred.config import EvaluationSettings, Hyperparameters
from stockpred.errors import ConfigError
from stockpred.evaluate import evaluation_report
from stockpred.features import feature_names, read_features_csv
from stockpred.files import read_json, write_json_atomic, write_text_atomic
from stockpred.model_card import render_model_card
from stockpred.steps.contract import (
    hyperparameters,
    log,
    model_dir,
    processing_input,
    processing_output,
    run_processing_job,
    run_training_job,
    training_channel,
)
from stockpred.train import save_model, train_model


def _number(name: str, value: str, kind: type = float) -> float:
    try:
        return kind(value)
    except ValueError:
        raise ConfigError(f"{name} {value!r} is not a valid {kind.__name__}") from None


def train() -> None:
    values = hyperparameters()
    threshold = _number("threshold", values.pop("threshold", str(EvaluationSettings().threshold)))
    hp = Hyperparameters.from_strings(values)
    EvaluationSettings(threshold=threshold, hyperparameters=hp)  # validates the threshold
    channel = training_channel("train")
    dataset = read_json(channel / "dataset.json")
    frame = read_features_csv(channel / "train.csv")
    model = train_model(
        frame,
        feature_names(),
        hp,
        threshold=threshold,
        ticker=dataset["ticker"],
        data_source=dataset["data_source"],
    )
    save_model(model, model_dir())
    log.info(
        "trained on %d days (%s..%s)",
        model.metadata["n_train_rows"],
        model.metadata["train_start"],
        model.metadata["train_end"],
    )


def parse_evaluate_args(argv: list[str]) -> EvaluationSettings:
    parser = argparse.ArgumentParser(prog="evaluate")
    defaults = EvaluationSettings()
    for option, default in [
        ("--refit-every", str(defaults.refit_every)),
        ("--threshold", str(defaults.threshold)),
        ("--min-precision", str(defaults.min_precision)),
        ("--margin", str(defaults.margin)),
        ("--max-depth", str(defaults.hyperparameters.max_depth)),
        ("--eta", str(defaults.hyperparameters.eta)),
        ("--num-round", str(defaults.hyperparameters.num_round)),
    ]:
        parser.add_argument(option, default=default)
    args = parser.parse_args(argv)
    hp = Hyperparameters.from_strings(
        {"max_depth": args.max_depth, "eta": args.eta, "num_round": args.num_round}
    )
    return EvaluationSettings(
        refit_every=int(_number("--refit-every", args.refit_every, int)),
        threshold=_number("--threshold", args.threshold),
        min_precision=_number("--min-precision", args.min_precision),
        margin=_number("--margin", args.margin),
        hyperparameters=hp,
    )


def evaluate(argv: list[str]) -> None:
    settings = parse_evaluate_args(argv)
    frame = read_features_csv(processing_input("train") / "train.csv")
    window = read_features_csv(processing_input("validation") / "validation.csv")
    dataset = read_json(processing_input("train") / "dataset.json")
    predictions, report = evaluation_report(
        frame,
        feature_names(),
        settings,
        start=window.index[0].date(),
        end=window.index[-1].date(),
    )
    out = processing_output("evaluation")
    write_text_atomic(
        out / "walk_forward.csv", predictions.to_csv(index=False, float_format="%.6f")
    )
    write_json_atomic(
        out / "evaluation.json",
        {
            **report,
            "ticker": dataset["ticker"],
            "data_source": dataset["data_source"],
            "data_start": dataset["first_day"],
            "data_end": dataset["last_close"],
        },
    )
    card = {
        "ticker": dataset["ticker"],
        "threshold": settings.threshold,
        "features": feature_names(),
        "hyperparameters": settings.hyperparameters.as_strings(),
    }
    evaluation = read_json(out / "evaluation.json")
    write_text_atomic(out / "model_card.md", render_model_card(card, evaluation))
    log.info("walk-forward: %s", report["gate"]["reason"])


def main() -> None:
    command, rest = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("", [])
    if command == "train":
        sys.exit(run_training_job(train))
    if command == "evaluate":
        sys.exit(run_processing_job(lambda: evaluate(rest)))
    sys.stderr.write("usage: train | evaluate [options]\n")
    sys.exit(2)


if __name__ == "__main__":
    main()
