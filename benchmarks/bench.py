"""Benchmarks: numbers and ratios against baselines measured in the same run.

  1. local training and inference pipeline runs: wall time and peak memory per step and in all;
  2. backtest 2000-2024 with yearly refits: the model beside the Dataquest recipe (ratio);
  3. serving: latency p50/p95/p99 and throughput of single-row CSV /invocations at
     concurrency 1, 8 and 32, the project's server beside a naive single-process Flask app,
     load from wrk over 127.0.0.1 (bounded: DURATION seconds per level).

usage: python benchmarks/bench.py [--duration SECONDS] [--skip-backtest]
Writes benchmarks/results.json and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
ROW = "1.001,1.0,0.998,3.0,1.02,33.0,1.05,140.0,1.2,530.0"
LEVELS = (1, 8, 32)
WRK_SCRIPT = REPO / "benchmarks" / "invocations.lua"


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB of the process tree's largest process, stdout)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return time.perf_counter() - started, usage.ru_maxrss / 1024, output


def bench_pipelines(home: Path) -> dict:
    env = {**os.environ, "STOCKPRED_HOME": str(home), "STOCKPRED_DATA_SOURCE": "snapshot"}
    results = {}
    for name in ("training", "inference"):
        wall, rss, output = measured(
            [
                PYTHON,
                "-m",
                "stockpred",
                "pipeline",
                "run",
                name,
                "--param",
                "DataSource=snapshot",
                "--json",
            ],
            env,
        )
        record = json.loads(output)
        steps = [
            {"step": s["name"], "seconds": s["duration_s"], "peak_rss_mb": s["peak_rss_mb"]}
            for s in record["steps"]
            if s["status"] == "Succeeded"
        ]
        results[name] = {
            "wall_seconds": round(wall, 2),
            "runner_peak_rss_mb": round(rss, 1),
            "peak_rss_mb": round(max([rss] + [s["peak_rss_mb"] or 0 for s in steps]), 1),
            "steps": steps,
        }
    return results


def bench_backtest() -> dict:
    from stockpred.baselines import recipes
    from stockpred.evaluate import walk_forward
    from stockpred.features import build_features
    from stockpred.ingest import read_snapshot
    from stockpred.validate import validate_prices

    frame = build_features(validate_prices(read_snapshot(), "snapshot"))
    timings = {}
    for recipe in recipes():
        if recipe.name not in ("model", "dataquest"):
            continue
        started = time.perf_counter()
        walk_forward(
            frame,
            recipe.features,
            None,
            start=dt.date(2000, 1, 1),
            end=dt.date(2024, 12, 31),
            step=250,
            threshold=recipe.threshold,
            fitter=recipe.fitter,
        )
        timings[recipe.name] = round(time.perf_counter() - started, 2)
    return {
        "model_seconds": timings["model"],
        "dataquest_seconds": timings["dataquest"],
        "speedup_vs_dataquest": round(timings["dataquest"] / timings["model"], 1),
    }


def wait_ready(port: int, process: subprocess.Popen) -> None:
    import urllib.request

    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server on {port} exited")
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/invocations",
                data=ROW.encode(),
                headers={"Content-Type": "text/csv"},
            )
            urllib.request.urlopen(request, timeout=2)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on {port} did not answer")


def load(port: int, connections: int, duration: int) -> dict:
    output = subprocess.run(
        [
            "wrk",
            f"-t{min(connections, 2)}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
            f"http://127.0.0.1:{port}/invocations",
        ],
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=True,
        env={**os.environ, "STOCKPRED_BENCH_BODY": ROW},
    ).stdout
    result = json.loads(output.split("RESULT ", 1)[1].splitlines()[0])
    seconds = result["duration_us"] / 1e6
    return {
        "concurrency": connections,
        "requests": result["requests"],
        "errors": result["errors"] + result["non_2xx"],
        "throughput_rps": round(result["requests"] / seconds, 1),
        "p50_ms": result["p50_us"] / 1000,
        "p95_ms": result["p95_us"] / 1000,
        "p99_ms": result["p99_us"] / 1000,
    }


def bench_serving(home: Path, duration: int) -> dict:
    from stockpred.endpoint import free_port

    model_dir = next((home / "registry" / "stockpred").glob("*/artifact"))
    servers = {
        "project": [
            PYTHON,
            "-m",
            "stockpred",
            "serve",
            "--model-dir",
            str(model_dir),
            "--workers",
            str(os.cpu_count() or 1),
        ],
        "naive_flask": [PYTHON, str(REPO / "benchmarks" / "naive_server.py"), str(model_dir)],
    }
    results = {}
    for name, command in servers.items():
        port = free_port()
        argv = command + (["--port", str(port)] if name == "project" else [str(port)])
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(port, process)
            load(port, 1, 2)  # warm-up
            results[name] = [load(port, level, duration) for level in LEVELS]
        finally:
            process.terminate()
            process.wait(timeout=30)
    ratios = {}
    for project, naive in zip(results["project"], results["naive_flask"], strict=True):
        ratios[f"c{project['concurrency']}"] = {
            "throughput_x": round(project["throughput_rps"] / naive["throughput_rps"], 2),
            "p99_x": round(naive["p99_ms"] / project["p99_ms"], 2),
        }
    return {"servers": results, "ratios_project_over_naive": ratios}


def markdown(results: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['measured_at']} on {results['machine']} with "
        "`make bench` (`python benchmarks/bench.py`). Raw numbers: "
        "`benchmarks/results.json`.",
        "",
        "## Local pipeline runs (bundled snapshot)",
        "",
        "| pipeline | step | seconds | peak RSS MB |",
        "|---|---|---|---|",
    ]
    for name, run in results["pipelines"].items():
        for step in run["steps"]:
            lines.append(
                f"| {name} | {step['step']} | {step['seconds']:.2f} | "
                f"{step['peak_rss_mb'] or '-'} |"
            )
        lines.append(
            f"| {name} | **whole run** | **{run['wall_seconds']:.2f}** | **{run['peak_rss_mb']}** |"
        )
    if "backtest" in results:
        b = results["backtest"]
        lines += [
            "",
            "## Backtest 2000-2024, yearly refits (same process)",
            "",
            "| recipe | seconds |",
            "|---|---|",
            f"| model (XGBoost) | {b['model_seconds']} |",
            f"| Dataquest recipe (RandomForest 200 trees) | {b['dataquest_seconds']} |",
            f"| ratio | model is {b['speedup_vs_dataquest']}x faster |",
        ]
    s = results["serving"]
    lines += [
        "",
        f"## Serving: single-row CSV /invocations, {results['duration_s']} s per level "
        "(wrk over 127.0.0.1)",
        "",
        "| server | concurrency | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, levels in s["servers"].items():
        for level in levels:
            lines.append(
                f"| {name} | {level['concurrency']} | {level['throughput_rps']} | "
                f"{level['p50_ms']:.2f} | {level['p95_ms']:.2f} | "
                f"{level['p99_ms']:.2f} | {level['errors']} |"
            )
    lines += [
        "",
        "| concurrency | throughput, project / naive | p99, naive / project |",
        "|---|---|---|",
    ]
    for level, ratio in s["ratios_project_over_naive"].items():
        lines.append(f"| {level[1:]} | {ratio['throughput_x']}x | {ratio['p99_x']}x |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds per load level")
    parser.add_argument("--skip-backtest", action="store_true")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for the serving benchmark (apt-get install wrk)")
    home = Path(tempfile.mkdtemp(prefix="stockpred-bench-"))
    results = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}",
        "duration_s": args.duration,
    }
    results["pipelines"] = bench_pipelines(home)
    if not args.skip_backtest:
        results["backtest"] = bench_backtest()
    results["serving"] = bench_serving(home, args.duration)
    (REPO / "benchmarks" / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (REPO / "docs").mkdir(exist_ok=True)
    (REPO / "docs" / "benchmarks.md").write_text(markdown(results))
    print(markdown(results))
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
