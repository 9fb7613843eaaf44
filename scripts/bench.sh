#!/usr/bin/env bash
# Runs the benchmarks and their peers (docs/performance.md explains them):
#
#  1. build/bench/bench_writer: durable purchases/s through the group-commit
#     writer from 1, 4, 16, 64 threads, beside a raw SQLite loop writing the
#     same rows one transaction per purchase (the peer) and batched. Then a
#     shorter pass with FIDELIS_SQLITE_SYNC=NORMAL: what the fsyncs cost.
#  2. HTTP: each run starts `fidelis serve` on a fresh database with members;
#     wrk POSTs purchases (bench/purchase.lua) at 1, 16 and 64 keep-alive
#     connections and, right after each, GETs /healthz (the server's static
#     answer) at the same connection count: the peer. Keep-alive is checked,
#     not assumed: `ss`, sampled through each run, must see exactly the
#     connection count of client sockets (thousands without keep-alive), and
#     the server's own request count (/metrics) must match wrk's. Also
#     reported: the writer's batch size (jobs/batches from /metrics).
#  3. build/bench/bench_rules (the `rules` step, at the end): the earn rules
#     engine, one 10-line purchase against 50 active rules
#     (bench/programs/fifty-rules.yaml), beside the flat base rate on the
#     same lines (the peer): ns per evaluation (wall clock, median of
#     BENCH_RUNS runs) and instructions per evaluation (callgrind at 1000 and
#     2000 evaluations; the difference over 1000, so the setup cancels out).
#     `scripts/bench.sh rules` runs only this step (about a minute; needs
#     valgrind, not wrk).
#
#  5. `scripts/bench.sh pg` (only this step): PostgreSQL, durable (a
#     throwaway cluster from scripts/pg.sh started with PG_DURABLE=1: fsync,
#     synchronous_commit and full_page_writes on). In each of BENCH_RUNS runs,
#     in rotated order: `pgbench -M prepared -c 16 -j 2` (TPC-B, scale 1,
#     after one `pgbench -i`) on the cluster (the peer); `fidelis serve --db
#     postgresql://...` on a fresh database of the same cluster with
#     BENCH_MEMBERS members, wrk POSTing purchases (bench/purchase.lua) at 16
#     keep-alive connections spread over every member (uniform); and the same
#     with every purchase on member 1 (one hot account). Each is
#     BENCH_PG_SECONDS (8) long; no socket errors, no non-2xx and a clean
#     audit are checked. About 2 minutes with BENCH_RUNS=3.
#
# Prints the machine, the tables and a summary; exits non-zero if a check
# fails. Never part of the tests. Takes about 8 minutes with the defaults.
# Environment: BENCH_RUNS (5), BENCH_WRITER_SECONDS (2), BENCH_HTTP_SECONDS (8),
# BENCH_MEMBERS (1000), BENCH_TMPDIR (where the databases go; default build/).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
RUNS=${BENCH_RUNS:-5}
WRITER_SECONDS=${BENCH_WRITER_SECONDS:-2}
HTTP_SECONDS=${BENCH_HTTP_SECONDS:-8}
MEMBERS=${BENCH_MEMBERS:-1000}
CONNECTIONS=(1 16 64)
PY=/usr/bin/python3
STEP=${1:-all} # all; rules: only step 3; features: only step 4; pg: only step 5
case $STEP in all | rules | features | pg) ;; *) echo "usage: scripts/bench.sh [rules|features|pg]"; exit 2 ;; esac
PG_SECONDS=${BENCH_PG_SECONDS:-8}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

case $STEP in all | pg) command -v wrk >/dev/null || { echo "bench.sh: wrk is missing (apt-get install wrk)"; exit 1; } ;; esac
scripts/build.sh
bin=$root/build/fidelis
bench_writer=$root/build/bench/bench_writer

