#!/usr/bin/env bash
# The README's second command: install what is missing, build, and run every
# suite — C unit tests, the HTTP API tests against the real binary, the
# crash test, the page tests in Chromium, and the unit and API suites again
# under AddressSanitizer + UndefinedBehaviorSanitizer. Ends with one line
# "N passed, N failed" totalling every suite; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
PY=/usr/bin/python3

scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
add() { passed=$((passed + $1)); failed=$((failed + $2)); }
report_dir=$(mktemp -d)

# Runs the C unit tests of build dir $1; each prints "N passed, N failed".
unit_suite() {
  local dir=$1 label=$2
  echo "== unit tests ($label)"
  for t in "$dir"/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    out=$("$t" 2>&1); rc=$?
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
    if [ -z "$line" ]; then
      printf '%s\n' "$out"; echo "$(basename "$t"): crashed (exit $rc)"; add 0 1; continue
    fi
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    [ "$rc" != 0 ] && [ "$f" = 0 ] && f=1
    [ "$f" != 0 ] && printf '%s\n' "$out"
    echo "$(basename "$t"): $line"
    add "$p" "$f"
  done
  out=$(tests/check_layers.sh "$root"); rc=$?
  echo "layers: $out" | tail -1
  [ $rc = 0 ] && add 1 0 || add 0 1
}

# Formatting is part of the build's contract: clang-format must be a no-op.
format_check() {
  echo "== clang-format"
  if scripts/format.sh --check >/dev/null 2>&1; then
    echo "format: 1 passed, 0 failed"; add 1 0
  else
    scripts/format.sh --check 2>&1 | head -20
    echo "format: 0 passed, 1 failed (run scripts/format.sh)"; add 0 1
  fi
}

# Runs pytest on $2 with FIDELIS_BIN=$1, counting from its JUnit report.
py_suite() {
  local bin=$1 path=$2 label=$3
  echo "== $label"
  FIDELIS_BIN=$bin $PY -m pytest -q -p no:cacheprovider --junitxml="$report_dir/$label.xml" "$path"
  local counts
  counts=$($PY - "$report_dir/$label.xml" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 1"); sys.exit()
suites = [root] if root.tag == "testsuite" else list(root)
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
s = sum(int(s.get("skipped", 0)) for s in suites)
# A skipped test is not a passed one; and a suite that ran nothing failed.
print(t - f - s, f + s + (1 if t == 0 else 0))
PYEOF
)
  add ${counts% *} ${counts#* }
}

# The same store contract and API suite on PostgreSQL: a throwaway cluster
# (scripts/pg.sh, as a non-root user, on a free local port), removed after.
pg_suites() {
  echo "== PostgreSQL"
  local dir uri out line p f
  dir=$(mktemp -d /var/tmp/fidelis-pg.XXXXXX)
  if ! uri=$(scripts/pg.sh start "$dir"); then
    echo "could not start a PostgreSQL cluster"; add 0 1; return
  fi
  out=$(FIDELIS_TEST_PG=$uri build/test_store 2>&1)
  line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  if [ -z "$line" ]; then printf '%s\n' "$out"; add 0 1
  else
    p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
    [ "$f" != 0 ] && printf '%s\n' "$out"
    echo "test_store (postgresql): $line"; add "$p" "$f"
  fi
  FIDELIS_TEST_PG=$uri py_suite "$root/build/fidelis" tests/api "api-postgresql"
  scripts/pg.sh stop "$dir" || true
}

format_check
if scripts/build.sh build; then
  unit_suite build "release"
  py_suite "$root/build/fidelis" tests/api "api"
  py_suite "$root/build/fidelis" tests/crash "crash"
  if [ -d tests/web ] && [ "${FIDELIS_WEB_TESTS:-1}" = 1 ]; then
    echo "== pages (Chromium)"
    if (cd tests/web && [ -d node_modules ] || npm ci --no-audit --no-fund --silent >/dev/null 2>&1); then
      out=$(cd tests/web && FIDELIS_BIN="$root/build/fidelis" node --test 2>&1); rc=$?
      printf '%s\n' "$out" | tail -20
      p=$(printf '%s\n' "$out" | sed -n 's/^# pass \([0-9]*\)/\1/p' | tail -1)
      f=$(printf '%s\n' "$out" | sed -n 's/^# fail \([0-9]*\)/\1/p' | tail -1)
      [ -z "$p" ] && p=0; [ -z "$f" ] && f=1
      [ $rc != 0 ] && [ "$f" = 0 ] && f=1
      add "$p" "$f"
    else
      echo "npm install failed"; add 0 1
    fi
  fi
  pg_suites
else
  echo "build failed"; add 0 1
fi

if [ "${FIDELIS_SKIP_ASAN:-0}" != 1 ]; then
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer"
  if scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    unit_suite build-asan "asan"
    py_suite "$root/build-asan/fidelis" tests/api "api-asan"
  else
    echo "asan build failed"; add 0 1
  fi
fi

rm -rf "$report_dir"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
