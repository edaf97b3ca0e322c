#!/usr/bin/env bash
# Runs ava with TAP output and ends with the plain closing line CI counts: "N passed, N failed".
# Keeps ava's exit code and fails a run that executed no test.
set -o pipefail
out=$(mktemp)
./node_modules/.bin/ava --tap "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
count() { sed -n "s/^# $1 \([0-9]*\)$/\1/p" "$out" | tail -1; }
pass=$(count pass); fail=$(count fail); skip=$(count skip)
rm -f "$out"
echo "${pass:-0} passed, ${fail:-0} failed, ${skip:-0} skipped"
if [ "${pass:-0}" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit "$rc"