# The databases go under build/ (same disk as the checkout), not a shared /tmp.
work_parent=${BENCH_TMPDIR:-$root/build}
mkdir -p "$work_parent"
work=$(mktemp -d "$work_parent/bench-run.XXXXXX")
server_pid=""
pg_cluster=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "$pg_cluster" ]; then scripts/pg.sh stop "$pg_cluster" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# ---- the machine ----
echo "== machine"
echo "cores:  $(nproc)"
echo "cpu:    $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "kernel: $(uname -r)"
dev=$(df --output=source "$work" | tail -1)
echo "disk:   $dev ($(df -h --output=fstype,size "$work" | tail -1 | xargs)), databases in $work"
# fsync_probe: synchronous 4 KiB writes per second (dd oflag=dsync), as a
# WAL commit does: the floor under every commit. A shared virtual disk's
# rate can change by 10x within minutes, so it is probed before each part.
fsync_probe() {
  local rate
  rate=$(dd if=/dev/zero of="$work/dsync" bs=4k count=300 oflag=dsync 2>&1 |
    awk '/copied/ {for (i = 1; i <= NF; i++) if ($i ~ /^s,?$/) s = $(i - 1); print int(300 / s)}')
  rm -f "$work/dsync"
  echo "fsync:  $rate synchronous 4 KiB writes/s (dd oflag=dsync) $1"
}
fsync_probe "at start"
echo "load:   $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min) at start"

metric() { # metric NAME_REGEX: sums the matching /metrics samples
  curl -s "$base/metrics" | awk -v re="$1" '$0 !~ /^#/ && $1 ~ re {s += $2} END {printf "%d\n", s}'
}

if [ "$STEP" = all ]; then # steps 1 and 2 and their summary (not for `bench.sh rules`)
# ---- 1. the writer, in process ----
echo
echo "== 1. group-commit writer vs raw SQLite (in process, $RUNS runs x ${WRITER_SECONDS} s)"
"$bench_writer" --runs "$RUNS" --seconds "$WRITER_SECONDS" --members "$MEMBERS" \
  --dir "$work/writer-full" | tee "$work/writer-full.txt"
fsync_probe "after the writer pass"
echo
echo "-- the same with FIDELIS_SQLITE_SYNC=NORMAL (no fsync per commit; 3 runs x 1 s)"
FIDELIS_SQLITE_SYNC=NORMAL "$bench_writer" --runs 3 --seconds 1 --members "$MEMBERS" \
  --dir "$work/writer-normal" | tee "$work/writer-normal.txt"

echo
fsync_probe "before the hot-member pass"
echo "-- hot members: the same with --members 10 (each ends with hundreds of open lots; 3 runs x 1 s)"
"$bench_writer" --runs 3 --seconds 1 --members 10 \
  --dir "$work/writer-hot" | tee "$work/writer-hot.txt"

# ---- 2. over HTTP ----
echo
echo "== 2. HTTP: purchases vs /healthz (wrk, keep-alive, $RUNS runs x ${HTTP_SECONDS} s)"
fsync_probe "before the HTTP runs"

# start_server RUN: a fresh database with $MEMBERS members, served on $port.
start_server() {
  db=$work/http-$1.db
  till_key=$("$bin" init --db "$db" | sed -n 's/^till key:[[:space:]]*//p')
  "$bin" serve --db "$db" --port 0 --expire-interval 0 2>"$work/serve-$1.log" &
  server_pid=$!
  port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*"event":"listening".*"port":"\([0-9]*\)".*/\1/p' "$work/serve-$1.log")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$work/serve-$1.log"; echo "bench.sh: the server did not start"; exit 1; }
  base=http://127.0.0.1:$port
  # Members, over one keep-alive connection.
  $PY - "$port" "$till_key" "$MEMBERS" <<'PYEOF'
import http.client, json, sys
port, key, members = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
for i in range(1, members + 1):
    c.request("POST", "/v1/members", json.dumps({"name": "Bench Member %d" % i}),
              {"Authorization": "Bearer " + key, "Content-Type": "application/json",
               "Idempotency-Key": "bench-enrol-%d" % i})
    r = c.getresponse(); r.read()
    assert r.status == 201, r.status
PYEOF
}

