"""The monitoring report: an HTML page with plots of drift, live precision and violations.

It reads every monitoring run under s3://<bucket>/monitoring/runs/ in the local object store
(on AWS: `aws s3 sync s3://<bucket>/monitoring <home>/s3/<bucket>/monitoring` first).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from stockpred.errors import ConfigError

TEMPLATE = jinja2.Template(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>stockpred monitoring: {{ endpoint }}</title>
<style>
 body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1000px; color: #222 }
 table { border-collapse: collapse; margin: 1rem 0 } td, th { border: 1px solid #ccc;
 padding: .3rem .6rem; text-align: left } th { background: #f4f4f4 }
 .bad { color: #b00020; font-weight: 600 } .ok { color: #1b5e20 } img { max-width: 100% }
</style></head><body>
<h1>Monitoring of the {{ endpoint }} endpoint</h1>
<p>{{ runs|length }} monitoring run(s), {{ runs[0].as_of }} .. {{ latest.as_of }}.
Latest run: {{ latest.n_captured }} captured predictions, {{ latest.n_drift_window }} in the drift
window; <span class="{{ 'bad' if latest.violations else 'ok' }}">{{ latest.violations }}
violation(s)</span>.</p>
<h2>Live precision beside the always-up base rate</h2>
<p>Latest: {% if quality.precision is not none %}precision {{ '%.4f'|format(quality.precision) }}
on {{ quality.n_up_calls }} up calls vs base rate {{ '%.4f'|format(quality.base_rate) }} over
{{ quality.n_resolved }} resolved predictions ({{ quality.start }} .. {{ quality.end }}){% else %}
no resolved up calls yet{% endif %}.</p>
<img src="precision.png" alt="live precision and base rate over time">
<h2>Drift of each feature against the baseline</h2>
<p>Kolmogorov-Smirnov distance between the captured inputs and the baseline, after Model
Monitor's Robust small-sample correction; a violation above the threshold {{ threshold }}.</p>
<img src="drift.png" alt="drift distance per feature over time">
<h2>Latest violations</h2>
{% if violations %}<table><tr><th>feature</th><th>check</th><th>description</th></tr>
{% for v in violations %}<tr><td>{{ v.feature_name }}</td><td>{{ v.constraint_check_type }}</td>
<td>{{ v.description }}</td></tr>{% endfor %}</table>{% else %}<p class="ok">None.</p>{% endif %}
<h2>Missing predictions</h2>
{% if latest.missing_predictions %}<p class="bad">No prediction for:
{{ latest.missing_predictions|join(', ') }}</p>{% else %}<p class="ok">None in the last
sessions.</p>{% endif %}
</body></html>
""",
    autoescape=True,
)


@dataclass(frozen=True)
class Run:
    summary: dict[str, Any]
    violations: list[dict[str, Any]]


def load_runs(runs_dir: Path) -> list[Run]:
    """One run per as-of day (the latest written wins), oldest first."""
    by_day: dict[str, Run] = {}
    for path in sorted(runs_dir.glob("*/summary.json")):
        summary = json.loads(path.read_text())
        violations = json.loads((path.parent / "constraint_violations.json").read_text())
        current = by_day.get(summary["as_of"])
        if current is None or summary["created_at"] >= current.summary["created_at"]:
            by_day[summary["as_of"]] = Run(summary, violations["violations"])
    return [by_day[day] for day in sorted(by_day)]


def write_report(runs_dir: Path, out: Path, threshold: float = 0.1) -> Path:
    runs = load_runs(runs_dir)
    if not runs:
        raise ConfigError(f"no monitoring runs in {runs_dir}: run the monitoring pipeline first")
    out.mkdir(parents=True, exist_ok=True)
    _plot_precision(runs, out / "precision.png")
    _plot_drift(runs, out / "drift.png", threshold)
    latest = runs[-1]
    page = TEMPLATE.render(
        endpoint=latest.summary["endpoint"],
        runs=[r.summary for r in runs],
        latest=latest.summary,
        quality=latest.summary["model_quality"],
        violations=latest.violations,
        threshold=threshold,
    )
    (out / "index.html").write_text(page)
    return out / "index.html"


def _plot_precision(runs: list[Run], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = _dates(runs)
    quality = [r.summary["model_quality"] for r in runs]
    figure, axis = plt.subplots(figsize=(9, 3.5))
    axis.plot(days, [q["precision"] for q in quality], marker="o", label="live precision")
    axis.plot(
        days,
        [q["base_rate"] for q in quality],
        marker="s",
        linestyle="--",
        label="always-up base rate",
    )
    axis.set_ylabel("share of up days")
    axis.set_ylim(0, 1)
    axis.legend(loc="lower left")
    _finish(figure, axis, path)


def _plot_drift(runs: list[Run], path: Path, threshold: float) -> None:
    import matplotlib.pyplot as plt

    days = _dates(runs)
    features = sorted(runs[-1].summary["drift"])
    figure, axis = plt.subplots(figsize=(9, 4))
    for feature in features:
        values = [r.summary["drift"].get(feature, {}).get("robust_distance") for r in runs]
        axis.plot(days, values, marker=".", label=feature)
    axis.axhline(threshold, color="#b00020", linestyle=":", label=f"threshold {threshold}")
    axis.set_ylabel("KS distance (Robust)")
    axis.legend(fontsize="small", ncol=2, loc="upper left")
    _finish(figure, axis, path)


def _dates(runs: list[Run]) -> list[dt.date]:
    return [dt.date.fromisoformat(r.summary["as_of"]) for r in runs]


def _finish(figure: Any, axis: Any, path: Path) -> None:
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    locator = mdates.AutoDateLocator()
    axis.xaxis.set_major_locator(locator)
    axis.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
