#!/usr/bin/env bash
# Replay the daily cycle over past sessions, exactly as the schedules would have run it:
# train on data up to the day before START, then for each session from START to END run the
# inference pipeline (AsOf = the previous session, predicting that session) and the monitoring
# pipeline. Then write the monitoring report.
#
# usage: scripts/replay.sh START END     e.g. scripts/replay.sh 2026-01-02 2026-03-02
# Uses STOCKPRED_HOME (default ./.stockpred-replay) and the bundled snapshot.
set -euo pipefail
start=${1:?usage: scripts/replay.sh START END}
end=${2:?usage: scripts/replay.sh START END}
export STOCKPRED_HOME=${STOCKPRED_HOME:-.stockpred-replay}
stockpred=${STOCKPRED:-.venv/bin/stockpred}
sessions=$(.venv/bin/python - "$start" "$end" <<'PY'
import sys
from stockpred.market_calendar import nyse
calendar = nyse()
first = calendar.date_to_session(sys.argv[1], direction="next")
closes = calendar.sessions_in_range(calendar.previous_session(first), sys.argv[2])
print(" ".join(str(day.date()) for day in closes[:-1]))
PY
)
first=${sessions%% *}
$stockpred pipeline run training --param DataSource=snapshot --param EndDate="$first" >/dev/null
for day in $sessions; do
  $stockpred pipeline run inference --param DataSource=snapshot --param AsOf="$day" 2>/dev/null \
    | tail -n 1
  $stockpred pipeline run monitoring --param DataSource=snapshot --param AsOf="$day" \
    >/dev/null 2>&1 || echo "monitoring for $day failed (see: stockpred pipeline list)"
done
$stockpred monitor report