# stop_server RUN: SIGTERM, then the audit and how many open lots members have.
stop_server() {
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  local audit lots
  audit=$("$bin" audit --db "$db" | tail -1)
  [ "$audit" = "audit clean" ] || audits_failed=$((audits_failed + 1))
  lots=$($PY - "$db" <<'PYEOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print("%d purchases, %.0f open lots per member" % c.execute(
    "SELECT (SELECT count(*) FROM purchases),"
    " (SELECT count(*) FROM lots WHERE remaining != 0) * 1.0 / (SELECT count(*) FROM members)"
).fetchone())
PYEOF
)
  echo "  run $1: $audit; the database ended with $lots"
}

# run_wrk ARGS...: runs wrk, output in $work/wrk.out; meanwhile samples the
# server's TCP sockets every 0.2 s and prints how many distinct client
# connections it saw. Keep-alive: c connections for the whole run. Without
# it, thousands (one per request, each lingering in the socket table).
run_wrk() {
  wrk "$@" >"$work/wrk.out" &
  local wrk_pid=$!
  : >"$work/peers"
  while kill -0 "$wrk_pid" 2>/dev/null; do
    ss -Htn "( sport = :$port )" | awk '{print $5}' >>"$work/peers"
    sleep 0.2
  done
  wait "$wrk_pid"
  sort -u "$work/peers" | grep -c . || true
}

# measure KIND C RUN: one wrk run against the running server, into $results.
measure() {
  local kind=$1 c=$2 run=$3 route args
  local threads=$((c < 2 ? c : 2))
  if [ "$kind" = purchase ]; then
    route='fidelis_http_requests_total\\{route="purchase_create"'
    args=(-s "$root/bench/purchase.lua" "$base/v1/purchases" -- "$till_key" "$MEMBERS" "r$run-c$c")
  else
    route='fidelis_http_requests_total\\{route="healthz"'
    args=(-s "$root/bench/report.lua" "$base/healthz")
  fi
  local req0 jobs0 batches0 req1 jobs1 batches1 peers line
  req0=$(metric "$route"); jobs0=$(metric '^fidelis_writer_jobs_total$')
  batches0=$(metric '^fidelis_writer_batches_total$')
  peers=$(run_wrk -t "$threads" -c "$c" -d "${HTTP_SECONDS}s" --timeout 10s "${args[@]}")
  req1=$(metric "$route"); jobs1=$(metric '^fidelis_writer_jobs_total$')
  batches1=$(metric '^fidelis_writer_batches_total$')
  line=$(grep '^WRK ' "$work/wrk.out") || { cat "$work/wrk.out"; exit 1; }
  v() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  local errors=$(( $(v connect) + $(v read) + $(v write) + $(v timeout) ))
  printf '%s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\t%d\n' "$kind" "$c" "$run" \
    "$(v rps)" "$(v p50_ms)" "$(v p99_ms)" "$(v requests)" "$errors" "$(v status)" \
    $((req1 - req0)) "$peers" $((jobs1 - jobs0)) $((batches1 - batches0)) >>"$results"
  printf '  run %d/%d  %-8s c=%-3d %9s req/s  p50 %7s ms  p99 %7s ms\n' "$run" "$RUNS" "$kind" \
    "$c" "$(v rps)" "$(v p50_ms)" "$(v p99_ms)"
}

