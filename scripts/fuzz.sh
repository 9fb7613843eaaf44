#!/usr/bin/env bash
# Fuzzes one parser with libFuzzer + ASan + UBSan (clang):
#   scripts/fuzz.sh [input|expr|program] [SECONDS]
# input: the API's JSON input decoding; expr: the condition language;
# program: the program-file loader (seeded with examples/*.yaml). Runs for
# SECONDS (default 60), then merges inputs that add coverage into the
# target's corpus under tests/fuzz/, which the unit tests replay. Crashes are
# written to build-fuzz/crash-*; add the input to the corpus once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-input}
seconds=${2:-60}
case "$target" in
  input)   src=tests/fuzz/fuzz_input.c;        corpus=tests/fuzz/corpus;         max_len=4096 ;;
  expr)    src=tests/fuzz/fuzz_expr.c;         corpus=tests/fuzz/corpus_expr;    max_len=1024 ;;
  program) src=tests/fuzz/fuzz_program_file.c; corpus=tests/fuzz/corpus_program; max_len=16384 ;;
  *) echo "usage: scripts/fuzz.sh [input|expr|program] [SECONDS]" >&2; exit 2 ;;
esac
mkdir -p build-fuzz
srcs=$(ls src/base/*.c src/ledger/*.c src/engine/*.c | grep -v -e log.c)
clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
  -include src/base/banned.h $srcs "$src" \
  -ljansson -lsodium -lyaml -lm -o "build-fuzz/fuzz_$target"
new=build-fuzz/new_$target
rm -rf "$new"; mkdir -p "$new"
if [ "$target" = program ]; then
  cp examples/*.yaml "$new"/
fi
"build-fuzz/fuzz_$target" -max_total_time="$seconds" -max_len="$max_len" \
  -artifact_prefix=build-fuzz/ "$new" "$corpus"
# Keep the corpus small: merge only inputs that add coverage.
"build-fuzz/fuzz_$target" -merge=1 "$corpus" "$new" >/dev/null 2>&1
