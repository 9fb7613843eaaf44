#!/bin/sh
# The pure core (base, ledger, engine) must not include the shell's layers.
# Prints the offending lines and fails if any exist.
root=${1:-.}
bad=$(grep -nE '#include "(store|service|http|cli)/' "$root"/src/base/*.[ch] "$root"/src/ledger/*.[ch] "$root"/src/engine/*.[ch])
if [ -n "$bad" ]; then
    echo "pure core includes shell headers:"
    echo "$bad"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "1 passed, 0 failed"
