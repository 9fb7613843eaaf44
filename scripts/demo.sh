#!/usr/bin/env bash
# The README's first command: install what is missing, build, create the demo
# database (a program, a few hundred members, a year of history) and serve
# it at http://127.0.0.1:8080. API keys are printed once.
set -euo pipefail
cd "$(dirname "$0")/.."
FIDELIS_WEB_TESTS=0 scripts/deps.sh
scripts/build.sh
exec build/fidelis demo --db "${FIDELIS_DEMO_DB:-fidelis-demo.db}" --port "${FIDELIS_PORT:-8080}" "$@"