# Every run on a fresh database, so every run starts from the same state (a
# purchase adds a lot, and a purchase loads its member's open lots), with
# the order of the connection counts rotating from run to run.
results=$work/http.tsv
audits_failed=0
printf 'kind\tconns\trun\trps\tp50_ms\tp99_ms\trequests\tsocket_errors\tnon2xx\tserver_requests\tconnections\tjobs\tbatches\n' >"$results"
for run in $(seq "$RUNS"); do
  start_server "$run"
  for i in $(seq 0 $((${#CONNECTIONS[@]} - 1))); do
    c=${CONNECTIONS[$(((i + run - 1) % ${#CONNECTIONS[@]}))]}
    measure purchase "$c" "$run"
    measure healthz "$c" "$run"
  done
  stop_server "$run"
done

# ---- summary ----
fsync_probe "after the HTTP runs"
echo
$PY - "$results" "$audits_failed" "$work/writer-full.txt" "$work/writer-normal.txt" "$work/writer-hot.txt" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = lambda xs: statistics.median(float(x) for x in xs)
problems = []

print("== summary: HTTP (medians of %d runs; peer = GET /healthz in the same runs)"
      % len({r["run"] for r in rows}))
print("%-6s %12s %8s %8s %7s %12s %8s %8s %10s %11s"
      % ("conns", "purchases/s", "p50 ms", "p99 ms", "batch", "healthz/s", "p50 ms", "p99 ms",
         "x healthz", "conns seen"))
for c in sorted({int(r["conns"]) for r in rows}):
    p = [r for r in rows if r["kind"] == "purchase" and int(r["conns"]) == c]
    h = [r for r in rows if r["kind"] == "healthz" and int(r["conns"]) == c]
    batch = med(int(r["jobs"]) / max(1, int(r["batches"])) for r in p)
    opened = max(int(r["connections"]) for r in p + h)
    # The ratio is taken run by run (purchase and healthz back to back), then
    # the median of those.
    healthz_rps = {r["run"]: float(r["rps"]) for r in h}
    ratio = med(float(r["rps"]) / healthz_rps[r["run"]] for r in p)
    print("%-6d %12.0f %8.2f %8.2f %7.1f %12.0f %8.2f %8.2f %10.3f %11d"
          % (c, med(r["rps"] for r in p), med(r["p50_ms"] for r in p),
             med(r["p99_ms"] for r in p), batch, med(r["rps"] for r in h),
             med(r["p50_ms"] for r in h), med(r["p99_ms"] for r in h), ratio, opened))
    for r in p + h:
        where = "%s c=%s run %s" % (r["kind"], r["conns"], r["run"])
        if int(r["socket_errors"]) or int(r["non2xx"]):
            problems.append("%s: %s socket errors, %s non-2xx" % (where, r["socket_errors"],
                                                                  r["non2xx"]))
        # Keep-alive: the server answered every request wrk counted (and at
        # most one more per connection, cut off when wrk stopped) ...
        extra = int(r["server_requests"]) - int(r["requests"])
        if not 0 <= extra <= c:
            problems.append("%s: wrk counted %s requests, the server %s"
                            % (where, r["requests"], r["server_requests"]))
        # ... over c connections (the sampling may catch the /metrics call
        # just before the run closing).
        if not c <= int(r["connections"]) <= c + 1:
            problems.append("%s: %s client connections seen for %s requests on %d keep-alive "
                            "connections" % (where, r["connections"], r["requests"], c))

print("\n== summary: writer (in process)")
titles = ["synchronous=FULL (the product's setting)", "synchronous=NORMAL (no fsync per commit)",
          "synchronous=FULL, 10 members (hot members)"]
for title, path in zip(titles, sys.argv[3:]):
    print("   -- " + title)
    for line in open(path):
        if line.startswith(("configuration", "raw", "writer")):
            print("   " + line.rstrip())
    print()
if sys.argv[2] != "0":
    problems.append("fidelis audit failed after %s of the HTTP runs" % sys.argv[2])
for p in problems:
    print("CHECK FAILED: " + p)
print("checks: %s" % ("all passed (no errors, keep-alive held, every audit clean)" if not problems
                      else "%d failed" % len(problems)))
sys.exit(1 if problems else 0)
EOF
fi # steps 1 and 2

# ---- 3. the earn rules engine, in process (`scripts/bench.sh rules` runs only this) ----
# bench_rules evaluates one 10-line purchase against the 50 rules of
# bench/programs/fifty-rules.yaml (all of which give it points), and the
# peer, the flat base rate on the same lines (fdl_earn_points + fdl_allocate).
# Wall clock first: the median of $RUNS runs, the two paths alternating.
# Then instructions under callgrind, which a shared machine's load does not
# move: each path at --count 1000 and 2000 (one warm-up evaluation each, same
# binary, same input); the difference over 1000 is one evaluation, without
# loading the program file or anything else the process does once.
rules_step() {
  local bench=$root/build/bench/bench_rules cg=$work/callgrind
  command -v valgrind >/dev/null ||
    { echo "bench.sh: valgrind is missing (apt-get install valgrind)"; exit 1; }
  echo
  echo "== 3. earn rules engine: 50 rules vs the flat base rate (in process)"
  "$bench" --runs "$RUNS" | tee "$work/rules-wall.txt"
  mkdir -p "$cg"
  local path n
  for path in rules flat; do
    for n in 1000 2000; do
      valgrind --tool=callgrind --callgrind-out-file="$cg/$path.$n.out" \
        "$bench" --count "$n" --path "$path" >"$cg/$path.$n.txt" 2>"$cg/$path.$n.log" ||
        { cat "$cg/$path.$n.log"; echo "bench.sh: bench_rules failed under callgrind"; exit 1; }
      callgrind_annotate --auto=no --threshold=100 "$cg/$path.$n.out" \
        >"$cg/$path.$n.self" 2>/dev/null
      callgrind_annotate --auto=no --threshold=100 --inclusive=yes "$cg/$path.$n.out" \
        >"$cg/$path.$n.incl" 2>/dev/null
    done
  done
  echo
  echo "-- instructions per evaluation (callgrind: (Ir at 2000 - Ir at 1000) / 1000)"
  $PY - "$cg" <<'EOF'
import collections, os, re, sys
cg = sys.argv[1]
EVALS = 1000  # 2000 - 1000

def total(path, n):
    for line in open(os.path.join(cg, "%s.%d.out" % (path, n))):
        if line.startswith("totals:"):
            return int(line.split()[1])
    sys.exit("bench.sh: no totals in %s.%d.out" % (path, n))

def functions(path, n, kind):
    """Ir per function name (self: summed over the files it is inlined from;
    inclusive: the largest entry, as the others are part of it)."""
    out = collections.Counter()
    row = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S.*?)(?: \[.*\])?$")
    for line in open(os.path.join(cg, "%s.%d.%s" % (path, n, kind))):
        m = row.match(line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        ir, name = int(m.group(1).replace(",", "")), m.group(2).rsplit(":", 1)[-1]
        out[name] = out[name] + ir if kind == "self" else max(out[name], ir)
    return out

per = {p: (total(p, 2000) - total(p, 1000)) / EVALS for p in ("rules", "flat")}
print("rules_eval: %.0f instructions/eval (callgrind)" % per["rules"])
print("flat_eval: %.0f instructions/eval (callgrind)" % per["flat"])
print("rules/flat: %.1fx the instructions" % (per["rules"] / per["flat"]))
for p in ("rules", "flat"):
    self2, self1 = functions(p, 2000, "self"), functions(p, 1000, "self")
    incl2, incl1 = functions(p, 2000, "incl"), functions(p, 1000, "incl")
    rows = sorted(((self2[f] - self1[f]) / EVALS, (incl2[f] - incl1[f]) / EVALS, f)
                  for f in self2)
    rows = [r for r in reversed(rows) if r[0] >= 0.005 * per[p]]
    print("\n   -- %s: where one evaluation's instructions go (functions with 0.5%% or more)"
          % p)
    print("   %10s %6s %12s  %s" % ("self", "", "inclusive", "function"))
    for s, i, f in rows:
        print("   %10.0f %5.1f%% %12.0f  %s" % (s, 100 * s / per[p], i, f))
EOF
}
case $STEP in all | rules) rules_step ;; esac

# ---- 4. the program's features in the write path ----
# The writer again, with its purchases earning under examples/demo.yaml
# (tiers, six earn rules incl. segments and a birthday, a coffee stamp card,
# coupons, rewards, a paid membership, referrals: every feature hook runs),
# beside the same raw SQLite peer, and the flat program in the same run.
# Compare the writer/raw ratios: what the features cost a purchase.
features_step() {
  echo
  echo "== 4. the features in the write path (writer T=16 vs raw 1/commit; $RUNS runs x ${WRITER_SECONDS} s)"
  for program in "" "$root/examples/demo.yaml"; do
    label=${program:+demo.yaml}
    echo "-- program: ${label:-flat (base rate only)}"
    "$bench_writer" --runs "$RUNS" --seconds "$WRITER_SECONDS" --members "$MEMBERS" \
      --dir "$work/features" ${program:+--program "$program"} |
      grep -E "writer, T=16|raw sqlite, 1 purchase|bench_writer:"
  done
}
case $STEP in all | features) features_step ;; esac

# ---- 5. PostgreSQL, durable: purchases over HTTP beside pgbench (`scripts/bench.sh pg`) ----
# pg_run_fidelis KIND RUN URI: one wrk run of purchases against a server on a
# fresh database of the cluster; KIND uniform spreads them over $MEMBERS
# members, hot puts every one on member 1. Appends a row to $pg_results.
pg_run_fidelis() {
  local kind=$1 run=$2 uri=$3 dbname=fdl_bench_$1_$2 members=$MEMBERS db line
  [ "$kind" = hot ] && members=1
  psql -X -qAt -d "$uri" -c "CREATE DATABASE $dbname" >/dev/null
  db=${uri%/*}/$dbname
  till_key=$("$bin" init --db "$db" | sed -n 's/^till key:[[:space:]]*//p')
  "$bin" serve --db "$db" --port 0 --expire-interval 0 2>"$work/serve-pg.log" &
  server_pid=$!
  port=""
  for _ in $(seq 200); do
    port=$(sed -n 's/.*"event":"listening".*"port":"\([0-9]*\)".*/\1/p' "$work/serve-pg.log")
    [ -n "$port" ] && break
    sleep 0.05
  done
  [ -n "$port" ] || { cat "$work/serve-pg.log"; echo "bench.sh: the server did not start"; exit 1; }
  $PY - "$port" "$till_key" "$MEMBERS" <<'PYEOF'
import http.client, json, sys
port, key, members = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
for i in range(1, members + 1):
    c.request("POST", "/v1/members", json.dumps({"name": "Bench Member %d" % i}),
              {"Authorization": "Bearer " + key, "Content-Type": "application/json",
               "Idempotency-Key": "bench-enrol-%d" % i})
    r = c.getresponse(); r.read()
    assert r.status == 201, r.status
PYEOF
  base=http://127.0.0.1:$port
  local jobs0 batches0 jobs1 batches1
  jobs0=$(metric '^fidelis_writer_jobs_total$')
  batches0=$(metric '^fidelis_writer_batches_total$')
  wrk -t 2 -c 16 -d "${PG_SECONDS}s" --timeout 10s -s "$root/bench/purchase.lua" \
    "$base/v1/purchases" -- "$till_key" "$members" "pg-$kind-$run" >"$work/wrk.out"
  jobs1=$(metric '^fidelis_writer_jobs_total$')
  batches1=$(metric '^fidelis_writer_batches_total$')
  kill "$server_pid"
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
  [ "$("$bin" audit --db "$db" | tail -1)" = "audit clean" ] || pg_audits_bad=$((pg_audits_bad + 1))
  psql -X -qAt -d "$uri" -c "DROP DATABASE $dbname WITH (FORCE)" >/dev/null
  line=$(grep '^WRK ' "$work/wrk.out") || { cat "$work/wrk.out"; exit 1; }
  v() { printf '%s\n' "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  local batch
  batch=$(awk -v j=$((jobs1 - jobs0)) -v b=$((batches1 - batches0)) 'BEGIN {printf "%.1f", j / (b ? b : 1)}')
  printf '%s\t%d\t%s\t%s\t%s\t%d\t%s\n' "$kind" "$run" "$(v rps)" "$(v p50_ms)" "$(v p99_ms)" \
    $(($(v connect) + $(v read) + $(v write) + $(v timeout) + $(v status))) "$batch" >>"$pg_results"
  printf '  run %d/%d  %-8s %9s purchases/s  p50 %7s ms  p99 %7s ms  batch %s\n' "$run" "$RUNS" \
    "$kind" "$(v rps)" "$(v p50_ms)" "$(v p99_ms)" "$batch"
}

# pg_run_pgbench RUN URI: one pgbench TPC-B run; appends a row to $pg_results.
pg_run_pgbench() {
  local run=$1 uri=$2 tps lat
  "$PG_BIN/pgbench" -M prepared -c 16 -j 2 -n -T "$PG_SECONDS" "$uri" >"$work/pgbench.out" 2>&1 ||
    { cat "$work/pgbench.out"; exit 1; }
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' "$work/pgbench.out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' "$work/pgbench.out")
  printf 'pgbench\t%d\t%s\t%s\t\t0\t\n' "$run" "$tps" "$lat" >>"$pg_results"
  printf '  run %d/%d  %-8s %9s tps          latency avg %7s ms\n' "$run" "$RUNS" pgbench "$tps" "$lat"
}

pg_step() {
  [ -x "$PG_BIN/pgbench" ] || { echo "bench.sh: no pgbench in $PG_BIN (scripts/deps.sh)"; exit 1; }
  echo
  echo "== 5. PostgreSQL (fsync on): purchases over HTTP vs pgbench TPC-B ($RUNS runs x ${PG_SECONDS} s, 16 connections)"
  pg_cluster=$work/pg
  local uri show
  uri=$(PG_DURABLE=1 scripts/pg.sh start "$pg_cluster")
  show() { psql -X -qAt -d "$uri" -c "SHOW $1"; }
  echo "cluster: PostgreSQL $(show server_version), fsync=$(show fsync)," \
    "synchronous_commit=$(show synchronous_commit), full_page_writes=$(show full_page_writes)," \
    "shared_buffers=$(show shared_buffers)"
  "$PG_BIN/pgbench" -i -q "$uri" >"$work/pgbench-init.log" 2>&1 ||
    { cat "$work/pgbench-init.log"; exit 1; }
  pg_results=$work/pg.tsv
  pg_audits_bad=0
  printf 'kind\trun\ttps\tp50_ms\tp99_ms\terrors\tbatch\n' >"$pg_results"
  local kinds=(pgbench uniform hot) run i kind
  for run in $(seq "$RUNS"); do
    for i in 0 1 2; do
      kind=${kinds[$(((i + run - 1) % 3))]}
      if [ "$kind" = pgbench ]; then
        pg_run_pgbench "$run" "$uri"
      else
        pg_run_fidelis "$kind" "$run" "$uri"
      fi
    done
  done
  scripts/pg.sh stop "$pg_cluster" >/dev/null
  pg_cluster=""
  fsync_probe "after the PostgreSQL runs"
  echo
  $PY - "$pg_results" "$pg_audits_bad" <<'PYEOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
med = statistics.median
by = lambda kind: {r["run"]: r for r in rows if r["kind"] == kind}
pgb, uni, hot = by("pgbench"), by("uniform"), by("hot")
print("== summary: PostgreSQL, durable (medians of %d runs; ratios run by run, then the median)"
      % len(pgb))
print("%-36s %9s %9s %9s %10s %6s" % ("", "per s", "p50 ms", "p99 ms", "x pgbench", "batch"))
print("%-36s %9.0f %9s %9s %10.2f" % ("pgbench -M prepared -c 16 (TPC-B)",
      med(float(r["tps"]) for r in pgb.values()),
      "avg %.1f" % med(float(r["p50_ms"]) for r in pgb.values()), "", 1.0))
for name, d in (("purchases, 16 conns, uniform", uni),
                ("purchases, 16 conns, one hot member", hot)):
    print("%-36s %9.0f %9.2f %9.2f %10.2f %6.1f" % (
        name, med(float(r["tps"]) for r in d.values()),
        med(float(r["p50_ms"]) for r in d.values()), med(float(r["p99_ms"]) for r in d.values()),
        med(float(d[k]["tps"]) / float(pgb[k]["tps"]) for k in d),
        med(float(r["batch"]) for r in d.values())))
print("hot / uniform: %.2f" % med(float(hot[k]["tps"]) / float(uni[k]["tps"]) for k in hot))
problems = ["%s run %s: %s socket errors or non-2xx" % (r["kind"], r["run"], r["errors"])
            for r in rows if int(r["errors"] or 0)]
if sys.argv[2] != "0":
    problems.append("fidelis audit failed after %s runs" % sys.argv[2])
for p in problems:
    print("CHECK FAILED: " + p)
print("checks: %s" % ("all passed (no errors, every audit clean)" if not problems
                      else "%d failed" % len(problems)))
sys.exit(1 if problems else 0)
PYEOF
}
[ "$STEP" != pg ] || pg_step
