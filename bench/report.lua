-- report.lua - wrk's end-of-run summary as one machine-readable line:
--   WRK requests=N seconds=S rps=R p50_ms=A p99_ms=B connect=.. read=..
--       write=.. timeout=.. status=..
-- (status counts responses that were not 2xx or 3xx). Used alone for the
-- /healthz peer (wrk -s bench/report.lua) and loaded by purchase.lua.
-- It only defines the global done(): wrk runs a script's main chunk with
-- its own values on the Lua stack, so the chunk must not return anything.

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "WRK requests=%d seconds=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f " ..
      "connect=%d read=%d write=%d timeout=%d status=%d\n",
      summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      e.connect, e.read, e.write, e.timeout, e.status))
end
