#!/usr/bin/env bash
# Runs each unit test binary in its own process: a crash fails one test file, not the run.
set -u
fail=0; n=0
for t in "$@"; do
  n=$((n+1))
  if "$t" >"$t.log" 2>&1; then echo "ok   $(basename "$t")"; else echo "FAIL $(basename "$t")"; cat "$t.log"; fail=$((fail+1)); fi
done
echo "unit: $((n-fail))/$n passed"
[ $fail -eq 0 ]
