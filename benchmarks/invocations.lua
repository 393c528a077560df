-- wrk script: POST one CSV feature row to /invocations; print the summary as one JSON line.
wrk.method = "POST"
wrk.body = os.getenv("STOCKPRED_BENCH_BODY")
wrk.headers["Content-Type"] = "text/csv"

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "errors": %d, "non_2xx": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
