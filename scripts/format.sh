#!/usr/bin/env bash
# Applies clang-format to every C source and header (or checks with --check).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
if [ "${1:-}" = --check ]; then
  clang-format --dry-run -Werror $files
else
  clang-format -i $files
fi
