#!/usr/bin/env bash
# Builds the fuzz target with libFuzzer + ASan + UBSan (clang) and runs it for
# SECONDS (default 60), growing tests/fuzz/corpus with new coverage. Crashes
# are written to build-fuzz/crash-*; add the input to the corpus once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
mkdir -p build-fuzz
srcs=$(ls src/base/*.c src/ledger/*.c src/engine/*.c | grep -v -e log.c)
clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
  -include src/base/banned.h $srcs tests/fuzz/fuzz_input.c \
  -ljansson -lsodium -lyaml -lm -o build-fuzz/fuzz_input
mkdir -p build-fuzz/new
build-fuzz/fuzz_input -max_total_time="$seconds" -max_len=4096 \
  -artifact_prefix=build-fuzz/ build-fuzz/new tests/fuzz/corpus
# Keep the corpus small: merge only inputs that add coverage.
build-fuzz/fuzz_input -merge=1 tests/fuzz/corpus build-fuzz/new >/dev/null 2>&1
